"""The ResNet50 on the pixels of the hand's square box (found as in auto mode), or of the whole image."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from asl.dataset import SIDE
from asl.landmarks import HandResult, make_landmarker
from asl.landmarks.handcrop import pixel_input
from asl.predictors.base import Predictor, Reading, top_letters


class CnnPredictor(Predictor):
    """A saved ResNet50 (``asl train-cnn``). ``crop`` mode: the whole image is the hand; ``auto``:
    the hand's box found in a photo, else the whole image; ``detect``: the hand's box, no letter
    without a hand. ``locator``: the landmarker to find hands with (shared with a landmark model)."""

    kind = "resnet50"
    suffixes = (".pt", ".pth")

    def __init__(self, classifier, mode: str = "auto", top_k: int = 3, locator=None) -> None:
        self.classifier = classifier
        self.mode = mode
        self.top_k = max(1, top_k)
        if mode != "crop" and locator is None:
            locator = make_landmarker(mode, readings=False)  # the network reads the box's pixels, not its landmarks
        self.locator = locator
        # the hand and its landmarks, as the photo tables the network trains on hold them
        self.find_hand: Callable[[np.ndarray], HandResult] | None = None if mode == "crop" else locator

    @classmethod
    def accepts(cls, paths: Sequence[Path]) -> bool:
        return len(paths) == 1 and Path(paths[0]).suffix.lower() in cls.suffixes

    @classmethod
    def load(cls, paths: Sequence[Path], mode: str = "auto", top_k: int = 3, locator=None) -> CnnPredictor:
        from asl.modelfile import load_cnn_model

        [path] = paths
        return cls(load_cnn_model(path), mode, top_k, locator)

    def network_inputs(self, images: list[np.ndarray], located: list[HandResult] | None = None
                       ) -> tuple[list[HandResult], list[np.ndarray | None]]:
        """Per image: the hand found (none in crop mode), or the one given in ``located``, and the
        28x28 network input (``landmarks.handcrop.pixel_input``: the hand's square box in a photo,
        else the whole image; None in detect mode without a hand)."""
        if located is None:
            located = [self.find_hand(image) if self.find_hand else HandResult.none("crop") for image in images]
        inputs = [None if self.mode == "detect" and not hand.found else pixel_input(image, hand, SIDE)
                  for image, hand in zip(images, located)]
        return list(located), inputs

    def read(self, images: list[np.ndarray], located: list[HandResult] | None = None) -> list[Reading]:
        """A ``Reading`` per image; ``located``: hands already found in them (the hybrid's)."""
        hands, inputs = self.network_inputs(images, located)
        ready = [i for i, x in enumerate(inputs) if x is not None]
        tops: list[tuple] = [() for _ in images]
        if ready:
            probabilities = self.classifier.predict_proba(np.stack([inputs[i] for i in ready]))
            for i, p in zip(ready, probabilities):
                tops[i] = top_letters(p, self.classifier.classes_, self.top_k)
        return [Reading(hand, top) for hand, top in zip(hands, tops)]
