"""Landmark features as a scikit-learn transformer."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from asl.landmarks.result import NUM_LANDMARKS
from asl.landmarks.shape import FEATURE_NAMES, checked_points, hand_features


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
        return checked_points(X)

    def transform(self, X) -> np.ndarray:
        return hand_features(X, self.use_z)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(FEATURE_NAMES, dtype=object)
