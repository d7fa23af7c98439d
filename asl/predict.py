"""`asl predict`: letters for image files, with a landmark model, a ResNet50 or both."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from asl.errors import AslError
from asl.images import UnreadableImage, iter_image_paths, read_image
from asl.modelfile import load_model
from asl.overlay import OverlayWriter
from landmarks import HandResult, make_landmarker

BATCH = 64


@dataclass
class Prediction:
    """One image's outcome: a letter, no hand, or an error."""

    path: str
    letter: str | None = None
    probability: float | None = None
    top: list[tuple[str, float]] = field(default_factory=list)
    hand: bool = False
    score: float | None = None
    found_by: str | None = None
    handedness: str | None = None
    overlay: str | None = None
    error: str | None = None

    def as_json(self) -> dict:
        return {
            "path": self.path, "letter": self.letter, "probability": self.probability,
            "top": [list(t) for t in self.top], "hand": self.hand, "score": self.score,
            "found_by": self.found_by, "handedness": self.handedness,
            **({"overlay": self.overlay} if self.overlay else {}),
            **({"error": self.error} if self.error else {}),
        }


def top_letters(probabilities: np.ndarray, classes: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The ``k`` most probable (letter, probability) of one row of probabilities."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(str(classes[j]), round(float(probabilities[j]), 4)) for j in order]


class ImagePredictor:
    """Turns image files into Predictions; subclasses say how images become letters.
    ``overlays`` (an ``OverlayWriter``, optional) draws each image's landmarks and letter."""

    overlays: OverlayWriter | None = None

    def predict_images(self, images: list[np.ndarray]) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        """For each image: the hand found (if any) and the top-k (letter, probability), empty for none."""
        raise NotImplementedError

    def predict_paths(self, paths: Iterable[Path]) -> Iterator[Prediction]:
        """One Prediction per image file (folders expanded), in order, batch by batch."""
        batch: list[tuple[Path, np.ndarray | None, str | None]] = []
        for path in iter_image_paths(paths):
            try:
                batch.append((path, read_image(path), None))
            except UnreadableImage as e:
                batch.append((path, None, str(e)))
            if len(batch) == BATCH:
                yield from self._predict_batch(batch)
                batch = []
        yield from self._predict_batch(batch)

    def _predict_batch(self, batch) -> Iterator[Prediction]:
        readable = [image for _, image, _ in batch if image is not None]
        outcomes = iter(self.predict_images(readable)) if readable else iter(())
        for path, image, error in batch:
            if image is None:
                yield Prediction(path=str(path), error=error)
                continue
            result, top = next(outcomes)
            prediction = Prediction(
                path=str(path), letter=top[0][0] if top else None, probability=top[0][1] if top else None,
                top=top, hand=result.found, score=round(result.score, 4),
                found_by=result.mode if result.found else None, handedness=result.handedness,
            )
            if self.overlays is not None:
                prediction.overlay = str(self.overlays.write(path, image, result, prediction.letter, prediction.probability))
            yield prediction


class LandmarkPredictor(ImagePredictor):
    """A saved landmark model plus the landmarker that turns images into its input."""

    def __init__(self, model_path: Path, mode: str = "auto", top_k: int = 3, overlay: Path | None = None) -> None:
        self.overlays = OverlayWriter(overlay) if overlay is not None else None
        payload = load_model(model_path)
        if payload.get("kind") != "landmarks":
            raise AslError(f"{model_path} is a {payload.get('kind')} model; asl predict reads landmark models here")
        self.pipeline = payload["pipeline"]
        self.classes = np.asarray(self.pipeline.classes_)
        self.top_k = max(1, top_k)
        try:
            trained_with = payload["landmarker"]  # crop mode replays the views the model was trained on
            self.landmarker = make_landmarker(mode, trained_with.get("min_presence"), trained_with.get("views"))
        except (ValueError, TypeError) as e:
            raise AslError(str(e)) from None

    def predict_images(self, images: list[np.ndarray]) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        """For each image: its hand and the top-k (letter, probability), empty with no hand."""
        return self.classify([self.landmarker(image) for image in images])

    def classify(self, results: list[HandResult]) -> list[tuple[HandResult, list[tuple[str, float]]]]:
        """Each hand found and the top-k (letter, probability) of its landmarks, empty with no hand."""
        found = [i for i, r in enumerate(results) if r.found]
        tops: list[list[tuple[str, float]]] = [[] for _ in results]
        if found:
            rows = np.stack([results[i].landmarks.reshape(-1) for i in found])
            for i, p in zip(found, self.pipeline.predict_proba(rows)):
                tops[i] = top_letters(p, self.classes, self.top_k)
        return list(zip(results, tops))
