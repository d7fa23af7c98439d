"""Scores for a letter classifier that may find no hand in some images."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

NO_HAND = ""  # the prediction for an image in which no hand was found


@dataclass(frozen=True)
class Scores:
    """How well one model read one set of labelled images."""

    n_images: int
    accuracy: float  # over all images; no hand counts as wrong
    coverage: float  # share of images given a letter
    accuracy_on_hand: float  # over the images given a letter (0 when none was)
    macro_f1: float  # over the letters; no hand counts as a miss
    per_letter_accuracy: dict[str, float]

    def as_dict(self) -> dict:
        return asdict(self)


def score_predictions(y_true: Sequence[str], y_pred: Sequence[str], letters: Sequence[str]) -> Scores:
    """Accuracy over all images (no hand counts as wrong), coverage, accuracy where a hand was
    found, macro F1 over ``letters`` (no hand counts as a miss) and per-letter accuracy."""
    from sklearn.metrics import f1_score

    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    if y_true.shape != y_pred.shape or y_true.ndim != 1 or len(y_true) == 0:
        raise ValueError("y_true and y_pred must be equal-length, non-empty 1-D sequences")
    hand = y_pred != NO_HAND
    correct = y_true == y_pred
    per_letter = {
        letter: float(correct[y_true == letter].mean()) for letter in letters if (y_true == letter).any()
    }
    return Scores(
        n_images=int(len(y_true)),
        accuracy=float(correct.mean()),
        coverage=float(hand.mean()),
        accuracy_on_hand=float(correct[hand].mean()) if hand.any() else 0.0,
        macro_f1=float(f1_score(y_true, y_pred, labels=list(letters), average="macro", zero_division=0)),
        per_letter_accuracy=per_letter,
    )
