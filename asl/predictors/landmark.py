"""The landmark model: the image's hand landmarks, then the saved scikit-learn Pipeline (or the same
forest compiled, ``asl.modelfile.load_reader``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from asl.errors import AslError
from asl.landmarks import HandResult, box_upright, make_landmarker, read_all
from asl.landmarks.result import hand_rows, mean_by_owner
from asl.predictors.base import Predictor, Reading, top_letters


class LandmarkPredictor(Predictor):
    """A saved landmark model (``asl train-rf``) plus the landmarker that turns images into its input."""

    kind = "landmarks"
    suffixes = (".skops", ".joblib")  # .joblib: refused with a line saying why

    def __init__(self, model, landmarker, top_k: int = 3, upright: bool = True) -> None:
        self.model = model  # classes_ and predict_proba on (n, 63) landmark rows
        self.landmarker = landmarker
        self.upright = upright  # the model reads a hand's box turned upright (landmarks.box_upright)
        self.classes = np.asarray(model.classes_)
        self.top_k = max(1, top_k)

    @classmethod
    def accepts(cls, paths: Sequence[Path]) -> bool:
        return len(paths) == 1 and Path(paths[0]).suffix.lower() in cls.suffixes

    @classmethod
    def load(cls, paths: Sequence[Path], mode: str = "auto", top_k: int = 3, num_threads: int = 1,
             compiled: bool = True) -> LandmarkPredictor:
        """``compiled=False``: read with the saved scikit-learn Pipeline even where the file holds its
        compiled forest (the same probabilities)."""
        from asl.modelfile import load_reader

        [path] = paths
        reader = load_reader(path, compiled)
        trained_with = reader.landmarker  # crop mode replays the views the model was trained on
        upright = box_upright(trained_with)
        try:
            landmarker = make_landmarker(mode, trained_with.get("min_presence"), trained_with.get("views"), num_threads,
                                         upright)
        except (ValueError, TypeError) as e:
            raise AslError(f"{path}: {e}") from None
        return cls(reader.model, landmarker, top_k, upright)

    def read(self, images: list[np.ndarray]) -> list[Reading]:
        return self.read_hands(read_all(self.landmarker, images))

    def read_hands(self, hands: list[HandResult]) -> list[Reading]:
        """The letters of hands already found: a ``Reading`` per hand, without letters where none was found."""
        return [Reading(hand, () if p is None else top_letters(p, self.classes, self.top_k))
                for hand, p in zip(hands, self.probabilities(hands))]

    def probabilities(self, hands: list[HandResult]) -> list[np.ndarray | None]:
        """Each hand's probability of each letter (``classes`` order; one model call for all the
        hands): the mean over its landmarks and its further ``readings``; None where no hand was found."""
        rows, owner = hand_rows(hands)
        out: list[np.ndarray | None] = [None] * len(hands)
        if len(rows):
            mean = mean_by_owner(self.model.predict_proba(rows), owner, len(hands))
            for i in np.unique(owner):
                out[i] = mean[i]
        return out
