"""Saved models: the whole scikit-learn Pipeline plus what is needed to use it on images."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import joblib

from asl.errors import AslError
from asl.provenance import versions

FORMAT = "asl-model"
FORMAT_VERSION = 1
CNN_SUFFIXES = (".pt", ".pth")  # a model file with one of these suffixes is a ResNet50 (torch) model


def is_cnn_model(path: Path) -> bool:
    """Whether ``path`` names a ResNet50 model file (by its suffix) rather than a landmark model."""
    return Path(path).suffix in CNN_SUFFIXES


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` and move ``tmp`` to ``path``: readers see the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_metrics(model_path: Path, metrics: dict) -> Path:
    """Write ``metrics`` as JSON beside the model (same name, .json); returns that path."""
    path = Path(model_path).with_suffix(".json")
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(metrics, indent=2) + "\n"))
    return path


def save_model(path: Path, pipeline, landmarker: dict, extra: dict | None = None) -> None:
    """Write ``pipeline`` and the landmark settings it was trained on; atomic."""
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "landmarks",
        "pipeline": pipeline,
        "landmarker": landmarker,
        "versions": versions(),
        **(extra or {}),
    }
    write_atomic(path, lambda tmp: joblib.dump(payload, tmp))


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


def save_cnn_model(path: Path, classifier, extra: dict | None = None) -> None:
    """Write a fitted ``cnn_baseline.ResNetClassifier`` (its state dict and preprocessing); atomic."""
    import torch

    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": "resnet50",
               "classifier": classifier.state(), "versions": versions(), **(extra or {})}
    write_atomic(path, lambda tmp: torch.save(payload, tmp))


def load_cnn_model(path: Path, device: str = "cpu"):
    """The ``ResNetClassifier`` saved by ``save_cnn_model``; a one-line error for anything else."""
    import torch

    from cnn_baseline import ResNetClassifier

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
