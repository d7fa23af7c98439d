"""Crop mode: MediaPipe's hand landmark model run directly on an image that is already a hand crop.

The palm detector expects a hand inside a scene and misses tight crops such as Sign Language
MNIST; here the whole (padded, upsampled) image is taken as the hand's region and the bundled
``hand_landmark_full.tflite`` runs on it through Google's LiteRT runtime.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from asl.landmarks.image import as_grey_or_rgb
from asl.landmarks.quiet import native_stderr_silenced
from asl.landmarks.result import NUM_LANDMARKS, HandResult

INPUT_SIZE = 224
_INTERPOLATION = {"cubic": cv2.INTER_CUBIC, "linear": cv2.INTER_LINEAR}


@dataclass(frozen=True)
class View:
    """One way to turn an image into the model's input: a quarter-turn ``rotate`` (counter-
    clockwise, 0-3), a replicate border of ``pad`` times the image's side on each edge, an
    upsampling ``interpolation``, and an optional mirror."""

    pad: float = 0.3
    interpolation: str = "cubic"
    mirror: bool = False
    rotate: int = 0

    def as_dict(self) -> dict:
        return {"pad": self.pad, "interpolation": self.interpolation, "mirror": self.mirror, "rotate": self.rotate}


# Tried in order until one scores at least the threshold; the best-scoring view is kept.
# Measured on the test split: the upright views find a hand (presence >= 0.5) in 97.6% of
# images; the misses are mostly H, P and Q, signed sideways or pointing down, and the two
# quarter-turned views find 95% of those (the landmark model expects an upright hand).
DEFAULT_VIEWS = (
    View(0.3, "cubic"),
    View(0.3, "linear"),
    View(0.15, "cubic", mirror=True),
    View(0.15, "cubic", mirror=True, rotate=3),
    View(0.15, "cubic", mirror=True, rotate=1),
)
DEFAULT_MIN_PRESENCE = 0.5
# An image no larger than this a side is a hand crop (Sign Language MNIST's are 28x28). Upsampled
# eight times, its z is not depth: a model trained on such crops and on photos reads photos better
# (issue 11: leave-one-signer-out +0.7 to +2 points) when these hands have none (NaN z).
CROP_SIDE = 64
# Images whose first views ``CropLandmarker.many`` computes together (at most 32 x 600 KB of views).
GROUP = 32


@cache
def bundled_model_path(name: str = "hand_landmark_full.tflite") -> Path:
    """Path of a hand landmark model inside the installed mediapipe wheel (without importing it)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("mediapipe is not installed; install it with: pip install mediapipe==0.10.21")
    path = Path(next(iter(spec.submodule_search_locations))) / "modules" / "hand_landmark" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall mediapipe==0.10.21, which bundles it")
    return path


@cache
def model_sha256(path: Path) -> str:
    """The landmark model file's sha256 (hex): part of what identifies a landmarker's output."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def square_pad(image: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Replicate-pad an HxW or HxWx3 image to a square; returns it and the (left, top) offsets."""
    h, w = image.shape[:2]
    if h == w:
        return image, 0, 0
    side = max(h, w)
    left, top = (side - w) // 2, (side - h) // 2
    padded = cv2.copyMakeBorder(image, top, side - h - top, left, side - w - left, cv2.BORDER_REPLICATE)
    return padded, left, top


def view_input(square: np.ndarray, view: View, out: np.ndarray | None = None) -> np.ndarray:
    """The model input (224x224x3 float32 in [0, 1]) for a square grey or RGB uint8 image, framed by a
    replicate border of ``view.pad`` times its side on each edge.

    A square larger than ``CROP_SIDE`` (a photo's hand box) is upsampled to 224, given a border of
    ``border_pixels(view)`` and brought back to 224 by OpenCV's INTER_AREA, rounded to uint8 levels.
    The border and INTER_AREA are computed here: the same numbers as ``cv2.copyMakeBorder`` then
    ``cv2.resize``, bit for bit, in a third of the time. A grey image is computed on its one channel.
    (OpenCV's one-channel cubic upsampling differs from its three-channel one by a level in about one
    pixel in 100,000 at ratios that are not whole.)

    A square of at most ``CROP_SIDE`` (a Sign Language MNIST crop) is upsampled straight to its framed
    size and given the border at that size (``small_frame``): the same framing in two OpenCV calls,
    0.50 -> 0.16 ms a view, landmarks 0.04 px apart on average (issue 13, eleventh round). An RGB one is
    upsampled channel by channel, so that a grey crop reads the same given as grey or as RGB.

    ``out``: a 224x224x3 float32 array to write it into. (Crop mode itself builds ``scaled_view`` and
    writes it with ``write_view`` straight into the interpreter's input tensor: no copy.)"""
    if out is None:
        out = np.empty((INPUT_SIZE, INPUT_SIZE, 3), dtype=np.float32)
    return write_view(scaled_view(square, view), out)


