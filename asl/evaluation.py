"""Scoring the landmark model, the ResNet50 and their hybrid on one set of labelled images: letters
and probabilities in, a typed ``Evaluation`` out. Nothing here reads files or runs a model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from asl.classifiers import NO_HAND, Scores, hybrid_letters, score_predictions
from asl.dataset import LETTERS

MODELS = ("random_forest", "resnet50", "hybrid")
TITLES = {"random_forest": "Random Forest on landmarks", "resnet50": "ResNet50 on pixels",
          "hybrid": "Hybrid (the surer of the two; landmarks need a hand)"}


@dataclass(frozen=True)
class ModelScores:
    """``Scores`` plus the accuracy on the images where the landmark pipeline found a hand (the same
    images for every model, so that the rows compare like with like)."""

    scores: Scores
    accuracy_where_hand_found: float | None


@dataclass
class Evaluation:
    """Every model's letters for one set of labelled images."""

    name: str  # "test" (the Sign Language MNIST test split), "photos" or "signers" (grouped)
    title: str
    truth: np.ndarray
    letters: dict[str, np.ndarray]  # per model in MODELS; NO_HAND where it gave no letter
    hand: np.ndarray  # where the landmark pipeline found a hand
    used_landmarks: np.ndarray  # where the hybrid took the landmark model's letter
    seconds_per_image: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # how the letters were made, for the report

    @property
    def is_photos(self) -> bool:
        return self.name != "test"

    def scores(self) -> dict[str, ModelScores]:
        out = {}
        for model, letters in self.letters.items():
            correct = self.truth == letters
            where = float(correct[self.hand].mean()) if self.hand.any() else None
            out[model] = ModelScores(score_predictions(self.truth, letters, LETTERS), where)
        return out


def evaluate(name: str, title: str, truth, rf_letters, rf_confidence, cnn_letters, cnn_confidence,
             hybrid: np.ndarray | None = None, seconds_per_image: dict[str, float] | None = None) -> Evaluation:
    """The three models' letters on the same images. The hybrid's letters follow
    ``hybrid_letters`` from the other two, unless ``hybrid`` gives them as a hybrid predictor read
    them (the same rule, the hand found once)."""
    rf_letters = np.asarray(rf_letters, dtype=object)
    combined, used = hybrid_letters(rf_letters, rf_confidence, cnn_letters, cnn_confidence)
    letters = {"random_forest": rf_letters, "resnet50": np.asarray(cnn_letters, dtype=object),
               "hybrid": combined if hybrid is None else np.asarray(hybrid, dtype=object)}
    return Evaluation(name, title, np.asarray(truth, dtype=object), letters, hand=rf_letters != NO_HAND,
                      used_landmarks=used, seconds_per_image=dict(seconds_per_image or {}))
