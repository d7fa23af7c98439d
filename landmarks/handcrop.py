"""Square hand crops from photos, framed the way Sign Language MNIST frames its hands.

In Sign Language MNIST the 21 landmarks span a median 83% of the image side (5-95%: 69-97%,
measured with crop mode on the train split), centred in the image. A photo's hand is framed
the same way: a square around its landmarks, which span ``HAND_FILL`` of the side.
"""

from __future__ import annotations

import cv2
import numpy as np

from asl.landmarks.image import as_rgb
from asl.landmarks.result import HandResult

HAND_FILL = 0.8


def hand_box(landmarks: np.ndarray, fill: float = HAND_FILL) -> tuple[float, float, float]:
    """The square (left, top, side), in pixels, centred on the landmarks' box, which spans
    ``fill`` of its side."""
    if not 0 < fill <= 1:
        raise ValueError(f"fill must be in (0, 1], got {fill}")
    xy = np.asarray(landmarks, dtype=np.float64)[:, :2]
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    side = max(x1 - x0, y1 - y0, 1.0) / fill
    return (x0 + x1 - side) / 2, (y0 + y1 - side) / 2, side


def upright_turns(landmarks: np.ndarray) -> int:
    """Quarter turns (counter-clockwise) that bring a hand closest to upright: fingers up, judged by
    the wrist-to-middle-knuckle direction (landmarks 0 and 9), as MediaPipe turns its hand region
    before its landmark model. For landmarks found by MediaPipe Hands, whose palm detector sees a
    hand at any angle; crop mode's own landmarks are those of an upright reading."""
    dx, dy = landmarks[9, :2] - landmarks[0, :2]
    return int(np.round(np.degrees(np.arctan2(dx, -dy)) / 90.0)) % 4


def cut_box(image: np.ndarray, box: tuple[float, float, float], size: int | None = None) -> np.ndarray:
    """The square ``box`` of ``image`` (replicating the edge where it leaves the image), at
    ``size`` pixels a side (area-averaged when shrinking) or at its own size."""
    left, top, side = box
    native = max(1, int(round(side)))
    to_square = np.array([[1.0, 0.0, -left], [0.0, 1.0, -top]]) * (native / side)
    square = cv2.warpAffine(image, to_square, (native, native), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if size is None or size == native:
        return square
    shrink = size < native
    return cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def grey(image: np.ndarray) -> np.ndarray:
    """An HxW uint8 greyscale copy of a grey, RGB or RGBA image."""
    return cv2.cvtColor(as_rgb(image), cv2.COLOR_RGB2GRAY)


def hand_crop(image: np.ndarray, landmarks: np.ndarray | None, size: int | None = 28,
              fill: float = HAND_FILL) -> np.ndarray:
    """The hand as a Sign Language MNIST-style image, greyscale uint8, ``size`` pixels a side
    (``None``: the box's own size): the square box around ``landmarks`` (``hand_box``), or, when
    ``landmarks`` is None, the whole image made square by replicating its edges."""
    rgb = as_rgb(image)
    if landmarks is None:
        h, w = rgb.shape[:2]
        side = max(h, w)
        box = ((w - side) // 2, (h - side) // 2, side)
    else:
        box = hand_box(landmarks, fill)
    return grey(cut_box(rgb, box, size))


def pixel_input(image: np.ndarray, hand: HandResult, size: int | None = 28) -> np.ndarray:
    """What a network on the pixels reads of an image (``hand_crop``): the square box of a hand
    found in a photo; the whole image when crop mode found the hand in the whole image (it is a
    hand crop already, as Sign Language MNIST's are) or when no hand was found."""
    photo_hand = hand.found and hand.mode != "crop" and hand.landmarks is not None
    return hand_crop(image, hand.landmarks if photo_hand else None, size)
