"""Saved models: the whole scikit-learn Pipeline plus what is needed to use it on images."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import joblib

from asl.errors import AslError
from asl.files import write_atomic
from asl.provenance import versions

FORMAT = "asl-model"
FORMAT_VERSION = 1


def landmark_model_writer(pipeline, landmarker: dict, extra: dict | None = None) -> Callable[[Path], None]:
    """A ``write(path)`` that saves ``pipeline`` with the landmark settings it was trained on."""
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "landmarks",
        "pipeline": pipeline,
        "landmarker": landmarker,
        "versions": versions(),
        **(extra or {}),
    }
    return lambda path: joblib.dump(payload, path)


def save_model(path: Path, pipeline, landmarker: dict, extra: dict | None = None) -> None:
    """Write ``pipeline`` and the landmark settings it was trained on; atomic."""
    write_atomic(path, landmark_model_writer(pipeline, landmarker, extra))


def load_model(path: Path) -> dict:
    """Read a model saved by ``save_model``; a one-line error for anything else."""
    from sklearn.exceptions import InconsistentVersionWarning

    path = Path(path)
    retrain = "train one with `asl train-rf`"
    if not path.is_file():
        raise AslError(f"model file {path} not found; {retrain} or pass --model")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            payload = joblib.load(path)
    except InconsistentVersionWarning as w:
        raise AslError(
            f"{path} was saved with scikit-learn {w.original_sklearn_version}, this is "
            f"{w.current_sklearn_version}; {retrain} again"
        ) from None
    except Exception:  # unpickling a foreign or corrupt file can raise almost anything
        raise AslError(f"{path} is not a readable asl model file (corrupt or another format); {retrain}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise AslError(f"{path} is not an asl model file; {retrain}")
    if payload.get("format_version") != FORMAT_VERSION:
        raise AslError(
            f"{path} is asl model format {payload.get('format_version')}, this asl reads "
            f"{FORMAT_VERSION}; {retrain} again"
        )
    pipeline = payload.get("pipeline")
    if not (hasattr(pipeline, "predict_proba") and hasattr(pipeline, "classes_")
            and isinstance(payload.get("landmarker"), dict)):
        raise AslError(f"{path} is an incomplete asl model file (no fitted pipeline or landmark settings); {retrain}")
    return payload


def cnn_model_writer(classifier, extra: dict | None = None) -> Callable[[Path], None]:
    """A ``write(path)`` that saves a fitted ``cnn_baseline.ResNetClassifier`` (its state dict and
    preprocessing), loadable with ``torch.load(weights_only=True)``."""
    import torch

    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": "resnet50",
               "classifier": classifier.state(), "versions": versions(), **(extra or {})}
    return lambda path: torch.save(payload, path)


def load_cnn_model(path: Path, device: str = "cpu"):
    """The ``ResNetClassifier`` written by ``cnn_model_writer``; a one-line error for anything else."""
    import torch

    from asl.cnn_baseline import ResNetClassifier

    path = Path(path)
    retrain = "train one with `asl train-cnn`"
    if not path.is_file():
        raise AslError(f"model file {path} not found; {retrain} or pass --model")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a foreign, corrupt or unsafe file
        raise AslError(f"{path} is not a readable asl ResNet50 model file (corrupt or another format); {retrain}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("kind") != "resnet50":
        raise AslError(f"{path} is not an asl ResNet50 model file; {retrain}")
    if payload.get("format_version") != FORMAT_VERSION:
        raise AslError(f"{path} is asl model format {payload.get('format_version')}, this asl reads "
                       f"{FORMAT_VERSION}; {retrain} again")
    try:
        return ResNetClassifier.from_state(payload["classifier"], device)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise AslError(f"{path} does not hold a ResNet50 this asl can load ({type(e).__name__}); {retrain} again") from None
