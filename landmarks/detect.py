"""Detect mode: the full MediaPipe Hands pipeline (palm detector, then landmarks) for photos in
which the hand is somewhere in the frame."""

from __future__ import annotations

import importlib
import sys
import types

import numpy as np

from asl.landmarks.image import as_rgb
from asl.landmarks.quiet import native_stderr_silenced
from asl.landmarks.result import NUM_LANDMARKS, HandResult

DEFAULT_MIN_DETECTION = 0.5


class _DeferredPyplot(types.ModuleType):
    """Stands in for ``matplotlib.pyplot`` while mediapipe imports: the first attribute read
    imports the real pyplot, puts it back in ``sys.modules`` and answers from it."""

    def __getattr__(self, name: str):
        sys.modules.pop("matplotlib.pyplot", None)
        real = importlib.import_module("matplotlib.pyplot")
        return getattr(real, name)


def import_mediapipe():
    """``mediapipe``, without importing matplotlib: mediapipe's drawing helpers import
    ``matplotlib.pyplot`` at import time (about 0.45 s of a cold `asl predict` here) for a plotting
    function asl never calls. A stand-in module takes pyplot's place during the import and leaves
    ``sys.modules`` at once (the stdlib's ``LazyLoader`` cannot: the import system reads a lazy
    module's ``__spec__``, which loads it); whoever imports pyplot afterwards gets the real one."""
    if "mediapipe" in sys.modules or "matplotlib.pyplot" in sys.modules:
        import mediapipe

        return mediapipe
    sys.modules["matplotlib.pyplot"] = _DeferredPyplot("matplotlib.pyplot")
    try:
        import mediapipe
    finally:
        if isinstance(sys.modules.get("matplotlib.pyplot"), _DeferredPyplot):
            del sys.modules["matplotlib.pyplot"]
    return mediapipe


class DetectLandmarker:
    """Landmarks of the most confident hand that MediaPipe Hands finds in a photo.

    ``score`` is MediaPipe's handedness confidence: its Python API exposes no per-hand detection
    score, and every hand it returns has already passed the palm detector's
    ``min_detection`` threshold and the landmark model's 0.5 hand-presence threshold.
    """

    mode = "detect"

    def __init__(self, min_detection: float = DEFAULT_MIN_DETECTION, model_complexity: int = 1,
                 max_hands: int = 1) -> None:
        mp = import_mediapipe()  # heavy: imported only when detect mode is used

        self.min_detection = min_detection
        self.model_complexity = model_complexity
        self.max_hands = max_hands
        self._version = mp.__version__
        with native_stderr_silenced():  # MediaPipe logs from its graph when built and first run
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=True,
                max_num_hands=max_hands,
                model_complexity=model_complexity,
                min_detection_confidence=min_detection,
            )
            self._hands.process(np.zeros((64, 64, 3), dtype=np.uint8))

    def settings(self) -> dict:
        """What determines this landmarker's output, for provenance."""
        return {
            "mode": self.mode,
            "min_detection": self.min_detection,
            "model_complexity": self.model_complexity,
            **({"max_hands": self.max_hands} if self.max_hands != 1 else {}),
            "mediapipe": self._version,
        }

    def __call__(self, image: np.ndarray) -> HandResult:
        """Landmarks of the hand in ``image`` (grey, RGB or RGBA uint8, any size)."""
        hands = self.hands(image)
        return hands[0] if hands else HandResult.none(self.mode)

    def hands(self, image: np.ndarray) -> list[HandResult]:
        """Every hand MediaPipe finds in ``image`` (at most ``max_hands``), in the order it gives them."""
        rgb = as_rgb(image)
        with native_stderr_silenced():  # "landmark_projection_calculator.cc ... NORM_RECT" on non-square images
            found = self._hands.process(rgb)
        h, w = rgb.shape[:2]
        out = []
        for marks, handedness in zip(found.multi_hand_landmarks or (), found.multi_handedness or ()):
            landmarks = np.array([[p.x * w, p.y * h, p.z * w] for p in marks.landmark], dtype=np.float32)
            assert landmarks.shape == (NUM_LANDMARKS, 3)
            label = handedness.classification[0]
            out.append(HandResult(found=True, score=float(label.score), handedness=label.label,
                                  mode=self.mode, landmarks=landmarks))
        return out

    def close(self) -> None:
        self._hands.close()
