"""`asl train-rf --extra DIR`: a user's own photos, laid out ``DIR/<LETTER>/*``, as training rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asl.dataset import LETTERS
from asl.errors import AslError
from asl.images import IMAGE_SUFFIXES, UnreadableImage, read_image
from landmarks import make_landmarker

LAYOUT = "expected DIR/<LETTER>/<photo> with LETTER one of A-Y without J"


def find_extra_photos(folder: Path) -> list[tuple[Path, str]]:
    """Every (photo, letter) under ``folder``; a one-line error for any other layout."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AslError(f"--extra {folder}: not a folder; {LAYOUT}")
    photos = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            raise AslError(f"--extra {folder}: {entry.name} is not in a letter folder; {LAYOUT}")
        if entry.name not in LETTERS:
            raise AslError(f"--extra {folder}: folder {entry.name!r} is not a letter; {LAYOUT}")
        files = sorted(p for p in entry.rglob("*") if p.is_file() and not p.name.startswith("."))
        others = [p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
        if others:
            raise AslError(f"--extra {folder}: {others[0]} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))})")
        photos += [(p, entry.name) for p in files]
    if not photos:
        raise AslError(f"--extra {folder}: no photos found; {LAYOUT}")
    return photos


def extra_landmarks(folder: Path, landmarker_settings: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """Landmark rows (n, 63) and letters of the photos in ``folder`` in which auto mode finds a
    hand (crop mode as in ``landmarker_settings``), and a summary for the metrics JSON. Every
    photo is read first; one that cannot be read is a one-line error."""
    photos = find_extra_photos(folder)
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
