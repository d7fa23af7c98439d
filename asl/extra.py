"""`asl train-rf --extra DIR` and `asl train-cnn --extra DIR`: photo folders (a user's own photos,
ASL-HG, ...) as training rows, read through their cached photo tables (``asl.photo_table``): the
landmarks of the photos with a hand, or each photo's network input (its hand's box)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from asl.photo_table import default_photo_out, extract_photo_landmarks
from asl.photos import PhotoSource, credit_for


@dataclass(frozen=True)
class PhotoRows:
    """Landmark rows (n, 63), letters and groups of the photos in which a hand was found, one row per
    reading of each hand (``HandResult.readings``: the box at several sizes), ``photo``: the photo
    (its row in the photo table) each row reads; and their source."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    photo: np.ndarray
    source: PhotoSource

    def accuracy(self, model) -> float:
        """The share of the source's photos ``model`` reads right, each by the mean of its probabilities
        over its readings, as `asl predict` reads it (a photo without a hand is wrong)."""
        from asl.landmarks.result import mean_by_owner

        n = self.source.photos
        if not len(self.X) or not n:
            return 0.0
        letters = np.asarray(model.classes_)[mean_by_owner(model.predict_proba(self.X), self.photo, n).argmax(axis=1)]
        truth = np.full(n, None, dtype=object)
        truth[self.photo] = self.y
        return float((letters == truth).sum() / n)


def photo_source(table: pd.DataFrame, folder: Path) -> PhotoSource:
    """What a photo table holds: photos, hands found (per letter), unreadable photos, groups, credit
    (the weight and share are set by the training that uses it)."""
    letters = table.loc[table["hand"], "letter"].to_numpy(dtype=object)
    return PhotoSource(dir=str(Path(folder).resolve()), photos=len(table), hands=len(letters),
                       per_letter={letter: int((letters == letter).sum()) for letter in sorted(set(letters))},
                       unreadable=int(table["error"].notna().sum()),
                       groups=int(table["group"].nunique()), credit=credit_for(folder))


def photo_rows(table: pd.DataFrame, folder: Path) -> PhotoRows:
    """The readings of the hands of a photo table (``landmarks.result.hand_rows``)."""
    from asl.landmarks.result import hand_rows
    from asl.tables import results_from_rows

    X, photo = hand_rows(results_from_rows(table))
    return PhotoRows(X, table["letter"].to_numpy(dtype=object)[photo], table["group"].to_numpy(dtype=object)[photo],
                     photo, photo_source(table, folder))


def extra_landmarks(folder: Path, landmarker_settings: dict, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None, cluster: str | None = None,
                    out: Path | None = None) -> PhotoRows:
    """The photos in ``folder`` in which auto mode (crop mode as in ``landmarker_settings``, the
    training table's) finds a hand; the photo table is made (or reused) in ``out``, by default
    ``data/processed/photos-<folder>.parquet``."""
    table = extract_photo_landmarks(folder, out or default_photo_out(folder), workers=workers,
                                    landmarker_settings=landmarker_settings, progress=progress, option="--extra",
                                    cluster=cluster)
    return photo_rows(table, folder)


@dataclass(frozen=True)
class PhotoPixels:
    """The ResNet50's input (n, 28, 28) uint8 of each readable photo, made as `asl predict` makes
    it (``landmarks.handcrop.pixel_input``: the hand's box, else the whole photo), letters, groups
    and the source."""

    images: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    source: PhotoSource


def photo_pixels(table: pd.DataFrame, folder: Path) -> PhotoPixels:
    """The network input of every photo of a photo table that could be read."""
    from asl.dataset import SIDE
    from asl.images import read_image
    from asl.landmarks.handcrop import pixel_input
    from asl.tables import results_from_rows

    readable = table[table["error"].isna()]
    hands = results_from_rows(readable)
    images = np.stack([pixel_input(read_image(Path(folder) / path), hand, SIDE)
                       for path, hand in zip(readable["path"], hands)]) if hands else np.zeros((0, SIDE, SIDE), np.uint8)
    return PhotoPixels(images, readable["letter"].to_numpy(dtype=object), readable["group"].to_numpy(dtype=object),
                       photo_source(table, folder))


def extra_pixels(folder: Path, landmarker_settings: dict | None = None, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> PhotoPixels:
    """``photo_pixels`` of ``folder``, through its photo table (made or reused as ``extra_landmarks`` does)."""
    table = extract_photo_landmarks(folder, default_photo_out(folder), workers=workers,
                                    landmarker_settings=landmarker_settings, progress=progress, option="--extra")
    return photo_pixels(table, folder)
