"""`asl train-rf --extra DIR`: a user's own photos, laid out ``DIR/<LETTER>/*``, as training rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asl.errors import AslError
from asl.images import UnreadableImage, read_image
from asl.photos import labelled_photos
from landmarks import make_landmarker


def extra_landmarks(folder: Path, landmarker_settings: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """Landmark rows (n, 63) and letters of the photos in ``folder`` in which auto mode finds a
    hand (crop mode as in ``landmarker_settings``), and a summary for the metrics JSON. Every
    photo is read first; one that cannot be read is a one-line error."""
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
    summary = {"dir": str(Path(folder).resolve()), "photos": len(photos), "hands": len(hands),
               "per_letter": {letter: int((letters == letter).sum()) for letter in sorted(set(letters))}}
    return rows, letters, summary
