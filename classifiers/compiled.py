"""A trained landmark forest compiled for reading: treelite's copy of the Random Forest, run by its
General Tree Inference Library (GTIL), with the features computed in NumPy (``landmarks.shape``).

It gives the saved Pipeline's probabilities (the same trees, thresholds and leaf values, missing
depth sent down the same branches) without importing scikit-learn or skops, whose import alone is
most of a cold `asl predict`. ``asl.modelfile`` stores it beside the Pipeline in the model file.
Importing this module imports neither; ``compile_forest`` (at training time) imports scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from asl.classifiers.crop_votes import blend_crops, without_depth
from asl.landmarks.shape import FEATURE_NAMES, hand_features
from asl.landmarks.standins import only_if_imported, stand_in_module, standing_in

COMPILED_VERSION = 2  # what a compiled forest's settings mean (2: with a crop forest); others are not read
READ_VERSIONS = (1, 2)  # 1: one forest


def import_treelite():
    """``treelite``, without importing ``scipy.sparse`` (0.06-0.11 s of a cold `asl predict` here):
    GTIL imports it only to accept a ``csr_matrix`` as input, which asl never gives. Its
    ``csr_matrix`` stands in as ``only_if_imported``: a real sparse matrix is still accepted, by
    this process's other users of treelite too, once scipy.sparse is imported."""
    csr_matrix = only_if_imported("scipy.sparse", "csr_matrix")
    with standing_in({"scipy.sparse": stand_in_module("scipy.sparse", csr_matrix=csr_matrix)}):
        import treelite
    return treelite


class CompiledForest:
    """``predict_proba`` and ``predict`` of a landmark Pipeline (LandmarkFeatures -> Random Forest)
    from its treelite model. ``n_jobs`` as in scikit-learn: None or -1 for every core. ``crops``: the
    treelite model of a ``CropBlendClassifier``'s crop forest (``crop_classes``, ``crop_share``): a
    hand without depth is read by both, as that class reads it."""

    def __init__(self, model: Any, classes: np.ndarray, use_z: bool, n_jobs: int | None = None, crops: Any = None,
                 crop_classes: np.ndarray | None = None, crop_share: float = 0.0) -> None:
        self.model = model
        self.classes_ = np.asarray(classes)
        self.use_z = use_z
        self.n_jobs = n_jobs
        self.crops, self.crop_share = crops, float(crop_share)
        self.crop_classes = np.asarray(crop_classes if crop_classes is not None else [])
        for forest in (model, crops):
            if forest is not None and forest.num_feature != len(FEATURE_NAMES):
                raise ValueError(f"the compiled forest reads {forest.num_feature} features, not the landmarks' {len(FEATURE_NAMES)}")
        if crops is not None and not (set(self.crop_classes) <= set(self.classes_) and 0 < self.crop_share <= 1):
            raise ValueError("the crop forest's letters or share do not fit the photo forest")

    def _proba(self, model: Any, features: np.ndarray, classes: np.ndarray) -> np.ndarray:
        gtil = import_treelite().gtil
        threads = -1 if self.n_jobs is None or self.n_jobs < 0 else self.n_jobs
        p = gtil.predict(model, features, nthread=threads).reshape(len(features), -1)
        if p.shape[1] != len(classes):
            raise ValueError(f"the compiled forest gives {p.shape[1]} classes, its settings name {len(classes)}")
        return p

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        features = hand_features(X, self.use_z)
        p = self._proba(self.model, features, self.classes_)
        if self.crops is not None:
            crops = without_depth(X)
            if crops.any():
                blend_crops(p, self.classes_, crops, self._proba(self.crops, features[crops], self.crop_classes),
                            self.crop_classes, self.crop_share)
        return p

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def settings(self) -> dict:
        """What the model file keeps beside the treelite bytes to rebuild this forest."""
        settings = {"version": COMPILED_VERSION if self.crops is not None else 1,
                    "classes": [str(c) for c in self.classes_], "use_z": bool(self.use_z)}
        if self.crops is not None:
            settings["crops"] = {"classes": [str(c) for c in self.crop_classes], "share": self.crop_share}
        return settings

    @classmethod
    def from_settings(cls, model: Any, settings: dict, crops: Any = None) -> CompiledForest:
        if settings.get("version") not in READ_VERSIONS:
            raise ValueError(f"compiled forest version {settings.get('version')}, this asl reads {READ_VERSIONS}")
        blend = settings.get("crops")
        if (blend is None) != (crops is None):
            raise ValueError("the compiled crop forest and its settings do not come together")
        return cls(model, np.array(settings["classes"]), bool(settings["use_z"]), crops=crops,
                   crop_classes=np.array(blend["classes"]) if blend else None, crop_share=blend["share"] if blend else 0.0)


def landmark_forest(model):
    """The (LandmarkFeatures, RandomForestClassifier) of a fitted landmark model (a
    ``ViewAugmentedClassifier`` or the Pipeline inside it); None for any other model."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    from asl.landmarks.features import LandmarkFeatures

    inner = getattr(model, "estimator_", model)
    if not isinstance(inner, Pipeline) or len(inner.steps) != 2:
        return None
    (_, features), (_, forest) = inner.steps
    if isinstance(features, LandmarkFeatures) and isinstance(forest, RandomForestClassifier):
        return features, forest
    return None


def compile_forest(model) -> CompiledForest | None:
    """``model`` (a fitted landmark model, or a ``CropBlendClassifier`` of two) compiled by treelite;
    None if it is not a landmark Random Forest Pipeline."""
    import treelite.sklearn

    from asl.classifiers.blend import CropBlendClassifier

    crops = None
    if isinstance(model, CropBlendClassifier):
        if model.crops_ is not None:
            crops = landmark_forest(model.crops_)
            if crops is None:
                return None
        share, model = model.crop_share, model.estimator_
    parts = landmark_forest(model)
    if parts is None:
        return None
    features, forest = parts
    if crops is None:
        return CompiledForest(treelite.sklearn.import_model(forest), forest.classes_, features.use_z)
    return CompiledForest(treelite.sklearn.import_model(forest), forest.classes_, features.use_z,
                          crops=treelite.sklearn.import_model(crops[1]), crop_classes=crops[1].classes_, crop_share=share)
