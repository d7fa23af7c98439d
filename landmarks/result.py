"""The result of looking for one hand in one image."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NUM_LANDMARKS = 21
PALM = (0, 5, 9, 13, 17)  # the wrist and the four knuckles: where the hand is, whatever its fingers do
# The 63 numbers of one hand, in order: a landmark table's columns and a model's input.
COORDINATES = tuple(f"{axis}{i}" for i in range(NUM_LANDMARKS) for axis in "xyz")


@dataclass(frozen=True)
class HandResult:
    """One image's hand: 21x3 landmarks in the input image's pixels (z on the x scale).

    ``found`` says whether the score passed the landmarker's threshold; ``landmarks`` is
    ``None`` only when the mode produced no landmarks at all. ``mode`` is the path that
    produced them (``crop``, ``detect``, or for auto mode one of ``landmarks.photo.LOCATE_PATHS``,
    plus ``+box`` when crop mode read them from the hand's square box). ``readings``: the same hand
    read again from its box at other sizes (auto mode, ``landmarks.photo.MORE_FILLS``), 21x3 each in
    the same pixels; a landmark model reads the hand by its mean probabilities over ``landmarks`` and
    these (``hand_rows``).
    """

    found: bool
    score: float
    handedness: str | None
    mode: str
    landmarks: np.ndarray | None
    readings: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @classmethod
    def none(cls, mode: str, score: float = 0.0) -> HandResult:
        """A result for an image in which the mode found no hand."""
        return cls(found=False, score=score, handedness=None, mode=mode, landmarks=None)


def hand_rows(hands: list[HandResult]) -> tuple[np.ndarray, np.ndarray]:
    """The model rows (n, 63) of the hands found, each hand's landmarks followed by its ``readings``,
    and for each row the index (in ``hands``) of the hand it belongs to."""
    rows, owner = [], []
    for i, hand in enumerate(hands):
        if hand.found:
            for points in (hand.landmarks, *hand.readings):
                rows.append(np.asarray(points, dtype=np.float32).reshape(-1))
                owner.append(i)
    return (np.stack(rows) if rows else np.zeros((0, 3 * NUM_LANDMARKS), np.float32)), np.asarray(owner, dtype=np.intp)


def mean_by_owner(proba: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """The mean of ``proba``'s rows per owner (``hand_rows``): (n, classes), zeros for owners without rows."""
    total = np.zeros((n, proba.shape[1]))
    np.add.at(total, owner, proba)
    counts = np.bincount(owner, minlength=n)
    return total / np.maximum(counts, 1)[:, None]
