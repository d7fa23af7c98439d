"""Scores by group (signer): every photo is read by a model that never saw its signer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import clone


def leave_one_group_out(model, X_base: np.ndarray, y_base: np.ndarray, X: np.ndarray, y: np.ndarray,
                        groups: np.ndarray, weight: float = 1.0,
                        on_fold: Callable[[str, np.ndarray], None] | None = None) -> np.ndarray:
    """Out-of-group letters for the rows ``X`` (photos) with ``groups``: for each group, a clone of
    ``model`` is fitted on all of ``X_base``/``y_base`` (rows of no group, e.g. Sign Language
    MNIST) plus the other groups' rows, each of those weighing ``weight`` (``sample_weight``),
    and reads the held-out group's rows. Rows whose group is None never train and are never read
    (their letters stay None). ``on_fold(group, train_groups)`` sees each fold (for progress and
    tests)."""
    X, y, groups = np.asarray(X), np.asarray(y, dtype=object), np.asarray(groups, dtype=object)
    known = np.array([g is not None for g in groups], dtype=bool)
    names = sorted(set(groups[known]))
    if len(names) < 2:
        raise ValueError(f"leave-one-group-out needs at least two groups, got {len(names)}")
    letters = np.full(len(X), None, dtype=object)
    for name in names:
        held = groups == name
        train = known & ~held
        if on_fold:
            on_fold(name, np.array(sorted(set(groups[train]))))
        fitted = clone(model).fit(
            np.concatenate([X_base, X[train]]), np.concatenate([y_base, y[train]]),
            sample_weight=np.concatenate([np.ones(len(X_base)), np.full(int(train.sum()), weight)]))
        letters[held] = fitted.predict(X[held])
    return letters