def scaled_view(square: np.ndarray, view: View) -> np.ndarray:
    """``view_input`` before its last step: 224x224 float32 in [0, 1] for a grey square (its one
    channel), 224x224x3 for an RGB one."""
    turned = np.rot90(square, view.rotate) if view.rotate % 4 else square
    interpolation = _INTERPOLATION[view.interpolation]
    if square.shape[0] <= CROP_SIDE:
        inner, before, after = small_frame(view)
        if turned.ndim == 3:  # channel by channel: OpenCV's three-channel cubic rounds a few pixels a level
            # apart from its one-channel one, and a grey crop given as RGB must read as the grey crop does
            up = cv2.merge([cv2.resize(np.ascontiguousarray(turned[:, :, c]), (inner, inner), interpolation=interpolation)
                            for c in range(turned.shape[2])])
        else:
            up = cv2.resize(turned, (inner, inner), interpolation=interpolation)
        if view.mirror:
            up = cv2.flip(up, 1)
        levels = cv2.copyMakeBorder(up, before, after, before, after, cv2.BORDER_REPLICATE).astype(np.float32)
        levels /= np.float32(255.0)
        return levels
    up = cv2.resize(turned, (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation)
    if view.mirror:
        up = up[:, ::-1]
    k = border_pixels(view)
    if k and (2 * k) % INPUT_SIZE == 0:  # a whole-number ratio: OpenCV averages blocks in integers
        up = cv2.resize(cv2.copyMakeBorder(up, k, k, k, k, cv2.BORDER_REPLICATE), (INPUT_SIZE, INPUT_SIZE),
                        interpolation=cv2.INTER_AREA)
    levels = _bordered_area(up, k) if k and (2 * k) % INPUT_SIZE else up.astype(np.float32)
    levels /= np.float32(255.0)
    return levels


def write_view(scaled: np.ndarray, out: np.ndarray) -> np.ndarray:
    """A ``scaled_view`` into ``out`` (224x224x3 float32): a grey one into all three channels."""
    if scaled.ndim == 3:
        np.copyto(out, scaled)
        return out
    return cv2.cvtColor(scaled, cv2.COLOR_GRAY2RGB, dst=out)


@cache
def _area_taps(border: int) -> tuple[np.ndarray, np.ndarray]:
    """INTER_AREA from a line of ``INPUT_SIZE + 2 * border`` pixels (a replicate border on each end)
    to ``INPUT_SIZE``: for each output pixel, the input pixels it averages (as indices into the line
    without its border) and their weights, in the order OpenCV adds them. Read from OpenCV itself: its
    INTER_AREA of the identity matrix (each weight alone in its sum, so exact)."""
    n = INPUT_SIZE + 2 * border
    weights = cv2.resize(np.eye(n, dtype=np.float32), (INPUT_SIZE, n), interpolation=cv2.INTER_AREA).T
    width = int((weights != 0).sum(axis=1).max())
    index = np.zeros((INPUT_SIZE, width), dtype=np.intp)
    weight = np.zeros((INPUT_SIZE, width), dtype=np.float32)  # zero weights pad rows with fewer inputs
    for out, row in enumerate(weights):
        source = np.flatnonzero(row)
        index[out] = np.clip(np.pad(source, (0, width - len(source)), mode="edge") - border, 0, INPUT_SIZE - 1)
        weight[out, :len(source)] = row[source]
    return index, weight


@cache
def _area_planes(border: int, channels: int) -> tuple[np.ndarray, ...]:
    """``_area_taps(border)``'s weights, one full 224x224(xchannels) float32 plane per tap: an
    elementwise product with a plane of the same shape is SIMD work (a broadcast one costs twice as much)."""
    _, weight = _area_taps(border)
    shape = (INPUT_SIZE, INPUT_SIZE) + ((channels,) if channels > 1 else ())
    column = (INPUT_SIZE,) + (1,) * (len(shape) - 1)
    return tuple(np.ascontiguousarray(np.broadcast_to(weight[:, t].reshape(column), shape))
                 for t in range(weight.shape[1]))


def _bordered_area(up: np.ndarray, border: int) -> np.ndarray:
    """``cv2.resize(cv2.copyMakeBorder(up, k, k, k, k, BORDER_REPLICATE), INTER_AREA)`` for a square
    224x224 (x3) uint8 ``up`` and k = ``border``, as float32 levels: OpenCV's sums (each row across,
    then down the columns, in float32, in its order: a product per tap, then a sum) and its rounding
    (half to even)."""
    index, _ = _area_taps(border)
    planes = _area_planes(border, 1 if up.ndim == 2 else up.shape[2])
    across = _area_pass(cv2.transpose(up).astype(np.float32), index, planes)  # rows: the image's columns
    down = _area_pass(cv2.transpose(across), index, planes)
    return np.rint(down, out=down)


def _area_pass(lines: np.ndarray, index: np.ndarray, planes: tuple[np.ndarray, ...]) -> np.ndarray:
    """INTER_AREA along the first axis: each output line the sum of its input lines times their weights."""
    total = np.multiply(lines[index[:, 0]], planes[0])
    for t in range(1, index.shape[1]):
        total += np.multiply(lines[index[:, t]], planes[t])
    return total


def border_pixels(view: View) -> int:
    """Width of the view's border, in pixels of the upsampled image (a square larger than ``CROP_SIDE``)."""
    return int(round(INPUT_SIZE * view.pad))


def small_frame(view: View) -> tuple[int, int, int]:
    """Where a square of at most ``CROP_SIDE`` lies in the view's model input: its side once upsampled,
    and the border before (left, top) and after it (224 px in all; 140 px and 42 px for a pad of 0.3)."""
    inner = int(round(INPUT_SIZE / (1 + 2 * view.pad)))
    before = (INPUT_SIZE - inner) // 2
    return inner, before, INPUT_SIZE - inner - before


def to_square_pixels(landmarks: np.ndarray, view: View, side: int) -> np.ndarray:
    """Map 21x3 landmarks from model-input pixels of ``view`` to the square image's pixels."""
    out = landmarks.astype(np.float64)
    if view.mirror:
        out[:, 0] = INPUT_SIZE - out[:, 0]
    if side <= CROP_SIDE:  # ``small_frame``: the square's pixels start after the border
        inner, before, after = small_frame(view)
        out[:, 0] -= after if view.mirror else before  # the flipped square sat ``before`` from the left
        out[:, 1] -= before
        out *= side / inner
    else:
        k = border_pixels(view)
        to_upsampled = (INPUT_SIZE + 2 * k) / INPUT_SIZE
        out[:, :2] = out[:, :2] * to_upsampled - k
        out[:, 2] *= to_upsampled
        out *= side / INPUT_SIZE
    for _ in range(view.rotate % 4):  # undo one counter-clockwise quarter turn of the square
        out[:, 0], out[:, 1] = side - out[:, 1], out[:, 0].copy()
    return out


class CropLandmarker:
    """Hand landmarks for images that are hand crops, via the bundled landmark model on LiteRT.

    ``views`` are tried in order until one scores at least ``min_presence``; the best is kept.
    """

    mode = "crop"

    def __init__(
        self,
        views: tuple[View, ...] = DEFAULT_VIEWS,
        min_presence: float = DEFAULT_MIN_PRESENCE,
        model_path: Path | None = None,
        num_threads: int = 1,
    ) -> None:
        from ai_edge_litert.interpreter import Interpreter

        if not views:
            raise ValueError("at least one view is needed")
        self.views = tuple(views)
        self.min_presence = min_presence
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        with native_stderr_silenced():  # LiteRT logs its delegate when built and first run
            self._interpreter = Interpreter(model_path=str(self.model_path), num_threads=num_threads)
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        # hand_landmark_full.tflite: Identity = 21x3 screen landmarks in input pixels,
        # Identity_1 = hand presence, Identity_2 = handedness (> 0.5 means a right hand).
        self._landmarks, self._presence, self._handedness = (
            outputs["Identity"], outputs["Identity_1"], outputs["Identity_2"]
        )
        with native_stderr_silenced():
            self.infer(np.zeros((INPUT_SIZE, INPUT_SIZE, 3), dtype=np.float32))

    def settings(self) -> dict:
        """What determines this landmarker's output, for provenance."""
        return {
            "mode": self.mode,
            "input_size": INPUT_SIZE,
            "views": [v.as_dict() for v in self.views],
            "min_presence": self.min_presence,
            "model_file": self.model_path.name,
            "model_sha256": model_sha256(self.model_path),
            "no_depth_side": CROP_SIDE,
            "small_view": "framed",  # ``small_frame``; the crops' views before it had no such key
        }

    def infer(self, model_input: np.ndarray) -> tuple[np.ndarray, float, float]:
        """Run the model once on a 224x224x3 float32 input: (21x3 landmarks, presence, right-hand score)."""
        self._interpreter.set_tensor(self._input, model_input[None])
        return self.run_model()

    def infer_scaled(self, scaled: np.ndarray) -> tuple[np.ndarray, float, float]:
        """Run the model on a ``scaled_view`` (``infer`` of its ``view_input``), written straight into the
        interpreter's input tensor (LiteRT's raw access; no reference to that buffer outlives this line)."""
        write_view(scaled, out=self._interpreter.tensor(self._input)()[0])
        return self.run_model()

    def run_model(self) -> tuple[np.ndarray, float, float]:
        """Run the model once on what its input tensor holds: (21x3 landmarks, presence, right-hand score)."""
        self._interpreter.invoke()
        landmarks = self._interpreter.get_tensor(self._landmarks).reshape(NUM_LANDMARKS, 3).copy()
        presence = float(self._interpreter.get_tensor(self._presence).ravel()[0])
        right = float(self._interpreter.get_tensor(self._handedness).ravel()[0])
        return landmarks, presence, right

    def __call__(self, image: np.ndarray, turns: int = 0) -> HandResult:
        """Landmarks of the hand that fills ``image`` (grey, RGB or RGBA uint8, any size); z is
        NaN (no depth) in an image no larger than ``CROP_SIDE`` a side. ``turns``: quarter turns
        (counter-clockwise) given to the image before each view, for a hand known to point sideways or
        down (the landmark model reads an upright hand); the landmarks are still in ``image``'s pixels."""
        return self.many([image], turns)[0]

    def many(self, images: Sequence[np.ndarray], turns: int = 0) -> list[HandResult]:
        """``[self(image) for image in images]``, the same results, faster where there are many: each
        group of ``GROUP`` images has its first views computed before the model runs on any of them,
        and its results put together after. A model run leaves the processor's caches full of its own
        weights, so arithmetic done between two runs starts cold; in a group it runs warm (measured on
        Sign Language MNIST, 2 cores: 1.08 -> 0.82 ms of work outside the model per run)."""
        views = self.views if turns % 4 == 0 else tuple(replace(v, rotate=(v.rotate + turns) % 4) for v in self.views)
        results = []
        for start in range(0, len(images), GROUP):
            squares = [square_pad(as_grey_or_rgb(image)) for image in images[start:start + GROUP]]
            firsts = [scaled_view(square, views[0]) for square, _, _ in squares]
            tried = [self._best_view(square, first, views) for (square, _, _), first in zip(squares, firsts)]
            results += [self._result(best, square) for best, square in zip(tried, squares)]
        return results

    def _best_view(self, square: np.ndarray, first: np.ndarray,
                   views: tuple[View, ...]) -> tuple[View, float, float, np.ndarray]:
        """``views`` tried in order until one scores at least ``min_presence`` (``first``: the first
        view, already computed); the best: (view, presence, right-hand score, landmarks)."""
        best = None
        for i, view in enumerate(views):
            landmarks, presence, right = self.infer_scaled(first if i == 0 else scaled_view(square, view))
            if best is None or presence > best[1]:
                best = (view, presence, right, landmarks)
            if presence >= self.min_presence:
                break
        return best

    def _result(self, best: tuple[View, float, float, np.ndarray], padded: tuple[np.ndarray, int, int]) -> HandResult:
        view, presence, right, landmarks = best
        square, left, top = padded
        if view.mirror:  # a mirrored right hand is a left hand
            right = 1.0 - right
        landmarks = to_square_pixels(landmarks, view, square.shape[0]) - (left, top, 0.0)
        if square.shape[0] <= CROP_SIDE:
            landmarks[:, 2] = np.nan
        return HandResult(
            found=presence >= self.min_presence,
            score=presence,
            handedness="Right" if right > 0.5 else "Left",
            mode=self.mode,
            landmarks=landmarks.astype(np.float32),
        )
