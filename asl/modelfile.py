"""Saved models: the whole scikit-learn Pipeline plus what is needed to use it on images.

Landmark models are ``skops.io`` files (``.skops``): a zip of arrays and a schema, read without
unpickling. Before anything in a file is built, every type it names that skops does not trust by
itself must be a class this project defines for its models or a scikit-learn class; a file naming
anything else (a function of ``os``, a class of another package) is refused whole. Pickle-based
``.joblib`` files of earlier versions are never opened: unpickling runs whatever the file says.
ResNet50 files are ``torch.save`` dicts of tensors, read with ``weights_only=True``.
"""

from __future__ import annotations

import importlib
import warnings
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from asl.errors import AslError
from asl.files import write_atomic
from asl.provenance import versions

FORMAT = "asl-model"
FORMAT_VERSION = 2  # landmark models: 2 = skops.io files (1 = joblib pickles, no longer read)
CNN_FORMAT_VERSION = 1  # ResNet50 files (torch.save, weights only)
SUFFIX = ".skops"
COMPRESSION = {"compression": zipfile.ZIP_DEFLATED, "compresslevel": 6}  # a forest's zeros pack ~8x
RETRAIN = "train one with `asl train-rf`"


def skops_io():
    """``skops.io``, imported without the walk over every scikit-learn module that its import does
    to list the estimators it trusts by default (``sklearn.utils.all_estimators``: it imports every
    subpackage, torch included through scikit-learn's array-API shims, and took most of a cold
    `asl predict`). asl never relies on that default: ``load_model`` names every type it trusts
    (``refused_types``), so the default list is left empty."""
    import sys

    if "skops.io" not in sys.modules:
        import sklearn.utils

        walk = sklearn.utils.all_estimators
        sklearn.utils.all_estimators = lambda *args, **kwargs: []
        try:
            import skops.io  # noqa: F401
        finally:
            sklearn.utils.all_estimators = walk
    return sys.modules["skops.io"]


def landmark_model_writer(pipeline, landmarker: dict, extra: dict | None = None) -> Callable[[Path], None]:
    """A ``write(path)`` that saves ``pipeline`` with the landmark settings it was trained on."""
    sio = skops_io()

    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "landmarks",
        "pipeline": pipeline,
        "landmarker": landmarker,
        "versions": versions(),
        **(extra or {}),
    }
    return lambda path: sio.dump(payload, path, **COMPRESSION)


def save_model(path: Path, pipeline, landmarker: dict, extra: dict | None = None) -> None:
    """Write ``pipeline`` and the landmark settings it was trained on; atomic."""
    write_atomic(path, landmark_model_writer(pipeline, landmarker, extra))


def project_types() -> frozenset[str]:
    """The classes this project defines that a saved landmark Pipeline holds."""
    from asl.classifiers.augmented import ViewAugmentedClassifier
    from asl.landmarks.features import LandmarkFeatures

    return frozenset(f"{c.__module__}.{c.__qualname__}" for c in (ViewAugmentedClassifier, LandmarkFeatures))


def is_sklearn_class(name: str) -> bool:
    """Whether ``name`` is a class defined in scikit-learn (importing scikit-learn's modules runs no
    code of the file; only classes pass, not functions)."""
    module, _, attribute = name.rpartition(".")
    if module != "sklearn" and not module.startswith("sklearn."):
        return False
    try:
        obj = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return False
    return isinstance(obj, type) and obj.__module__.startswith("sklearn")


def refused_types(names: Iterable[str]) -> list[str]:
    """Of the types a file names (those skops does not trust by itself), the ones asl will not build."""
    ours = project_types()
    return sorted(n for n in names if n not in ours and not is_sklearn_class(n))


