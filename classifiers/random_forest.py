"""The Random Forest on landmark features, as one scikit-learn Pipeline inside the view augmentation
(and, for a model trained on photos too, beside a forest of the hand crops alone)."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from asl.classifiers.augmented import ViewAugmentedClassifier
from asl.classifiers.settings import DEFAULTS, ForestSettings
from asl.landmarks.features import LandmarkFeatures


def forest_for(settings: ForestSettings, n_jobs: int = -1, photos: bool = False):
    """``make_random_forest`` with these settings. ``photos``: the model is trained on photos as well
    as hand crops; with a ``crop_share`` above 0 it is a ``CropBlendClassifier``, whose second forest
    (the same settings, no added views) learns the hand crops alone."""
    model = make_random_forest(settings.n_estimators, settings.seed, n_jobs, settings.use_z, settings.augment,
                               settings.max_samples, settings.min_samples_leaf)
    if not photos or settings.crop_share <= 0:
        return model
    from asl.classifiers.blend import CropBlendClassifier

    crops = landmark_pipeline(settings.n_estimators, settings.seed, n_jobs, settings.use_z, settings.max_samples,
                              settings.min_samples_leaf)
    return CropBlendClassifier(model, crops, settings.crop_share)


def landmark_pipeline(n_estimators: int, seed: int, n_jobs: int, use_z: bool, max_samples: float | None,
                      min_samples_leaf: int) -> Pipeline:
    """features -> Random Forest."""
    forest = RandomForestClassifier(n_estimators=n_estimators, random_state=seed, n_jobs=n_jobs,
                                    max_samples=max_samples, min_samples_leaf=min_samples_leaf)
    return Pipeline([("features", LandmarkFeatures(use_z=use_z)), ("forest", forest)])


def make_random_forest(n_estimators: int = DEFAULTS.n_estimators, seed: int = DEFAULTS.seed, n_jobs: int = -1,
                       use_z: bool = DEFAULTS.use_z, augment: bool = DEFAULTS.augment,
                       max_samples: float | None = DEFAULTS.max_samples,
                       min_samples_leaf: int = DEFAULTS.min_samples_leaf) -> ViewAugmentedClassifier:
    """features -> Random Forest, fitted on the landmark rows (n, 63) and letters given plus the
    mirrored and randomly turned views that ``ViewAugmentedClassifier`` adds (none when not
    ``augment``). ``max_samples``: the fraction of the rows each tree draws (None: as many as
    there are). ``use_z``: landmark depth as a feature where a hand has one (``LandmarkFeatures``).
    ``min_samples_leaf``: the fewest rows a leaf holds; larger leaves make a much smaller forest.
    """
    pipeline = landmark_pipeline(n_estimators, seed, n_jobs, use_z, max_samples, min_samples_leaf)
    return ViewAugmentedClassifier(pipeline, mirror=augment, copies=1 if augment else 0, random_state=seed)
