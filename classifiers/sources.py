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
    photo_weights: tuple[float, ...]  # each source's weight per row (a photo's reading)

    def fit(self, model):
        """``model.fit`` on these rows (a ``ViewAugmentedClassifier``); returns the fitted model."""
        return model.fit(self.X, self.y, sample_weight=self.sample_weight, augment_rows=self.augment_rows)


def source_weights(n_base: int, sizes: Sequence[int], share: float = DEFAULT_SHARE) -> tuple[np.ndarray, tuple[float, ...]]:
    """``sample_weight`` for ``n_base`` base rows (weight 1) followed by photo sources of ``sizes``
    rows, each source together weighing ``share`` times the base rows; and each source's weight
    per photo. The one place the photo weighting is written (forest and ResNet50 alike)."""
    if share < 0 or not np.isfinite(share):
        raise ValueError(f"share must be a number >= 0, got {share}")
    per_photo = tuple(share * n_base / n if n else 0.0 for n in sizes)
    weights = np.concatenate([np.ones(n_base), *[np.full(n, w) for n, w in zip(sizes, per_photo)]])
    return weights, per_photo


def training_rows(X_base: np.ndarray, y_base: np.ndarray, sources: Sequence[tuple[np.ndarray, np.ndarray]],
                  share: float = DEFAULT_SHARE, augment_base: bool = False) -> TrainingRows:
    """The base rows (weight 1; views only if ``augment_base``) followed by each source's (X, y)
    photo rows, each source weighing ``share`` times the base rows together, with views."""
    X_base = np.asarray(X_base, dtype=np.float64).reshape(len(X_base), -1)
    parts = [np.asarray(X, dtype=np.float64).reshape(len(X), -1) for X, _ in sources]
    weights, per_photo = source_weights(len(X_base), [len(X) for X in parts], share)
    augment = np.concatenate([np.full(len(X_base), augment_base), np.ones(sum(map(len, parts)), bool)])
    return TrainingRows(np.concatenate([X_base, *parts]),
                        np.concatenate([np.asarray(y_base, dtype=object), *[np.asarray(y, dtype=object) for _, y in sources]]),
                        weights, augment, per_photo)
