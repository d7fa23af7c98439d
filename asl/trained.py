"""A trained model's record (``TrainingResult``, saved as the metrics JSON beside the model) and
the steps every trainer ends with: save the model, measure it, write the record."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asl.classifiers.metrics import Scores
from asl.files import sha256_file, tmp_path
from asl.photos import PhotoSource
from asl.provenance import code_version, peak_memory_mib, versions


@dataclass
class TrainingResult:
    """What a training run made and how well it reads the Sign Language MNIST test split."""

    model: str  # "random_forest" or "resnet50"
    scores: Scores  # on the test split
    n_train: int  # training rows (photos counted once per weight)
    train_seconds: float
    predict_seconds_per_image: float
    params: dict
    data_sha256: dict[str, str]
    trained_on: str = "Sign Language MNIST alone"
    extra: list[PhotoSource] = field(default_factory=list)  # photo folders trained on too
    landmarks: dict | None = None  # the landmarker settings a landmark model was trained with
    history: list[dict] | None = None  # per epoch (ResNet50)
    code_version: str = field(default_factory=code_version)
    versions: dict[str, str] = field(default_factory=versions)
    model_bytes: int | None = None
    peak_memory_mib: float | None = None
    model_sha256: str | None = None  # of the model file these metrics belong to

    def as_json(self) -> dict:
        """The metrics JSON: the scores at the top level, then everything else."""
        out = {"model": self.model, **self.scores.as_dict(), "n_train": self.n_train, "trained_on": self.trained_on}
        if self.extra:
            out["extra"] = [source.as_dict() for source in self.extra]
            credits = sorted({source.credit for source in self.extra if source.credit})
            if credits:
                out["credits"] = credits
        out.update(train_seconds=self.train_seconds, predict_seconds_per_image=self.predict_seconds_per_image,
                   params=self.params)
        if self.landmarks is not None:
            out["landmarks"] = self.landmarks
        if self.history is not None:
            out["history"] = self.history
        out.update(data_sha256=self.data_sha256, code_version=self.code_version, versions=self.versions,
                   model_bytes=self.model_bytes, peak_memory_mib=self.peak_memory_mib, model_sha256=self.model_sha256)
        return out

    @classmethod
    def from_json(cls, d: dict) -> TrainingResult:
        scores = Scores(**{k: d[k] for k in Scores.__dataclass_fields__})
        extra = [PhotoSource(**source) for source in d.get("extra", [])]
        names = set(cls.__dataclass_fields__) - {"scores", "extra"}
        return cls(scores=scores, extra=extra, **{k: d[k] for k in names if k in d})


def metrics_path(model_path: Path) -> Path:
    """Where a model's metrics JSON lives: beside it, same name, .json."""
    return Path(model_path).with_suffix(".json")


def read_result(model_path: Path) -> TrainingResult:
    """The ``TrainingResult`` saved beside ``model_path``; ``OSError``/``ValueError`` if missing,
    unreadable, or written for another model file (a run stopped between the two files' moves)."""
    try:
        result = TrainingResult.from_json(json.loads(metrics_path(model_path).read_text()))
    except (KeyError, TypeError) as e:
        raise ValueError(f"{metrics_path(model_path)} is not a metrics file of this asl ({e})") from None
    if result.model_sha256 is not None and result.model_sha256 != sha256_file(model_path):
        raise ValueError(f"{metrics_path(model_path)} belongs to another version of {model_path}")
    return result


def saved_result(model_path: Path) -> TrainingResult:
    """``read_result``, with a one-line error saying what is wrong and to retrain."""
    from asl.errors import AslError

    try:
        return read_result(model_path)
    except OSError:
        problem = f"{metrics_path(model_path)} (the metrics saved with {model_path}) is missing or unreadable"
    except ValueError as e:
        problem = str(e)
    raise AslError(f"{problem}; retrain the model")


def save_trained(model_path: Path, save: Callable[[Path], None], result: TrainingResult) -> TrainingResult:
    """The common tail of every trainer: ``save(tmp)`` writes the model, its size, sha256 and this
    process's peak memory go into ``result``, and the metrics JSON is written; only then are both
    moved into place, the model first. A run stopped before the moves leaves the old pair; one
    stopped between them leaves metrics whose ``model_sha256`` names another file, which
    ``read_result`` refuses, so a model is never read with another model's metrics."""
    model_path, json_path = Path(model_path), metrics_path(model_path)
    model_tmp, json_tmp = tmp_path(model_path), tmp_path(json_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        save(model_tmp)
        result.model_bytes = os.path.getsize(model_tmp)
        result.model_sha256 = sha256_file(model_tmp)
        result.peak_memory_mib = peak_memory_mib()
        json_tmp.write_text(json.dumps(result.as_json(), indent=2) + "\n")
        os.replace(model_tmp, model_path)
        os.replace(json_tmp, json_path)
    except BaseException:
        model_tmp.unlink(missing_ok=True)
        json_tmp.unlink(missing_ok=True)
        raise
    return result
