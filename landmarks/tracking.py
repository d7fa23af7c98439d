"""Following one hand through the frames of a video: crop mode on a box that follows the hand.

The photo model learned from landmarks that crop mode read in the hand's square box
(``handcrop.hand_box``), so a video frame is read the same way: crop mode on the box around the
hand's landmarks in the previous frame. MediaPipe Hands looks at the whole frame (for up to
``max_hands`` hands) when that finds no hand (the first frame, the hand left the box, a cut) and
every ``redetect_every`` frames, which re-anchors the box where crop mode's own landmarks would let
it drift (measured on a word video: the box grew to 2.7 times the hand in 40 frames without it).
The signing hand is the one the box follows, else the raised one (the highest in the frame: a hand
resting at the side is lower; MediaPipe's own video mode followed a resting hand in two of the
twelve development words). About one landmark inference per frame, against two for MediaPipe
Hands' video mode followed by crop mode on its box.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from asl.landmarks.crop import CropLandmarker
from asl.landmarks.handcrop import HAND_FILL, cut_box, hand_box, upright_turns
from asl.landmarks.image import as_rgb
from asl.landmarks.result import PALM, HandResult

BOX_PIXELS = 256  # the box is cut at this size at most (crop mode reads it at 224)
REDETECT_EVERY = 10


def overlap(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """Intersection over union of two square boxes (left, top, side)."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[2], b[1] + b[2]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    return inter / (a[2] ** 2 + b[2] ** 2 - inter)


class HandTracker:
    """Landmarks of the signing hand in each frame of a video, in the frame's pixels.

    Call it on the frames in order; ``reset()`` before another video. The result's ``mode`` is
    ``track`` when the hand was read in the box that followed it from the previous frame, and
    ``detect+box`` when MediaPipe Hands found it first.
    """

    mode = "track"

    def __init__(self, crop: CropLandmarker, max_hands: int = 2, fill: float = HAND_FILL,
                 redetect_every: int = REDETECT_EVERY, detect=None, upright: bool = True) -> None:
        if detect is None:
            from asl.landmarks.detect import DetectLandmarker

            detect = DetectLandmarker(max_hands=max_hands)
        self.crop, self.detect, self.fill, self.redetect_every = crop, detect, fill, redetect_every
        self.upright = upright  # the box turned upright before crop mode reads it (modes.box_upright)
        self.reset()

    def settings(self) -> dict:
        """What determines this tracker's output, for provenance."""
        return {"mode": self.mode, "fill": self.fill, "box_pixels": BOX_PIXELS, "redetect_every": self.redetect_every,
                "detect": self.detect.settings(), "crop": self.crop.settings(), "box_upright": self.upright}

    def reset(self) -> None:
        """Forget the hand followed so far (before the first frame of another video)."""
        self._box: tuple[float, float, float] | None = None
        self._palm: np.ndarray | None = None  # where the palm was when the box was last placed
        self._followed = 0
        self._turns = 0  # quarter turns that bring the hand upright, from MediaPipe Hands' last finding

    def __call__(self, frame: np.ndarray) -> HandResult:
        """The signing hand's landmarks in ``frame`` (grey, RGB or RGBA uint8)."""
        rgb = as_rgb(frame)
        if self._box is not None and self._followed < self.redetect_every:
            followed = self._read(rgb, self._box, "track")
            if followed.found:
                self._followed += 1
                return followed
        previous, self._followed = self._box, 0
        hands = self.detect.hands(rgb)
        if not hands:
            self._box = None
            return HandResult.none(self.mode)
        boxes = [hand_box(h.landmarks, self.fill) for h in hands]
        overlaps = [overlap(b, previous) if previous else 0.0 for b in boxes]
        if max(overlaps) > 0:
            chosen = int(np.argmax(overlaps))
        else:
            chosen = int(np.argmin([np.mean(h.landmarks[:, 1]) for h in hands]))
        self._turns = upright_turns(hands[chosen].landmarks) if self.upright else 0
        found = self._read(rgb, boxes[chosen], "detect+box")
        if found.found:
            return found
        self._box = boxes[chosen]
        return replace(hands[chosen], mode="detect")

    def _read(self, rgb: np.ndarray, box: tuple[float, float, float], mode: str) -> HandResult:
        """Crop mode on ``box`` of the frame. When it finds a hand, the next frame's box keeps this
        box's side and moves with the palm (the wrist and the four knuckles): crop mode's own
        fingertips, framed again and again, would shrink or grow the box."""
        left, top, side = box
        square = cut_box(rgb, box, min(BOX_PIXELS, max(1, int(round(side)))))
        read = self.crop(square, self._turns)  # upright, as auto mode reads a photo's box
        if not read.found:
            self._box = None
            return replace(read, mode=mode)
        landmarks = read.landmarks * np.float32(side / square.shape[0]) + np.float32([left, top, 0])
        palm = landmarks[list(PALM), :2].mean(axis=0)
        if mode == "track":
            dx, dy = palm - self._palm
            self._box = (left + dx, top + dy, side)
        else:
            self._box = box
        self._palm = palm
        return replace(read, mode=mode, landmarks=landmarks.astype(np.float32))

    def close(self) -> None:
        self.detect.close()
