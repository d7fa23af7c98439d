"""`asl predict` and `asl compare` with the ResNet50, alone or as the hybrid's fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asl.dataset import SIDE
from asl.errors import AslError
from asl.modelfile import load_cnn_model
from asl.overlay import OverlayWriter
from asl.predict import ImagePredictor, LandmarkPredictor, top_letters
from classifiers import DEFAULT_MIN_CONFIDENCE, NO_HAND, use_landmarks
from landmarks import MODES, HandResult, make_landmarker
from landmarks.handcrop import hand_crop


class CnnPredictor(ImagePredictor):
    """A saved ResNet50. ``crop`` mode: the whole image is the hand; ``auto``: the hand region
    found in a photo, else the whole image; ``detect``: the hand region, no letter without one."""

    def __init__(self, model_path: Path, mode: str = "auto", top_k: int = 3, device: str = "cpu",
                 overlay: Path | None = None) -> None:
        if mode not in MODES:
            raise AslError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        self.overlays = OverlayWriter(overlay) if overlay is not None else None
        self.classifier = load_cnn_model(model_path, device)
        self.mode = mode
        self.top_k = max(1, top_k)
        self._locate = None
        if mode != "crop":
            landmarker = make_landmarker(mode)
            self._locate = landmarker.locate if mode == "auto" else landmarker

    def network_inputs(self, images: list[np.ndarray]) -> tuple[list[HandResult], list[np.ndarray | None]]:
        """Per image: the hand found (``HandResult``; none in crop mode) and the 28x28 network
        input, its square box as ``hand_crop`` makes it (the whole image where no hand was found;
        None in detect mode)."""
        results, inputs = [], []
        for image in images:
            result = self._locate(image) if self._locate else HandResult.none("crop")
            if result.found:
                inputs.append(hand_crop(image, result.landmarks, SIDE))
            else:
                inputs.append(None if self.mode == "detect" else hand_crop(image, None, SIDE))
            results.append(result)
        return results, inputs

    def predict_images(self, images: list[np.ndarray]) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        """For each image: the hand region found and the top-k (letter, probability)."""
        results, inputs = self.network_inputs(images)
        ready = [i for i, x in enumerate(inputs) if x is not None]
        tops: list[list[tuple[str, float]]] = [[] for _ in images]
        if ready:
            probabilities = self.classifier.predict_proba(np.stack([inputs[i] for i in ready]))
            for i, p in zip(ready, probabilities):
                tops[i] = top_letters(p, self.classifier.classes_, self.top_k)
        return list(zip(results, tops))


class HybridPredictor(ImagePredictor):
    """The landmark model where it finds a hand with probability >= ``min_confidence``, else the ResNet50."""

    def __init__(self, landmark_model: Path, cnn_model: Path, mode: str = "auto", top_k: int = 3,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.landmarks = LandmarkPredictor(landmark_model, mode=mode, top_k=top_k)
        self.cnn = CnnPredictor(cnn_model, mode="auto" if mode == "detect" else mode, top_k=top_k)
        self.min_confidence = min_confidence

    def predict_images(self, images: list[np.ndarray]) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        outcomes = self.landmarks.predict_images(images)
        letters = [top[0][0] if top else NO_HAND for _, top in outcomes]
        confidence = [top[0][1] if top else 0.0 for _, top in outcomes]
        fallback = np.flatnonzero(~use_landmarks(letters, confidence, self.min_confidence))
        for i, (_, top) in zip(fallback, self.cnn.predict_images([images[i] for i in fallback])):
            outcomes[i] = (outcomes[i][0], top)
        return outcomes
