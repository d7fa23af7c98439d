"""Saved models: the whole scikit-learn Pipeline plus what is needed to use it on images.

Landmark models are ``skops.io`` files (``.skops``): a zip of arrays and a schema, read without
unpickling. Before anything in a file is built, every type it names that skops does not trust by
itself must be a class this project defines for its models or a scikit-learn class; a file naming
anything else (a function of ``os``, a class of another package) is refused whole. Pickle-based
``.joblib`` files of earlier versions are never opened: unpickling runs whatever the file says.
ResNet50 files are ``torch.save`` dicts of tensors, read with ``weights_only=True``.

A landmark model file also holds its forest compiled by treelite (``classifiers.compiled``; two
more zip members that skops does not read): reading letters with it needs neither scikit-learn nor
skops, whose import is most of a cold `asl predict`. ``load_reader`` uses it only when the file's
schema names nothing but what asl writes (``ASL_NODES``); any other file, or one without it, is
read through ``load_model`` and its checks. The compiled forest is data (trees, thresholds, leaf
values), never code.
"""

from __future__ import annotations

import importlib
import json
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asl.errors import AslError
from asl.files import write_atomic
from asl.provenance import versions

FORMAT = "asl-model"
FORMAT_VERSION = 2  # landmark models: 2 = skops.io files (1 = joblib pickles, no longer read)
CNN_FORMAT_VERSION = 1  # ResNet50 files (torch.save, weights only)
SUFFIX = ".skops"
COMPRESSION = {"compression": zipfile.ZIP_DEFLATED, "compresslevel": 6}  # a forest's zeros pack ~8x
RETRAIN = "train one with `asl train-rf`"
COMPILED_FOREST = "asl-compiled-forest.treelite"  # zip members beside skops' schema.json and arrays
COMPILED_SETTINGS = "asl-compiled-forest.json"
COMPILED_CROPS = "asl-compiled-crops.treelite"  # a CropBlendClassifier's crop forest
COMPILED_MAX_BYTES = 1 << 30  # a compiled forest larger than this (uncompressed) is not read
# The (module, class, skops loader) of every node in the schema of a model asl writes; a file
# naming anything else is read only through skops' audit (load_model).
ASL_NODES = frozenset({
    ("builtins", "dict", "DictNode"), ("builtins", "list", "ListNode"), ("builtins", "tuple", "TupleNode"),
    ("builtins", "str", "JsonNode"), ("builtins", "str", "TypeNode"), ("numpy", "ndarray", "NdArrayNode"),
    ("numpy", "int64", "NdArrayNode"), ("sklearn.pipeline", "Pipeline", "ObjectNode"),
    ("sklearn.ensemble._forest", "RandomForestClassifier", "ObjectNode"),
    ("sklearn.tree._classes", "DecisionTreeClassifier", "ObjectNode"), ("sklearn.tree._tree", "Tree", "TreeNode"),
    ("asl.landmarks.features", "LandmarkFeatures", "ObjectNode"),
    ("asl.classifiers.augmented", "ViewAugmentedClassifier", "ObjectNode"),
    ("asl.classifiers.blend", "CropBlendClassifier", "ObjectNode"),
})


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

    from asl.classifiers.compiled import compile_forest

    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "landmarks",
        "pipeline": pipeline,
        "landmarker": landmarker,
        "versions": versions(),
        **(extra or {}),
    }
    compiled = compile_forest(pipeline)

    def write(path: Path) -> None:
        sio.dump(payload, path, **COMPRESSION)
        if compiled is not None:
            import treelite

            settings = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": "landmarks",
                        "landmarker": landmarker, "forest": compiled.settings(), "treelite": treelite.__version__}
            with zipfile.ZipFile(path, "a", **COMPRESSION) as archive:
                archive.writestr(COMPILED_SETTINGS, json.dumps(settings))
                archive.writestr(COMPILED_FOREST, compiled.model.serialize_bytes())
                if compiled.crops is not None:
                    archive.writestr(COMPILED_CROPS, compiled.crops.serialize_bytes())

    return write


def save_model(path: Path, pipeline, landmarker: dict, extra: dict | None = None) -> None:
    """Write ``pipeline`` and the landmark settings it was trained on; atomic."""
    write_atomic(path, landmark_model_writer(pipeline, landmarker, extra))