def load_model(path: Path) -> dict:
    """Read a model saved by ``save_model``; a one-line error for anything else, and nothing in a
    file runs unless every type it names is trusted."""
    path = Path(path)
    if path.is_dir():
        raise AslError(f"{path} is a folder, not a model file; pass the .skops file")
    if not path.is_file():
        raise AslError(f"model file {path} not found; {RETRAIN} or pass --model")
    if path.suffix.lower() == ".joblib":
        raise AslError(f"{path} is a pickle (.joblib) model of an earlier asl, which could run any code when opened, "
                       f"so asl does not open it; {RETRAIN} again (it writes {SUFFIX} files)")
    from sklearn.exceptions import InconsistentVersionWarning

    sio = skops_io()

    try:
        named = sio.get_untrusted_types(file=path)
    except Exception:  # not a zip, no schema, a damaged schema: nothing was built
        raise AslError(f"{path} is not a readable asl model file (corrupt or another format); {RETRAIN}") from None
    refused = refused_types(named)
    if refused:
        shown = ", ".join(refused[:3]) + (f" and {len(refused) - 3} more" if len(refused) > 3 else "")
        raise AslError(f"{path} names types asl does not trust ({shown}); it was not opened. "
                       f"Use a model made by `asl train-rf`")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            payload = sio.load(path, trusted=named)
    except InconsistentVersionWarning as w:
        raise AslError(
            f"{path} was saved with scikit-learn {w.original_sklearn_version}, this is "
            f"{w.current_sklearn_version}; {RETRAIN} again"
        ) from None
    except Exception:  # arrays or state that do not fit the types they name
        raise AslError(f"{path} is not a readable asl model file (corrupt or another format); {RETRAIN}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise AslError(f"{path} is not an asl model file; {RETRAIN}")
    if payload.get("format_version") != FORMAT_VERSION:
        raise AslError(
            f"{path} is asl model format {payload.get('format_version')}, this asl reads "
            f"{FORMAT_VERSION}; {RETRAIN} again"
        )
    pipeline = payload.get("pipeline")
    if not (hasattr(pipeline, "predict_proba") and hasattr(pipeline, "classes_")
            and isinstance(payload.get("landmarker"), dict)):
        raise AslError(f"{path} is an incomplete asl model file (no fitted pipeline or landmark settings); {RETRAIN}")
    return payload


def cnn_model_writer(classifier, extra: dict | None = None) -> Callable[[Path], None]:
    """A ``write(path)`` that saves a fitted ``cnn_baseline.ResNetClassifier`` (its state dict and
    preprocessing), loadable with ``torch.load(weights_only=True)``."""
    import torch

    payload = {"format": FORMAT, "format_version": CNN_FORMAT_VERSION, "kind": "resnet50",
               "classifier": classifier.state(), "versions": versions(), **(extra or {})}
    return lambda path: torch.save(payload, path)


def load_cnn_model(path: Path, device: str = "cpu"):
    """The ``ResNetClassifier`` written by ``cnn_model_writer``; a one-line error for anything else."""
    import torch

    from asl.cnn_baseline import ResNetClassifier

    path = Path(path)
    retrain = "train one with `asl train-cnn`"
    if path.is_dir():
        raise AslError(f"{path} is a folder, not a model file; pass the .pt file")
    if not path.is_file():
        raise AslError(f"model file {path} not found; {retrain} or pass --model")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a foreign, corrupt or unsafe file
        raise AslError(f"{path} is not a readable asl ResNet50 model file (corrupt or another format); {retrain}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("kind") != "resnet50":
        raise AslError(f"{path} is not an asl ResNet50 model file; {retrain}")
    if payload.get("format_version") != CNN_FORMAT_VERSION:
        raise AslError(f"{path} is asl model format {payload.get('format_version')}, this asl reads "
                       f"{CNN_FORMAT_VERSION}; {retrain} again")
    try:
        return ResNetClassifier.from_state(payload["classifier"], device)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise AslError(f"{path} does not hold a ResNet50 this asl can load ({type(e).__name__}); {retrain} again") from None
