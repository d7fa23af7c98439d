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

from asl.landmarks.shape import FEATURE_NAMES, hand_features
from asl.landmarks.standins import only_if_imported, stand_in_module, standing_in

COMPILED_VERSION = 1  # what a compiled forest's settings mean; another number is not read


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
    from its treelite model. ``n_jobs`` as in scikit-learn: None or -1 for every core."""

    def __init__(self, model: Any, classes: np.ndarray, use_z: bool, n_jobs: int | None = None) -> None:
        self.model = model
        self.classes_ = np.asarray(classes)
        self.use_z = use_z
        self.n_jobs = n_jobs
        if model.num_feature != len(FEATURE_NAMES):
            raise ValueError(f"the compiled forest reads {model.num_feature} features, not the landmarks' {len(FEATURE_NAMES)}")

    def predict_proba(self, X) -> np.ndarray:
        gtil = import_treelite().gtil
        features = hand_features(X, self.use_z)
        threads = -1 if self.n_jobs is None or self.n_jobs < 0 else self.n_jobs
        p = gtil.predict(self.model, features, nthread=threads)
        p = p.reshape(len(features), -1)
        if p.shape[1] != len(self.classes_):
            raise ValueError(f"the compiled forest gives {p.shape[1]} classes, its settings name {len(self.classes_)}")
        return p

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def settings(self) -> dict:
        """What the model file keeps beside the treelite bytes to rebuild this forest."""
        return {"version": COMPILED_VERSION, "classes": [str(c) for c in self.classes_], "use_z": bool(self.use_z)}

    @classmethod
    def from_settings(cls, model: Any, settings: dict) -> CompiledForest:
        if settings.get("version") != COMPILED_VERSION:
            raise ValueError(f"compiled forest version {settings.get('version')}, this asl reads {COMPILED_VERSION}")
        return cls(model, np.array(settings["classes"]), bool(settings["use_z"]))


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
    """``model`` (a fitted landmark model) compiled by treelite; None if it is not a landmark
    Random Forest Pipeline."""
    import treelite.sklearn

    parts = landmark_forest(model)
    if parts is None:
        return None
    features, forest = parts
    return CompiledForest(treelite.sklearn.import_model(forest), forest.classes_, features.use_z)
