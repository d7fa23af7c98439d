"""Training rows from a base set (Sign Language MNIST's crops) and sources of photos: how much each
photo weighs, and which rows get mirrored and turned views.

Measured on ASL-HG leave-one-signer-out (issue 11, ``benchmarks/photo-experiments.md``): a photo
source should weigh about as much as all the crops together (``share``; a fixed weight per photo
makes the balance depend on how many photos there are), and the crops, all right hands seen from
the front, gain nothing from added views while the photos do (and training is four times faster).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from asl.classifiers.settings import DEFAULTS

DEFAULT_SHARE = DEFAULTS.share


@dataclass(frozen=True)
class TrainingRows:
    """What a photo-aware model is fitted on: rows (n, 63), letters, each row's ``sample_weight``,
    and ``augment_rows``, the rows to add mirrored and turned views of."""

    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray
    augment_rows: np.ndarray
    photo_weights: tuple[float, ...]  # each source's weight per photo

    def fit(self, model):
        """``model.fit`` on these rows (a ``ViewAugmentedClassifier``); returns the fitted model."""
        return model.fit(self.X, self.y, sample_weight=self.sample_weight, augment_rows=self.augment_rows)


def photo_weight(n_base: int, n_photos: int, share: float) -> float:
    """The weight of one photo such that ``n_photos`` of them weigh ``share`` times ``n_base`` rows of weight 1."""
    return share * n_base / n_photos if n_photos else 0.0


def training_rows(X_base: np.ndarray, y_base: np.ndarray, sources: Sequence[tuple[np.ndarray, np.ndarray]],
                  share: float = DEFAULT_SHARE, augment_base: bool = False) -> TrainingRows:
    """The base rows (weight 1; views only if ``augment_base``) followed by each source's (X, y)
    photo rows, each source weighing ``share`` times the base rows together, with views."""
    if share < 0 or not np.isfinite(share):
        raise ValueError(f"share must be a number >= 0, got {share}")
    X_base = np.asarray(X_base, dtype=np.float64).reshape(len(X_base), -1)
    parts_X, parts_y = [X_base], [np.asarray(y_base, dtype=object)]
    weights, augment = [np.ones(len(X_base))], [np.full(len(X_base), augment_base)]
    per_photo = []
    for X, y in sources:
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        w = photo_weight(len(X_base), len(X), share)
        per_photo.append(w)
        parts_X.append(X)
        parts_y.append(np.asarray(y, dtype=object))
        weights.append(np.full(len(X), w))
        augment.append(np.ones(len(X), bool))
    return TrainingRows(np.concatenate(parts_X), np.concatenate(parts_y), np.concatenate(weights),
                        np.concatenate(augment), tuple(per_photo))
