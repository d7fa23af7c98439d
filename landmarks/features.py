"""Landmark features as a scikit-learn transformer."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from asl.landmarks.augment import as_points
from asl.landmarks.result import COORDINATES, NUM_LANDMARKS

WRIST, MIDDLE_MCP = 0, 9
_PAIRS = np.array(list(combinations(range(NUM_LANDMARKS), 2)))


class LandmarkFeatures(TransformerMixin, BaseEstimator):
    """Wrist-relative, scale-normalised coordinates plus all pairwise joint distances in the image plane.

    Input: (n, 63) rows ``x0, y0, z0, ..., x20, y20, z20`` or (n, 21, 3). The hand is moved so
    the wrist is at the origin and scaled so the wrist-to-middle-knuckle distance in the image
    (x, y) is 1, so the features do not change when the hand is moved or resized in the image;
    the 210 distances are measured in x, y. ``use_z=True`` keeps each joint's depth (z, from the
    wrist, on the same scale) as its z column; a hand without depth (NaN z: crop mode on a tiny
    image, ``landmarks.crop.DEPTH_MIN_SIDE``) keeps NaN there, a missing value that scikit-learn's
    forests send down the branch learned for it. ``use_z=False`` zeroes every z column.
    Output: 63 coordinates + 210 distances (n, 273).
    """

    def __init__(self, use_z: bool = True) -> None:
        self.use_z = use_z

    def fit(self, X, y=None):
        self._check(X)
        self.n_features_in_ = 3 * NUM_LANDMARKS
        return self

    def _check(self, X) -> np.ndarray:
        points = as_points(X)
        if not np.isfinite(points[:, :, :2]).all() or np.isinf(points[:, :, 2]).any():
            raise ValueError("landmarks contain NaN or infinite values (only z may be NaN: no depth)")
        z = points[:, :, 2]
        if (np.isnan(z).any(axis=1) & ~np.isnan(z).all(axis=1)).any():
            raise ValueError("landmarks contain NaN values: a hand's z is either all NaN (no depth) or all numbers")
        return points

    def transform(self, X) -> np.ndarray:
        points = self._check(X).copy()
        if not self.use_z:
            points[:, :, 2] = 0.0
        points -= points[:, WRIST : WRIST + 1]
        scale = np.linalg.norm(points[:, MIDDLE_MCP, :2], axis=1)
        points /= np.where(scale > 1e-9, scale, 1.0)[:, None, None]
        plane = points[:, :, :2]
        distances = np.linalg.norm(plane[:, _PAIRS[:, 0]] - plane[:, _PAIRS[:, 1]], axis=2)
        return np.hstack([points.reshape(len(points), -1), distances])

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        dists = [f"d{i}_{j}" for i, j in _PAIRS]
        return np.array([*COORDINATES, *dists], dtype=object)
