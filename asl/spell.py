"""`asl spell`: fingerspelled words from videos and a camera.

Each frame: the signing hand followed by ``landmarks.tracking.HandTracker`` (crop mode on a box
that follows the hand, as the photo model's training landmarks were read), the photo model's letter
probabilities (frames are read in batches: one forest call per batch, not per frame), and
``classifiers.spelling.Speller`` turning the stream into letters, J and Z included.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from asl.classifiers.spelling import SPELLING, SpellSettings, SpelledLetter, Speller, text_of
from asl.errors import AslError
from asl.video import Frame, Video

if TYPE_CHECKING:
    from asl.predictors import LandmarkPredictor

BATCH = 16  # frames per forest call for a file (a camera: LIVE_BATCH, for a short delay)
LIVE_BATCH = 4


@dataclass(frozen=True)
class SpelledVideo:
    """What was read in one video: the letters (with times and probabilities), the text, and how
    many frames were read and had a hand; ``warning`` when decoding stopped before the end."""

    path: str
    letters: tuple[SpelledLetter, ...]
    frames: int
    frames_with_hand: int
    fps: float
    seconds: float = 0.0  # wall time spent reading it
    overlay: str | None = None
    warning: str | None = None

    @property
    def text(self) -> str:
        return text_of(list(self.letters))

    def as_json(self) -> dict:
        return {"path": self.path, "text": self.text, "letters": [letter.as_json() for letter in self.letters],
                "frames": self.frames, "frames_with_hand": self.frames_with_hand, "fps": round(self.fps, 3),
                "seconds": round(self.seconds, 3),
                **({"overlay": self.overlay} if self.overlay else {}),
                **({"warning": self.warning} if self.warning else {})}


class SpellReader:
    """A landmark model (``asl train-rf``; the photo model by default) and the tracker that reads
    its input from video frames with the model's own crop-mode landmarker."""

    def __init__(self, model: LandmarkPredictor, tracker, settings: SpellSettings = SPELLING) -> None:
        self.model, self.tracker, self.settings = model, tracker, settings
        self.classes = model.classes

    @classmethod
    def load(cls, model: Path, settings: SpellSettings = SPELLING) -> SpellReader:
        from asl.landmarks.tracking import HandTracker
        from asl.predictors import LandmarkPredictor

        if not LandmarkPredictor.accepts([Path(model)]):
            raise AslError(f"--model {model}: asl spell reads with a landmark model (.skops, from asl train-rf)")
        predictor = LandmarkPredictor.load([Path(model)], mode="crop", num_threads=2)
        single_threaded(predictor.model)  # frames come in small batches: threads cost more than they give
        return cls(predictor, HandTracker(predictor.landmarker, upright=predictor.upright), settings)

    def read(self, video: Video, on_letter: Callable[[SpelledLetter], None] | None = None,
             overlay: OverlayVideo | None = None, progress: Callable[[int, int | None], None] | None = None,
             batch: int | None = None) -> SpelledVideo:
        """Spell one video; ``on_letter`` hears each letter once it is final (a camera's text as it
        grows). Ctrl-C (KeyboardInterrupt) ends a live video cleanly: the letters so far are kept."""
        started = time.perf_counter()
        self.tracker.reset()
        speller = Speller(self.classes, self.settings)
        batch = batch or (LIVE_BATCH if video.live else BATCH)
        letters: list[SpelledLetter] = []
        pending: list[tuple[Frame, object]] = []
        with_hand = 0

        def flush() -> None:
            nonlocal with_hand
            probabilities = self.model.probabilities([hand for _, hand in pending])
            with_hand += sum(p is not None for p in probabilities)
            for (frame, hand), p in zip(pending, probabilities):
                new = speller.push(frame.time, hand.landmarks if hand.found else None, p)
                letters.extend(new)
                for letter in new:
                    if on_letter:
                        on_letter(letter)
                if overlay is not None:
                    overlay.write(frame.image, hand, p, self.classes, speller.current, text_of(letters))
            pending.clear()

        try:
            for frame in video:
                pending.append((frame, self.tracker(frame.image)))
                if len(pending) >= batch:
                    flush()
                    if progress:
                        progress(video.read, video.expected)
        except KeyboardInterrupt:
            if not video.live:
                raise
        finally:
            video.close()
        flush()
        for letter in speller.finish():
            letters.append(letter)
            if on_letter:
                on_letter(letter)
        if progress:
            progress(video.read, video.read)
        warning = None
        if video.stopped_early:
            warning = (f"{video.label}: decoding stopped at frame {video.read} of the {video.expected} its header "
                       "gives (truncated or damaged); spelled what was there")
        return SpelledVideo(video.label, tuple(letters), video.read, with_hand, video.fps,
                            seconds=time.perf_counter() - started, warning=warning)


class OverlayVideo:
    """``--overlay OUT``: each frame with the hand's landmarks, the letter now held and the text so
    far drawn on it, written as an MP4 (``mp4v``) at the source's rate and size. Written to a
    temporary file beside OUT and moved into place when whole (``close``); ``discard`` removes it."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.stem + ".tmp" + (self.path.suffix or ".mp4"))
        self.fps = fps
        self._writer = None
        if self.path.is_dir():
            raise AslError(f"--overlay {self.path}: is a folder; give a file name such as out.mp4")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise AslError(f"--overlay {self.path}: cannot create its folder ({e.strerror or e})") from None

    def write(self, image: np.ndarray, hand, probabilities, classes, current: str | None, text: str) -> None:
        import cv2

        from asl.landmarks.draw import draw_hand

        if self._writer is None:
            h, w = image.shape[:2]
            self._writer = cv2.VideoWriter(str(self.tmp), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise AslError(f"--overlay {self.path}: cannot write a video there")
        if hand.found and probabilities is not None:
            j = int(np.argmax(probabilities))
            now = f"{classes[j]} {probabilities[j]:.2f}"
        else:
            now = "no hand"
        label = f"{text or '-'}  |  {now}" + (f"  held: {current}" if current else "")
        drawn = draw_hand(image, hand.landmarks if hand.found else None, label)
        self._writer.write(cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR))

    def close(self) -> str | None:
        """Finish the file and move it into place; its path (None when no frame was written)."""
        if self._writer is None:
            return None
        self._writer.release()
        self._writer = None
        os.replace(self.tmp, self.path)
        return str(self.path)

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        self.tmp.unlink(missing_ok=True)


def single_threaded(model) -> None:
    """Set ``n_jobs = 1`` on every estimator inside ``model`` (a Pipeline's steps, a wrapper's
    fitted ``estimator_``)."""
    if hasattr(model, "n_jobs"):
        model.n_jobs = 1
    for _, step in getattr(model, "steps", ()):
        single_threaded(step)
    for name in ("estimator_", "estimator"):
        if getattr(model, name, None) is not None:
            single_threaded(getattr(model, name))


def overlay_path(out: Path, video: Path | str, several: bool) -> Path:
    """Where a video's overlay goes: OUT itself for one video; OUT/<name>.mp4 for several."""
    return Path(out) / f"{Path(str(video)).stem}.mp4" if several else Path(out)
