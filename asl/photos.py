"""Folders of labelled photos laid out ``DIR/<LETTER>/*``."""

from __future__ import annotations

from pathlib import Path

from asl.dataset import LETTERS
from asl.errors import AslError
from asl.images import IMAGE_SUFFIXES

LAYOUT = "lay photos out as DIR/<LETTER>/*, one folder per letter A-Y (no J or Z: they need motion)"


def labelled_photos(folder: Path) -> list[tuple[Path, str]]:
    """(path, letter) for each image file under ``folder``'s letter folders, sorted; a one-line
    error for a missing folder, a folder that is not a letter, loose images or no images at all."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AslError(f"{folder} is not a folder; {LAYOUT}")
    entries = sorted(folder.iterdir())
    loose = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if loose:
        raise AslError(f"{loose[0]} is not in a letter folder; {LAYOUT}")
    folders = [p for p in entries if p.is_dir() and not p.name.startswith(".")]
    for sub in folders:
        if sub.name.upper() not in LETTERS:
            raise AslError(f"{sub} is not a letter folder; {LAYOUT}")
    photos = [(path, sub.name.upper()) for sub in folders for path in sorted(sub.rglob("*"))
              if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES]
    if not photos:
        raise AslError(f"{folder} holds no images in letter folders; {LAYOUT}")
    return photos
