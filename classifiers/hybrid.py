"""The hybrid rule, in one place: per image, the landmark model's letter where it found a hand
and is at least as sure of its letter as the CNN is of its own; else the CNN's. No threshold to
tune (a fixed threshold would have to be chosen on labelled images, and the only ones here are
the ones the hybrid is scored on)."""

from __future__ import annotations

import numpy as np

from asl.classifiers.metrics import NO_HAND


def hybrid_letters(landmark_letters, landmark_confidence, cnn_letters, cnn_confidence) -> tuple[np.ndarray, np.ndarray]:
    """Per image, the letter of the surer model (the landmark model only where it found a hand,
    i.e. its letter is not ``NO_HAND``). Returns (letters, used_landmarks: bool per image)."""
    landmark_letters = np.asarray(landmark_letters, dtype=object)
    found = landmark_letters != NO_HAND
    use = found & (np.asarray(landmark_confidence, dtype=float) >= np.asarray(cnn_confidence, dtype=float))
    return np.where(use, landmark_letters, np.asarray(cnn_letters, dtype=object)), use
