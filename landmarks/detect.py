"""Detect mode: the full MediaPipe Hands pipeline (palm detector, then landmarks) for photos in
which the hand is somewhere in the frame."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys

import numpy as np

from asl.landmarks.image import as_rgb
from asl.landmarks.quiet import native_stderr_silenced
from asl.landmarks.result import NUM_LANDMARKS, HandResult
from asl.landmarks.standins import Deferred, standing_in

DEFAULT_MIN_DETECTION = 0.5


def import_mediapipe():
    """``mediapipe``, without importing what its ``__init__`` imports and the Hands solution never
    uses: ``matplotlib`` (its drawing helpers import ``matplotlib.pyplot`` for a plotting function)
    and the Tasks API (``mediapipe.tasks.python``: audio, with PortAudio's ``sounddevice``, text and
    vision tasks). Measured here, ``import mediapipe`` took 0.37-0.46 s with both and 0.10-0.15 s
    without.

    ``Deferred`` stand-ins take their places during the import (the stdlib's ``LazyLoader`` cannot:
    the import system reads a lazy module's ``__spec__``, which loads it): the references mediapipe
    keeps (``mediapipe.tasks``, its drawing helpers' ``plt``) import the real module on first use,
    and whoever imports one afterwards gets the real one. The package ``mediapipe.tasks`` itself is
    imported for real beforehand (``_tasks_package``), so that a later ``import
    mediapipe.tasks.python...`` finds it and leaves ``mediapipe.tasks`` as mediapipe set it."""
    if "mediapipe" in sys.modules:
        import mediapipe

        return mediapipe
    pyplot, tasks_api = Deferred("matplotlib.pyplot"), Deferred("mediapipe.tasks.python")
    matplotlib = Deferred("matplotlib")
    matplotlib.pyplot = pyplot
    stand_ins = {"matplotlib": matplotlib, "matplotlib.pyplot": pyplot}
    package = _tasks_package()
    if package is not None:
        package.python = tasks_api
        stand_ins["mediapipe.tasks.python"] = tasks_api
        sys.modules["mediapipe.tasks"] = package
    try:
        with standing_in(stand_ins):
            import mediapipe
    except BaseException:
        if package is not None and sys.modules.get("mediapipe.tasks") is package:
            del sys.modules["mediapipe.tasks"]
        raise
    return mediapipe


def _tasks_package():
    """The package ``mediapipe.tasks`` (its ``__init__`` run, not its subpackages'), imported without
    importing ``mediapipe`` first; None where it is not found."""
    top = importlib.util.find_spec("mediapipe")
    if top is None or not top.submodule_search_locations:
        return None
    spec = importlib.machinery.PathFinder.find_spec("mediapipe.tasks", list(top.submodule_search_locations))
    if spec is None or spec.loader is None:
        return None
    package = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package)
    return package


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
