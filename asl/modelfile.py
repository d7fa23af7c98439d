"""Saved models: the whole scikit-learn Pipeline plus what is needed to use it on images."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import joblib

from asl.errors import AslError
from asl.provenance import versions

FORMAT = "asl-model"
FORMAT_VERSION = 1


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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(payload, tmp)
    os.replace(tmp, path)


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
