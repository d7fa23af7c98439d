"""The hybrid: per image, the landmark model's letter where it found a hand and is at least as
sure of its letter as the CNN is of its own; else the CNN's. No threshold to tune."""

from __future__ import annotations

import numpy as np

from classifiers.metrics import NO_HAND


def use_landmarks(landmark_letters: np.ndarray, landmark_confidence: np.ndarray,
                  cnn_confidence: np.ndarray) -> np.ndarray:
    """True where the landmark model found a hand (not ``NO_HAND``) and its letter's probability
    is at least the CNN's probability for the CNN's letter."""
    found = np.asarray(landmark_letters, dtype=object) != NO_HAND
    return found & (np.asarray(landmark_confidence, dtype=float) >= np.asarray(cnn_confidence, dtype=float))


def hybrid_letters(landmark_letters: np.ndarray, landmark_confidence: np.ndarray, cnn_letters: np.ndarray,
                   cnn_confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image, the letter of the more confident model (the landmark model only where it found
    a hand). Returns (letters, used_landmarks)."""
    use = use_landmarks(landmark_letters, landmark_confidence, cnn_confidence)
    return np.where(use, np.asarray(landmark_letters, dtype=object), np.asarray(cnn_letters, dtype=object)), use
