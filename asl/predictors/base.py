"""What every predictor gives for an image (a ``Reading``) and what every predictor kind offers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from asl.landmarks.result import HandResult


@dataclass(frozen=True)
class Reading:
    """What a model read in one image: the hand it found (or none: ``hand.found`` is False), with
    its 21 landmarks in the image's pixels and the path that found it, and the most probable
    letters with their probabilities, surest first (empty when the model gives no letter)."""

    hand: HandResult
    top: tuple[tuple[str, float], ...] = ()

    @property
    def letter(self) -> str | None:
        return self.top[0][0] if self.top else None

    @property
    def probability(self) -> float | None:
        return self.top[0][1] if self.top else None

    @property
    def found_by(self) -> str | None:
        """The path that found the hand (``HandResult.mode``), None when none was found."""
        return self.hand.mode if self.hand.found else None


def top_letters(probabilities: np.ndarray, classes: np.ndarray, k: int) -> tuple[tuple[str, float], ...]:
    """The ``k`` most probable (letter, probability) of one row of probabilities."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    return tuple((str(classes[j]), round(float(probabilities[j]), 4)) for j in order)


class Predictor(ABC):
    """A model that reads letters from images. A kind says which model files it takes
    (``accepts``) and how to build itself from them (``load``); register it in
    ``asl.predictors.KINDS``."""

    kind: ClassVar[str]
    top_k: int = 3

    @classmethod
    @abstractmethod
    def accepts(cls, paths: Sequence[Path]) -> bool:
        """Whether these model files are this kind's."""

    @classmethod
    @abstractmethod
    def load(cls, paths: Sequence[Path], mode: str = "auto", top_k: int = 3) -> Predictor:
        """The predictor for these model files, reading images in landmark ``mode``."""

    @abstractmethod
    def read(self, images: list[np.ndarray]) -> list[Reading]:
        """One ``Reading`` per image (grey, RGB or RGBA uint8 arrays, any size), in order."""
