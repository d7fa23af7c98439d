"""The hybrid: a landmark model and a ResNet50 read every image; the surer one's letter is kept
(``asl.classifiers.hybrid_letters``, the one place the rule is written)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from asl.classifiers.hybrid import hybrid_letters
from asl.classifiers.metrics import NO_HAND
from asl.landmarks import HandLocator
from asl.predictors.base import Predictor, Reading
from asl.predictors.landmark import LandmarkPredictor
from asl.predictors.resnet import CnnPredictor


class HybridPredictor(Predictor):
    """Both models on every image. In auto mode the hand is found once and both models read it:
    the landmark model its landmarks, the ResNet50 the pixels of its box."""

    kind = "hybrid"

    def __init__(self, landmarks: LandmarkPredictor, cnn: CnnPredictor) -> None:
        self.landmarks, self.cnn = landmarks, cnn
        self.top_k = landmarks.top_k

    @classmethod
    def accepts(cls, paths: Sequence[Path]) -> bool:
        return len(paths) == 2 and sorted(
            LandmarkPredictor.accepts([p]) + 2 * CnnPredictor.accepts([p]) for p in paths) == [1, 2]

    @classmethod
    def load(cls, paths: Sequence[Path], mode: str = "auto", top_k: int = 3) -> HybridPredictor:
        [rf_path] = [p for p in paths if LandmarkPredictor.accepts([p])]
        [cnn_path] = [p for p in paths if CnnPredictor.accepts([p])]
        landmarks = LandmarkPredictor.load([rf_path], mode, top_k)
        shared = landmarks.landmarker if isinstance(landmarks.landmarker, HandLocator) else None
        cnn = CnnPredictor.load([cnn_path], "auto" if mode == "detect" else mode, top_k, locator=shared)
        return cls(landmarks, cnn)

    def read(self, images: list[np.ndarray]) -> list[Reading]:
        rf = self.landmarks.read(images)
        shared = self.cnn.locator is self.landmarks.landmarker
        cnn = self.cnn.read(images, [r.hand for r in rf] if shared else None)
        _, use = hybrid_letters([r.letter or NO_HAND for r in rf], [r.probability or 0.0 for r in rf],
                                [c.letter or NO_HAND for c in cnn], [c.probability or 0.0 for c in cnn])
        return [r if keep else Reading(r.hand, c.top) for r, c, keep in zip(rf, cnn, use)]
