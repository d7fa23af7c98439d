"""The hybrid: the landmark model's letter where it found a hand and is confident, else the CNN's."""

from __future__ import annotations

import numpy as np

from classifiers.metrics import NO_HAND

DEFAULT_MIN_CONFIDENCE = 0.5


def use_landmarks(landmark_letters: np.ndarray, landmark_confidence: np.ndarray,
                  min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> np.ndarray:
    """True where the landmark model found a hand (not ``NO_HAND``) with probability >= ``min_confidence``."""
    found = np.asarray(landmark_letters, dtype=object) != NO_HAND
    return found & (np.asarray(landmark_confidence, dtype=float) >= min_confidence)


def hybrid_letters(landmark_letters: np.ndarray, landmark_confidence: np.ndarray, cnn_letters: np.ndarray,
                   min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Per image: the landmark letter where a hand was found (not ``NO_HAND``) and its probability
    is at least ``min_confidence``, else the CNN letter. Returns (letters, used_landmarks)."""
    use = use_landmarks(landmark_letters, landmark_confidence, min_confidence)
    return np.where(use, np.asarray(landmark_letters, dtype=object), np.asarray(cnn_letters, dtype=object)), use
