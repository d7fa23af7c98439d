"""The Random Forest on landmark features, as one scikit-learn Pipeline."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from asl.classifiers.augmented import ViewAugmentedClassifier
from asl.landmarks.features import LandmarkFeatures


def make_random_forest(
    n_estimators: int = 300, seed: int = 0, n_jobs: int = -1, use_z: bool = False, augment: bool = True
) -> Pipeline | ViewAugmentedClassifier:
    """features -> Random Forest. Fit it on (n, 63) landmark rows and letter labels.

    ``augment`` fits it on mirrored and randomly turned views as well (``ViewAugmentedClassifier``,
    four rows per training hand); each tree then draws half as many rows as there are, so that
    training takes about twice as long as without. ``use_z=False`` (the default) ignores depth:
    crop mode's z on a 28x28 image does not match its z on a photo.
    """
    forest = RandomForestClassifier(n_estimators=n_estimators, random_state=seed, n_jobs=n_jobs,
                                    max_samples=0.5 if augment else None)
    pipeline = Pipeline([("features", LandmarkFeatures(use_z=use_z)), ("forest", forest)])
    return ViewAugmentedClassifier(pipeline, random_state=seed) if augment else pipeline
