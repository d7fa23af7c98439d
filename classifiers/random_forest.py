"""The Random Forest on landmark features, as one scikit-learn Pipeline."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from landmarks.features import LandmarkFeatures


def make_random_forest(
    n_estimators: int = 300, seed: int = 0, n_jobs: int = -1, use_z: bool = True
) -> Pipeline:
    """features -> Random Forest. Fit it on (n, 63) landmark rows and letter labels."""
    return Pipeline([
        ("features", LandmarkFeatures(use_z=use_z)),
        ("forest", RandomForestClassifier(n_estimators=n_estimators, random_state=seed, n_jobs=n_jobs)),
    ])
