"""`asl predict`: a ``Prediction`` per image file, read by any predictor, with optional overlays."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from asl.images import LIMITS, ImageLimits, UnlistableFolder, UnreadableImage, iter_image_paths, read_image
from asl.overlay import OverlayWriter
from asl.predictors import Predictor, Reading

BATCH = 64
BATCH_PIXELS = 32_000_000  # a batch is read once it holds this many decoded pixels (~96 MB in RGB)


@dataclass(frozen=True)
class Prediction:
    """One image file's outcome: what the model read in it, or why it could not be read."""

    path: str
    reading: Reading | None = None
    overlay: str | None = None
    error: str | None = None

    @property
    def letter(self) -> str | None:
        return self.reading.letter if self.reading else None

    @property
    def probability(self) -> float | None:
        return self.reading.probability if self.reading else None

    def as_json(self) -> dict:
        """The JSON object `asl predict --json` prints for this image."""
        r = self.reading
        hand = r.hand if r else None
        return {
            "path": self.path, "letter": self.letter, "probability": self.probability,
            "top": [list(t) for t in r.top] if r else [], "hand": bool(hand and hand.found),
            "score": round(hand.score, 4) if hand else None, "found_by": r.found_by if r else None,
            "handedness": hand.handedness if hand else None,
            **({"overlay": self.overlay} if self.overlay else {}),
            **({"error": self.error} if self.error else {}),
        }


def predict_files(predictor: Predictor, paths: Iterable[Path], overlays: OverlayWriter | None = None,
                  batch: int = BATCH, limits: ImageLimits = LIMITS,
                  batch_pixels: int = BATCH_PIXELS) -> Iterator[Prediction]:
    """One ``Prediction`` per image file (folders expanded, lazily), in order, ``batch`` images or
    ``batch_pixels`` decoded pixels at a time, whichever comes first, so that memory does not grow
    with the folder or its images' sizes; a file that cannot be read (or is over ``limits``) gets
    its error and the others still run. ``overlays`` draws each image's landmarks and letter."""
    pending: list[tuple[Path, object, str | None]] = []
    pixels = 0
    for path in iter_image_paths(paths):
        if isinstance(path, UnlistableFolder):
            pending.append((path.path, None, str(path)))
            continue
        try:
            image = read_image(path, limits)
            pending.append((path, image, None))
            pixels += image.shape[0] * image.shape[1]
        except UnreadableImage as e:
            pending.append((path, None, str(e)))
        if len(pending) >= batch or pixels >= batch_pixels:
            yield from _predict_batch(predictor, pending, overlays)
            pending, pixels = [], 0
    yield from _predict_batch(predictor, pending, overlays)


def _predict_batch(predictor: Predictor, batch, overlays: OverlayWriter | None) -> Iterator[Prediction]:
    readable = [image for _, image, _ in batch if image is not None]
    readings = iter(predictor.read(readable) if readable else ())
    for path, image, error in batch:
        if image is None:
            yield Prediction(path=str(path), error=error)
            continue
        reading = next(readings)
        overlay = None
        if overlays is not None:
            overlay = str(overlays.write(path, image, reading.hand, reading.letter, reading.probability))
        yield Prediction(path=str(path), reading=reading, overlay=overlay)
