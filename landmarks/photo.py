"""Auto mode: find the hand anywhere in a photo (or a hand crop), frame it like a Sign Language
MNIST image and read its landmarks with crop mode, the pipeline the training landmarks come from.

An image no larger than ``HAND_CROP_SIDE`` pixels a side is a hand crop (Sign Language MNIST's are
28): far too small for the palm detector (192x192 input), which on such crops finds a hand in 1-3%
of them and then frames it wrongly. Its hand is crop mode's on the whole image (``crop``), exactly as
``--mode crop`` reads it. A larger image is a photo. One whose longer side is under
``PHOTO_MIN_SIDE`` (a video frame of 64x64, a thumbnail) is first enlarged by a whole factor
(cubic), the hand found and read in the enlarged image and its landmarks given in the image's own
pixels: read as a hand crop, asl-photos-dev's photos shrunk to 64 px a side read 43%, enlarged and
read as photos 74% (``benchmarks/photo-experiments.md``, ninth round). Finding the hand tries, in
order, the paths in ``LOCATE_PATHS``: MediaPipe Hands (``detect``); crop mode on the whole image,
kept when its landmarks span at least ``CROP_SPAN`` of the image's side, as in 99% of Sign Language
MNIST images: the image is a hand crop already and these are its landmarks (``crop``); MediaPipe
Hands with a lower palm-detection threshold (``detect-low``); MediaPipe Hands on the image with a
replicated border, which shrinks a hand that fills the frame to a size the palm detector knows
(``detect-padded``); crop mode's smaller hand (``crop-small``).
Except for ``crop``, the hand's square box (``handcrop.hand_box``) is then cut out and crop mode
reads the landmarks from it, the box turned by quarter turns so that a hand MediaPipe Hands found
pointing sideways or down is read upright (``upright_turns``; the landmark model reads upright
hands, and MediaPipe turns its own hand region the same way; ``upright=False`` for a model that
learned from Sign Language MNIST alone: ``modes.box_upright``); the result's ``mode`` is the path,
plus ``+box`` when the box gave the landmarks (else the path's own landmarks are kept). The box is
read again at the sizes of ``MORE_FILLS`` (the result's ``readings``): a model reads the hand by its
mean over the readings.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from asl.landmarks.crop import CropLandmarker
from asl.landmarks.handcrop import HAND_FILL, cut_box, hand_box, upright_turns
from asl.landmarks.image import as_rgb
from asl.landmarks.result import HandResult

LOCATE_PATHS = ("detect", "crop", "detect-low", "detect-padded", "crop-small")
CROP_SPAN = 0.6
LOW_DETECTION = 0.1
BORDER = 0.5  # detect-padded: a replicated border of half the image's longer side on each edge
HAND_CROP_SIDE = 32
PHOTO_MIN_SIDE = 256
# The box is read again with the landmarks filling these shares of its side (``fill`` is 0.8), and a
# model reads the hand by its mean over the readings: asl-photos-dev 83.33% -> 84.43%, leave-one-
# signer-out 96.83% -> 97.16%; also trained on the three, 84.87% and 97.04% (worst signer P8 88.75%
# -> 92.92%) (``benchmarks/photo-experiments.md``, ninth round).
MORE_FILLS = (0.7, 0.9)


class PhotoLandmarker:
    """Landmarks of the hand in a photo, read by ``crop`` from the hand's square box."""

    mode = "auto"

    def __init__(self, crop: CropLandmarker, fill: float = HAND_FILL, low_detection: float = LOW_DETECTION,
                 border: float = BORDER, crop_span: float = CROP_SPAN, upright: bool = True,
                 more_fills: tuple[float, ...] = MORE_FILLS) -> None:
        from asl.landmarks.detect import DetectLandmarker

        self.crop = crop
        self.fill, self.low_detection, self.border, self.crop_span = fill, low_detection, border, crop_span
        self.more_fills = tuple(more_fills)  # the box read again at these sizes (HandResult.readings)
        self.upright = upright  # the box turned upright before crop mode reads it (modes.box_upright)
        self.detect = DetectLandmarker()
        self._detect_low: DetectLandmarker | None = None  # built when first needed: most photos never are

    @property
    def detect_low(self):
        """MediaPipe Hands with the lower palm-detection threshold, built on first use."""
        if self._detect_low is None:
            from asl.landmarks.detect import DetectLandmarker

            self._detect_low = DetectLandmarker(min_detection=self.low_detection)
        return self._detect_low

    def settings(self) -> dict:
        """What determines this landmarker's output, for provenance."""
        return {
            "mode": self.mode, "locate": list(LOCATE_PATHS), "hand_crop_side": HAND_CROP_SIDE,
            "photo_min_side": PHOTO_MIN_SIDE, "crop_span": self.crop_span,
            "fill": self.fill, "more_fills": list(self.more_fills),
            "border": self.border, "box_upright": self.upright,
            "detect": self.detect.settings(), "low_detection": self.low_detection, "crop": self.crop.settings(),
        }

    def locate(self, image: np.ndarray) -> HandResult:
        """The hand found by the first path in ``LOCATE_PATHS`` that finds one, in ``image``'s
        pixels; ``mode`` names the path. Crop mode's result (found or not) when none does; crop
        mode's alone for a hand crop (an image of at most ``HAND_CROP_SIDE`` pixels a side)."""
        rgb = as_rgb(image)
        if max(rgb.shape[:2]) <= HAND_CROP_SIDE:
            return self.crop(rgb)
        work, factor = enlarged(rgb)
        return scaled(self._locate(work), 1 / factor)

    def __call__(self, image: np.ndarray) -> HandResult:
        """Landmarks of the hand in ``image`` (grey, RGB or RGBA uint8, any size)."""
        rgb = as_rgb(image)
        return self.read_box(rgb, self.locate(rgb))

    def read_box(self, image: np.ndarray, located: HandResult) -> HandResult:
        """The landmarks crop mode reads from the square box of the hand ``locate`` found in
        ``image``; ``located`` itself where it found none, found it with ``crop``, or the box gives none."""
        rgb = as_rgb(image)
        if not located.found or located.mode == "crop":
            return located
        work, factor = enlarged(rgb)
        return scaled(self._read_box(work, scaled(located, factor)), 1 / factor)

    def _locate(self, rgb: np.ndarray) -> HandResult:
        """``locate`` in a photo of at least ``PHOTO_MIN_SIDE`` pixels (its longer side)."""
        result = self.detect(rgb)
        if result.found:
            return result
        whole = self.crop(rgb)
        if whole.found and np.ptp(whole.landmarks[:, :2], axis=0).max() >= self.crop_span * max(rgb.shape[:2]):
            return whole
        result = self.detect_low(rgb)
        if result.found:
            return replace(result, mode="detect-low")
        k = int(round(self.border * max(rgb.shape[:2])))
        result = self.detect_low(cv2.copyMakeBorder(rgb, k, k, k, k, cv2.BORDER_REPLICATE))
        if result.found:
            return replace(result, mode="detect-padded", landmarks=result.landmarks - np.float32([k, k, 0]))
        return replace(whole, mode="crop-small")

    def _read_box(self, rgb: np.ndarray, located: HandResult) -> HandResult:
        """``read_box`` in a photo of at least ``PHOTO_MIN_SIDE`` pixels, ``located`` (a hand found, not by
        ``crop``) in its pixels: the box at ``fill``, and again at each of ``more_fills`` (its
        ``readings``; where a box gives no hand, ``located``'s landmarks stand in for its reading)."""
        readings = tuple(self._box_reading(rgb, located, fill).landmarks for fill in self.more_fills)
        return replace(self._box_reading(rgb, located, self.fill), readings=readings)

    def _box_reading(self, rgb: np.ndarray, located: HandResult, fill: float) -> HandResult:
        """Crop mode on the box in which ``located``'s landmarks fill ``fill`` of the side; ``located``
        where it finds no hand."""
        left, top, side = box = hand_box(located.landmarks, fill)
        square = cut_box(rgb, box)
        turns = upright_turns(located.landmarks) if self.upright and located.mode.startswith("detect") else 0
        framed = self.crop(square, turns)
        if not framed.found:
            return located
        landmarks = framed.landmarks * np.float32(side / square.shape[0]) + np.float32([left, top, 0])
        return replace(framed, mode=f"{located.mode}+box", landmarks=landmarks.astype(np.float32))

    def close(self) -> None:
        self.detect.close()
        if self._detect_low is not None:
            self._detect_low.close()


def enlarged(rgb: np.ndarray, min_side: int = PHOTO_MIN_SIDE) -> tuple[np.ndarray, int]:
    """``rgb`` enlarged (cubic) by the smallest whole factor that brings its longer side to at least
    ``min_side`` pixels, and that factor (1: the image itself)."""
    h, w = rgb.shape[:2]
    factor = -(-min_side // max(h, w))
    if factor <= 1:
        return rgb, 1
    return cv2.resize(rgb, (w * factor, h * factor), interpolation=cv2.INTER_CUBIC), factor


def scaled(result: HandResult, factor: float) -> HandResult:
    """``result`` with its landmarks (x, y and z alike) multiplied by ``factor``: from an image's pixels
    to those of the image ``factor`` times its size."""
    if factor == 1 or result.landmarks is None:
        return result
    return replace(result, landmarks=(result.landmarks * np.float32(factor)).astype(np.float32),
                   readings=tuple((points * np.float32(factor)).astype(np.float32) for points in result.readings))