def project_types() -> frozenset[str]:
    """The classes this project defines that a saved landmark Pipeline holds."""
    from asl.classifiers.augmented import ViewAugmentedClassifier
    from asl.classifiers.blend import CropBlendClassifier
    from asl.landmarks.features import LandmarkFeatures

    return frozenset(f"{c.__module__}.{c.__qualname__}" for c in (ViewAugmentedClassifier, CropBlendClassifier,
                                                                   LandmarkFeatures))


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


def check_model_path(path: Path) -> None:
    """A one-line error unless ``path`` is a landmark model file this asl may open."""
    if path.is_dir():
        raise AslError(f"{path} is a folder, not a model file; pass the .skops file")
    if not path.is_file():
        raise AslError(f"model file {path} not found; {RETRAIN} or pass --model")
    if path.suffix.lower() == ".joblib":
        raise AslError(f"{path} is a pickle (.joblib) model of an earlier asl, which could run any code when opened, "
                       f"so asl does not open it; {RETRAIN} again (it writes {SUFFIX} files)")


def load_model(path: Path) -> dict:
    """Read a model saved by ``save_model``; a one-line error for anything else, and nothing in a
    file runs unless every type it names is trusted."""
    path = Path(path)
    check_model_path(path)
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


@dataclass(frozen=True)
class LandmarkReader:
    """What reading letters with a landmark model needs: ``model`` (``classes_``, ``predict_proba``
    on (n, 63) landmark rows: the saved Pipeline or its compiled forest) and the landmark settings
    it was trained with. ``compiled``: whether ``model`` is the compiled forest."""

    model: Any
    landmarker: dict
    compiled: bool


def load_reader(path: Path, compiled: bool = True) -> LandmarkReader:
    """The model in a landmark model file, for reading: its compiled forest where the file has one
    and names nothing but what asl writes (``compiled=True``), else the Pipeline (``load_model``)."""
    path = Path(path)
    check_model_path(path)
    if compiled:
        found = load_compiled(path)
        if found is not None:
            return found
    payload = load_model(path)
    if payload.get("kind") != "landmarks":
        raise AslError(f"{path} is a {payload.get('kind')} model, not a landmark model")
    return LandmarkReader(payload["pipeline"], payload["landmarker"], compiled=False)


def schema_is_asl(schema: Any) -> bool:
    """Whether a skops schema names only the nodes a model written by asl has (``ASL_NODES``)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__module__" in node or "__loader__" in node:
                named = (node.get("__module__"), node.get("__class__"), node.get("__loader__"))
                if named not in ASL_NODES or (named[2] == "TypeNode" and node.get("content") is not None):
                    return False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return True


def load_compiled(path: Path) -> LandmarkReader | None:
    """The compiled forest of a landmark model file; None where the file has none, it cannot be
    read, or the file's schema names anything asl does not write (``load_model`` then judges it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if not {COMPILED_FOREST, COMPILED_SETTINGS, "schema.json"} <= members.keys():
                return None
            parts = [COMPILED_FOREST, COMPILED_SETTINGS, "schema.json"] + ([COMPILED_CROPS] if COMPILED_CROPS in members else [])
            if any(members[m].file_size > COMPILED_MAX_BYTES for m in parts):
                return None
            if not schema_is_asl(json.loads(archive.read("schema.json"))):
                return None
            settings = json.loads(archive.read(COMPILED_SETTINGS))
            blob = archive.read(COMPILED_FOREST)
            crops_blob = archive.read(COMPILED_CROPS) if COMPILED_CROPS in members else None
    except (OSError, zipfile.BadZipFile, ValueError, RecursionError):
        return None
    if not (isinstance(settings, dict) and settings.get("format") == FORMAT
            and settings.get("format_version") == FORMAT_VERSION and settings.get("kind") == "landmarks"
            and isinstance(settings.get("landmarker"), dict) and isinstance(settings.get("forest"), dict)):
        return None
    from asl.classifiers.compiled import CompiledForest, import_treelite

    treelite = import_treelite()
    try:
        crops = treelite.Model.deserialize_bytes(crops_blob) if crops_blob is not None else None
        forest = CompiledForest.from_settings(treelite.Model.deserialize_bytes(blob), settings["forest"], crops)
    except Exception:  # treelite's own errors, a version it cannot read, settings that do not fit
        return None
    return LandmarkReader(forest, settings["landmarker"], compiled=True)


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
