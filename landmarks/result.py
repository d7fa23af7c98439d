"""The result of looking for one hand in one image."""

from __future__ import annotations

from dataclasses import dataclass

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
    plus ``+box`` when crop mode read them from the hand's square box).
    """

    found: bool
    score: float
    handedness: str | None
    mode: str
    landmarks: np.ndarray | None

    @classmethod
    def none(cls, mode: str, score: float = 0.0) -> HandResult:
        """A result for an image in which the mode found no hand."""
        return cls(found=False, score=score, handedness=None, mode=mode, landmarks=None)
