"""`asl train-rf --extra DIR`: a user's own photos, laid out ``DIR/<LETTER>/*``, as training rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asl.errors import AslError
from asl.images import UnreadableImage, read_image
from asl.landmarks import make_landmarker
from asl.photos import PhotoSource, labelled_photos


@dataclass(frozen=True)
class PhotoRows:
    """Landmark rows (n, 63) and letters of the photos in which a hand was found, and their source."""

    X: np.ndarray
    y: np.ndarray
    source: PhotoSource


def extra_landmarks(folder: Path, landmarker_settings: dict, weight: int = 1) -> PhotoRows:
    """The photos in ``folder`` in which auto mode (crop mode as in ``landmarker_settings``) finds
    a hand, each to count ``weight`` times. Every photo is read first; one that cannot be read is a
    one-line error."""
    photos = labelled_photos(folder, "--extra")
    images = []
    for path, _ in photos:
        try:
            images.append(read_image(path))
        except UnreadableImage as e:
            raise AslError(f"--extra: {e}") from None
    landmarker = make_landmarker("auto", landmarker_settings.get("min_presence"), landmarker_settings.get("views"))
    results = [landmarker(image) for image in images]
    hands = [i for i, r in enumerate(results) if r.found]
    rows = np.array([results[i].landmarks.reshape(-1) for i in hands], dtype=np.float32).reshape(-1, 63)
    letters = np.array([photos[i][1] for i in hands], dtype=object)
    source = PhotoSource(dir=str(Path(folder).resolve()), photos=len(photos), hands=len(hands),
                         per_letter={letter: int((letters == letter).sum()) for letter in sorted(set(letters))},
                         weight=weight)
    return PhotoRows(rows, letters, source)
