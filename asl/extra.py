"""`asl train-rf --extra DIR`: photo folders (a user's own photos, ASL-HG, ...) as training rows,
read through their cached photo tables (``asl.photo_table``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from asl.landmarks import COORDINATES
from asl.photo_table import default_photo_out, extract_photo_landmarks
from asl.photos import PhotoSource, credit_for

@dataclass(frozen=True)
class PhotoRows:
    """Landmark rows (n, 63), letters and groups of the photos in which a hand was found, and their source."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    source: PhotoSource


def photo_rows(table: pd.DataFrame, folder: Path, weight: float) -> PhotoRows:
    """The rows of a photo table with a hand, each to weigh ``weight`` training images."""
    hands = table[table["hand"]]
    letters = hands["letter"].to_numpy(dtype=object)
    source = PhotoSource(dir=str(Path(folder).resolve()), photos=len(table), hands=len(hands),
                         per_letter={letter: int((letters == letter).sum()) for letter in sorted(set(letters))},
                         weight=weight, unreadable=int(table["error"].notna().sum()),
                         groups=int(table["group"].nunique()), credit=credit_for(folder))
    return PhotoRows(hands[list(COORDINATES)].to_numpy(np.float32), letters, hands["group"].to_numpy(dtype=object),
                     source)


def extra_landmarks(folder: Path, landmarker_settings: dict, weight: float = 1.0, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> PhotoRows:
    """The photos in ``folder`` in which auto mode (crop mode as in ``landmarker_settings``, the
    training table's) finds a hand, each to weigh ``weight`` training images; the photo table is
    made (or reused) in ``data/processed/photos-<folder>.parquet``."""
    table = extract_photo_landmarks(folder, default_photo_out(folder), workers=workers,
                                    landmarker_settings=landmarker_settings, progress=progress, option="--extra")
    return photo_rows(table, folder, weight)
