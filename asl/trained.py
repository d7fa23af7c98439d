"""A trained model's record (``TrainingResult``, saved as the metrics JSON beside the model) and
the steps every trainer ends with: save the model, measure it, write the record."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asl.classifiers.metrics import Scores
from asl.files import write_atomic
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
                   model_bytes=self.model_bytes, peak_memory_mib=self.peak_memory_mib)
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
    """The ``TrainingResult`` saved beside ``model_path``; ``OSError``/``ValueError`` if missing or unreadable."""
    try:
        return TrainingResult.from_json(json.loads(metrics_path(model_path).read_text()))
    except (KeyError, TypeError) as e:
        raise ValueError(f"{metrics_path(model_path)} is not a metrics file of this asl ({e})") from None


def save_trained(model_path: Path, save: Callable[[Path], None], result: TrainingResult) -> TrainingResult:
    """The common tail of every trainer: ``save(tmp)`` writes the model (moved into place whole),
    then its size and this process's peak memory go into ``result``, written beside it as JSON."""
    write_atomic(model_path, save)
    result.model_bytes = os.path.getsize(model_path)
    result.peak_memory_mib = peak_memory_mib()
    write_atomic(metrics_path(model_path), lambda tmp: tmp.write_text(json.dumps(result.as_json(), indent=2) + "\n"))
    return result
