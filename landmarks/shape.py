"""The landmark features, in plain NumPy: what ``LandmarkFeatures`` (the scikit-learn transformer in
a saved Pipeline) computes, importable without scikit-learn so that a compiled forest
(``classifiers.compiled``) reads a hand without it."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from asl.landmarks.augment import as_points
from asl.landmarks.result import COORDINATES, NUM_LANDMARKS

WRIST, MIDDLE_MCP = 0, 9
PAIRS = np.array(list(combinations(range(NUM_LANDMARKS), 2)))
FEATURE_NAMES = (*COORDINATES, *(f"d{i}_{j}" for i, j in PAIRS))


def checked_points(X) -> np.ndarray:
    """``X`` as (n, 21, 3) points; ValueError for NaN or infinite values other than a hand's whole
    z column being NaN (no depth)."""
    points = as_points(X)
    if not np.isfinite(points[:, :, :2]).all() or np.isinf(points[:, :, 2]).any():
        raise ValueError("landmarks contain NaN or infinite values (only z may be NaN: no depth)")
    z = points[:, :, 2]
    if (np.isnan(z).any(axis=1) & ~np.isnan(z).all(axis=1)).any():
        raise ValueError("landmarks contain NaN values: a hand's z is either all NaN (no depth) or all numbers")
    return points


def from_wrist(points: np.ndarray) -> np.ndarray:
    """(n, 21, 3) points taken from the wrist and scaled so that the wrist-to-middle-knuckle distance
    in x, y is 1 (a new array): the hand's shape, wherever and however large it is in the image."""
    points = points - points[:, WRIST : WRIST + 1]
    scale = np.linalg.norm(points[:, MIDDLE_MCP, :2], axis=1)
    return points / np.where(scale > 1e-9, scale, 1.0)[:, None, None]


def hand_features(X, use_z: bool = True) -> np.ndarray:
    """(n, 63) or (n, 21, 3) landmarks -> (n, 273) features: wrist-relative coordinates scaled so
    the wrist-to-middle-knuckle distance in x, y is 1, then the 210 joint distances in x, y
    (``LandmarkFeatures`` says more)."""
    points = checked_points(X).copy()
    if not use_z:
        points[:, :, 2] = 0.0
    points = from_wrist(points)
    plane = points[:, :, :2]
    distances = np.linalg.norm(plane[:, PAIRS[:, 0]] - plane[:, PAIRS[:, 1]], axis=2)
    return np.hstack([points.reshape(len(points), -1), distances])
