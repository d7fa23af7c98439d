"""`asl predict` and `asl compare` with the ResNet50, alone or as the hybrid's fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asl.dataset import SIDE
from asl.errors import AslError
from asl.modelfile import load_cnn_model
from asl.overlay import OverlayWriter
from asl.predict import ImagePredictor, LandmarkPredictor, top_letters
from classifiers import NO_HAND, use_landmarks
from landmarks import MODES, HandResult, make_landmarker
from landmarks.handcrop import hand_crop
from landmarks.modes import Landmarker


class CnnPredictor(ImagePredictor):
    """A saved ResNet50. ``crop`` mode: the whole image is the hand; ``auto``: the hand region
    found in a photo, else the whole image; ``detect``: the hand region, no letter without one.
    ``landmarker``: the ``make_landmarker(mode)`` to find hands with, to share one already built."""

    def __init__(self, model_path: Path, mode: str = "auto", top_k: int = 3, device: str = "cpu",
                 overlay: Path | None = None, landmarker: Landmarker | None = None) -> None:
        if mode not in MODES:
            raise AslError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        self.overlays = OverlayWriter(overlay) if overlay is not None else None
        self.classifier = load_cnn_model(model_path, device)
        self.mode = mode
        self.top_k = max(1, top_k)
        self._locate = None
        if mode != "crop":
            landmarker = landmarker or make_landmarker(mode)
            self._locate = landmarker.locate if mode == "auto" else landmarker

    def network_inputs(self, images: list[np.ndarray], located: list[HandResult] | None = None
                       ) -> tuple[list[HandResult], list[np.ndarray | None]]:
        """Per image: the hand found (``HandResult``; none in crop mode), or the one given in
        ``located``, and the 28x28 network input, its square box as ``hand_crop`` makes it (the
        whole image where no hand was found; None in detect mode)."""
        if located is None:
            located = [self._locate(image) if self._locate else HandResult.none("crop") for image in images]
        results, inputs = [], []
        for image, result in zip(images, located):
            if result.found:
                inputs.append(hand_crop(image, result.landmarks, SIDE))
            else:
                inputs.append(None if self.mode == "detect" else hand_crop(image, None, SIDE))
            results.append(result)
        return results, inputs

    def predict_images(self, images: list[np.ndarray], located: list[HandResult] | None = None
                       ) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        """For each image: the hand region found (or given in ``located``) and the top-k (letter, probability)."""
        results, inputs = self.network_inputs(images, located)
        ready = [i for i, x in enumerate(inputs) if x is not None]
        tops: list[list[tuple[str, float]]] = [[] for _ in images]
        if ready:
            probabilities = self.classifier.predict_proba(np.stack([inputs[i] for i in ready]))
            for i, p in zip(ready, probabilities):
                tops[i] = top_letters(p, self.classifier.classes_, self.top_k)
        return list(zip(results, tops))


class HybridPredictor(ImagePredictor):
    """Both models on every image; the landmark model's letters where it found a hand and is at
    least as sure as the ResNet50 (``classifiers.use_landmarks``), else the ResNet50's. In auto
    mode the hand is located once, by the landmark model's landmarker, and both models read it."""

    def __init__(self, landmark_model: Path, cnn_model: Path, mode: str = "auto", top_k: int = 3) -> None:
        self.landmarks = LandmarkPredictor(landmark_model, mode=mode, top_k=top_k)
        shared = self.landmarks.landmarker if mode == "auto" else None
        self.cnn = CnnPredictor(cnn_model, mode="auto" if mode == "detect" else mode, top_k=top_k, landmarker=shared)

    def predict_images(self, images: list[np.ndarray]) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        landmarker = self.landmarks.landmarker
        located = None
        if landmarker.mode == "auto":
            located = [landmarker.locate(image) for image in images]
            outcomes = self.landmarks.classify([landmarker.read_box(i, hand) for i, hand in zip(images, located)])
        else:
            outcomes = self.landmarks.predict_images(images)
        cnn_tops = [top for _, top in self.cnn.predict_images(images, located)]
        use = use_landmarks([top[0][0] if top else NO_HAND for _, top in outcomes],
                            [top[0][1] if top else 0.0 for _, top in outcomes],
                            [top[0][1] if top else 0.0 for top in cnn_tops])
        return [(result, top if keep else cnn_top) for (result, top), cnn_top, keep in zip(outcomes, cnn_tops, use)]
