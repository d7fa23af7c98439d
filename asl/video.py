"""Reading the frames of a video: a file OpenCV's FFmpeg reads (MP4, MOV, WebM, AVI, MKV), an
animated GIF (Pillow, with each frame's own duration), a folder of frame images (sorted by name,
at a given rate), or a live camera. Frames come as RGB uint8 arrays with their time in seconds.

No frame is dropped silently: a file that stops decoding before the frame count in its header says
``Video.stopped_early`` (the caller warns), and a frame that cannot be decoded in a folder of frames
is an error naming it. Decoding runs on a thread of its own, ahead of the reader, so that it
overlaps the landmark models (OpenCV decodes without holding the GIL).
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from asl.errors import AslError
from asl.images import IMAGE_SUFFIXES, LIMITS, ImageLimits, UnreadableImage, read_image

FOLDER_FPS = 30.0
AHEAD = 8  # frames decoded ahead of the reader


@dataclass(frozen=True)
class Frame:
    index: int
    time: float  # seconds from the first frame
    image: np.ndarray  # HxWx3 uint8 RGB


class Video:
    """The frames of one video source, in order (iterate once). ``fps`` is the source's rate (the
    given rate for a folder of frames; a camera's own, else 30), ``expected`` the frame count its
    header gives (None for a camera), ``read`` the frames read so far."""

    def __init__(self, label: str, fps: float, expected: int | None, frames: Iterator[Frame], live: bool = False) -> None:
        self.label, self.fps, self.expected, self.live = label, fps, expected, live
        self._frames = frames
        self.read = 0
        self.last_time: float | None = None

    def __iter__(self) -> Iterator[Frame]:
        for frame in self._frames:
            self.read += 1
            self.last_time = frame.time
            yield frame

    @property
    def stopped_early(self) -> bool:
        """Whether decoding stopped before the end the file's header gives (a truncated or damaged
        file): more than 2% and 2 frames short of its frame count, and its last frame more than 2%
        and half a second short of its length (where a container knows only its length, the count
        is an estimate from it)."""
        if self.expected is None or self.expected - self.read <= max(2, 0.02 * self.expected):
            return False
        length = self.expected / self.fps
        return self.last_time is None or self.last_time < length - max(0.5, 0.02 * length)

    def close(self) -> None:
        close = getattr(self._frames, "close", None)
        if close:
            close()


def open_video(source: Path | int, fps: float = FOLDER_FPS, limits: ImageLimits = LIMITS) -> Video:
    """The frames of a video file, an animated GIF, a folder of frame images, or (an int) a camera.
    A one-line ``AslError`` when it is none of these or its first frame cannot be read."""
    if isinstance(source, int):
        return _camera(source)
    path = Path(source)
    if path.is_dir():
        return _folder(path, fps, limits)
    if not path.exists():
        raise AslError(f"{path}: no such file or folder")
    if not path.is_file():
        raise AslError(f"{path}: not a regular file")
    if path.suffix.lower() == ".gif":
        return _gif(path, limits)
    return _file(path, limits)


def _check_size(label: str, width: int, height: int, limits: ImageLimits) -> None:
    if width <= 0 or height <= 0:
        raise AslError(f"{label}: the video has no picture size; is it a video?")
    if width * height > limits.megapixels * 1e6 or max(width, height) > limits.aspect * min(width, height):
        raise AslError(f"{label}: {width}x{height} frames are over the limits ({limits.megapixels:g} megapixels, "
                       f"sides at most {limits.aspect:g} to 1)")


def _file(path: Path, limits: ImageLimits) -> Video:
    label = str(path)
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise AslError(f"{label}: not a video this reader can open (MP4, MOV, WebM, AVI, MKV or GIF), or damaged")
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    try:
        _check_size(label, width, height, limits)
    except AslError:
        capture.release()
        raise
    fps = capture.get(cv2.CAP_PROP_FPS)
    fps = fps if math.isfinite(fps) and 1 <= fps <= 1000 else 30.0
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, first = capture.read()
    if not ok:
        capture.release()
        raise AslError(f"{label}: no frame could be decoded; the file is damaged or not a video")

    def decode() -> Iterator[Frame]:
        index, bgr = 0, first
        try:
            while True:
                yield Frame(index, index / fps, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                ok, bgr = capture.read()
                if not ok:
                    return
                index += 1
        finally:
            capture.release()

    return Video(label, fps, count if count > 0 else None, _Ahead(decode()))


def _gif(path: Path, limits: ImageLimits) -> Video:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    label = str(path)
    try:
        image = Image.open(path)
        count = getattr(image, "n_frames", 1)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise AslError(f"{label}: not a GIF this reader can open ({e})") from None
    _check_size(label, image.width, image.height, limits)
    first_ms = image.info.get("duration") or 100  # ms; browsers show 0 as 100

    def decode() -> Iterator[Frame]:
        t = 0.0
        try:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                yield Frame(index, t, np.asarray(frame.convert("RGB")))
                t += (frame.info.get("duration") or 100) / 1000
        except (OSError, ValueError, EOFError):
            return  # a truncated GIF: the frames before the damage (Video.stopped_early says so)
        finally:
            image.close()

    return Video(label, 1000 / first_ms, count, decode())


def _folder(path: Path, fps: float, limits: ImageLimits) -> Video:
    label = str(path)
    try:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    except OSError as e:
        raise AslError(f"{label}: cannot list this folder ({e.strerror or e})") from None
    if not files:
        raise AslError(f"{label}: no frame images in this folder (PNG, JPEG, ...); give a video file or a folder of frames")
    if not (math.isfinite(fps) and fps > 0):
        raise AslError(f"--fps must be a positive number, got {fps}")
    shape = None

    def decode() -> Iterator[Frame]:
        nonlocal shape
        for index, file in enumerate(files):
            try:
                image = read_image(file, limits)
            except UnreadableImage as e:
                raise AslError(f"frame {index + 1} of {label}: {e}") from None
            if shape is None:
                shape = image.shape
            elif image.shape != shape:
                raise AslError(f"{file}: a {image.shape[1]}x{image.shape[0]} frame among "
                               f"{shape[1]}x{shape[0]} frames; a video's frames are all one size")
            yield Frame(index, index / fps, image)

    return Video(label, fps, len(files), _Ahead(decode()))


def _camera(index: int) -> Video:
    import time

    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        capture.release()
        raise AslError(f"camera {index}: cannot open it (is one connected, and free?); try another --camera number")
    fps = capture.get(cv2.CAP_PROP_FPS)
    fps = fps if math.isfinite(fps) and 1 <= fps <= 240 else 30.0

    def grab() -> Iterator[Frame]:
        start, index_ = time.monotonic(), 0
        try:
            while True:
                ok, bgr = capture.read()
                if not ok:
                    return
                yield Frame(index_, time.monotonic() - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index_ += 1
        finally:
            capture.release()

    return Video(f"camera {index}", fps, None, grab(), live=True)


class _Ahead:
    """Frames from ``frames``, decoded on a thread of their own up to ``AHEAD`` frames ahead; an
    error on that thread is raised here, at the frame where it happened. ``close()`` stops it."""

    _END = object()

    def __init__(self, frames: Iterator[Frame]) -> None:
        self._frames = frames
        self._queue: queue.Queue = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="video-decoder")
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self._frames:
                if not self._put(frame):
                    break
            item = self._END
        except BaseException as e:  # handed to the reader
            item = e
        finally:
            close = getattr(self._frames, "close", None)
            if close:
                close()
        self._put(item)

    def _put(self, item) -> bool:
        """Queue ``item``, waiting while the queue is full; False when stopped meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> _Ahead:
        return self

    def __next__(self) -> Frame:
        item = self._queue.get()
        if item is self._END:
            self._queue.put(item)  # stays ended
            raise StopIteration
        if isinstance(item, BaseException):
            self._queue.put(self._END)
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
