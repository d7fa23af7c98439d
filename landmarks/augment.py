"""Augmentation in landmark space: the same hand seen in a mirror, from another viewpoint, at
another size, with noisy landmarks."""

from __future__ import annotations

import numpy as np

from asl.landmarks.result import NUM_LANDMARKS


def as_points(X) -> np.ndarray:
    """(n, 63) landmark rows or (n, 21, 3) points as a float64 (n, 21, 3) array."""
    points = np.asarray(X, dtype=np.float64)
    if points.ndim == 2 and points.shape[1] == 3 * NUM_LANDMARKS:
        points = points.reshape(-1, NUM_LANDMARKS, 3)
    if points.ndim != 3 or points.shape[1:] != (NUM_LANDMARKS, 3):
        raise ValueError(f"expected (n, 63) or (n, 21, 3) landmarks, got shape {np.shape(X)}")
    return points


def mirror(points: np.ndarray) -> np.ndarray:
    """Left hands as right hands and back: x negated (about the wrist for the features)."""
    out = as_points(points).copy()
    out[:, :, 0] *= -1.0
    return out


def rotation_matrices(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations, angles in degrees: yaw about the image's vertical axis, pitch about
    its horizontal axis, roll in the image plane."""
    a, b, c = (np.deg2rad(np.asarray(v, dtype=np.float64)) for v in (yaw, pitch, roll))
    one, zero = np.ones_like(a), np.zeros_like(a)
    ry = np.stack([np.cos(a), zero, np.sin(a), zero, one, zero, -np.sin(a), zero, np.cos(a)], -1).reshape(-1, 3, 3)
    rx = np.stack([one, zero, zero, zero, np.cos(b), -np.sin(b), zero, np.sin(b), np.cos(b)], -1).reshape(-1, 3, 3)
    rz = np.stack([np.cos(c), -np.sin(c), zero, np.sin(c), np.cos(c), zero, zero, zero, one], -1).reshape(-1, 3, 3)
    return rz @ rx @ ry


def random_views(points: np.ndarray, rng: np.random.Generator, yaw: float, pitch: float, roll: float,
                 scale: float, jitter: float) -> np.ndarray:
    """Each hand turned about its wrist by uniform angles within +-``yaw``, +-``pitch``, +-``roll``
    degrees, x and y stretched by up to +-``scale`` (a fraction) each, and every coordinate
    moved by Gaussian noise of ``jitter`` times the hand's height. A hand without depth (NaN z)
    is turned as if flat (z = 0) and keeps NaN z."""
    points = as_points(points)
    no_depth = np.isnan(points[:, :, 2]).any(axis=1)
    if no_depth.any():
        points = points.copy()
        points[no_depth, :, 2] = 0.0
    n = len(points)
    wrist = points[:, :1]
    turn = rotation_matrices(*(rng.uniform(-limit, limit, n) for limit in (yaw, pitch, roll)))
    out = np.einsum("nij,nkj->nki", turn, points - wrist)
    out[:, :, :2] *= rng.uniform(1.0 - scale, 1.0 + scale, (n, 1, 2))
    height = np.ptp(points[:, :, 1], axis=1)[:, None, None]
    out = out + rng.normal(0.0, jitter, out.shape) * height + wrist
    out[no_depth, :, 2] = np.nan
    return out
