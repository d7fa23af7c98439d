"""Folds of groups (signers) for an evaluation in which every photo is read by a model that never saw its signer."""

from __future__ import annotations

import re
from collections.abc import Sequence


def natural_key(name: str) -> tuple:
    """Sort key that puts P2 before P10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def group_folds(groups: Sequence, n_folds: int | None = None) -> list[tuple[str, ...]]:
    """The folds of a grouped evaluation over the named groups (None: no group, never in a fold):
    one group per fold (leave-one-group-out) when ``n_folds`` is None or at least the number of
    groups; else ``n_folds`` folds, the groups (in natural order: P2 before P10) dealt in turn."""
    names = sorted({g for g in groups if g is not None}, key=natural_key)
    if len(names) < 2:
        raise ValueError(f"a grouped evaluation needs at least two groups, got {len(names)}")
    if n_folds is not None and n_folds < 2:
        raise ValueError(f"a grouped evaluation needs at least two folds, got {n_folds}")
    k = len(names) if n_folds is None else min(n_folds, len(names))
    return [tuple(names[i::k]) for i in range(k)]
