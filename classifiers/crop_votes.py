"""How the photo model reads a hand crop (``classifiers.blend``), in NumPy alone so that the compiled
reader (``classifiers.compiled``) uses the same rule without scikit-learn: which rows are hand crops
(no depth), and their probabilities blended with the crops' forest's."""

from __future__ import annotations

import numpy as np

from asl.landmarks.result import NUM_LANDMARKS


def without_depth(X) -> np.ndarray:
    """Which rows of (n, 63) landmarks have no depth (every z NaN): hand crops read by crop mode."""
    points = np.asarray(X, dtype=np.float64).reshape(len(X), NUM_LANDMARKS, 3)
    return np.isnan(points[:, :, 2]).all(axis=1)


def blend_crops(proba: np.ndarray, classes: np.ndarray, crops: np.ndarray, crop_proba: np.ndarray,
                crop_classes: np.ndarray, share: float) -> np.ndarray:
    """``proba`` (n, len(classes)) with its ``crops`` rows replaced by ``1 - share`` times themselves
    plus ``share`` times ``crop_proba`` (one row per crop, columns ``crop_classes``, a subset of
    ``classes``, both sorted); in place, and returned."""
    blended = proba[crops] * (1.0 - share)
    blended[:, np.searchsorted(classes, crop_classes)] += share * crop_proba
    proba[crops] = blended
    return proba
