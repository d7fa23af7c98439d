"""Folders of labelled photos laid out ``DIR/<LETTER>/*``, read the same way by `asl compare --photos`
and `asl train-rf --extra`, and the record of a photo source a model was trained on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from asl.dataset import LETTERS
from asl.errors import AslError
from asl.images import IMAGE_SUFFIXES

LAYOUT = "lay photos out as DIR/<LETTER>/*, one folder per letter A-Y (no J or Z: they need motion)"


@dataclass(frozen=True)
class PhotoSource:
    """A folder of labelled photos a model was trained on: how many photos, in how many of which a
    hand was found (per letter), and how many training hands each photo counts as."""

    dir: str
    photos: int
    hands: int
    per_letter: dict[str, int]
    weight: int = 1

    def as_dict(self) -> dict:
        return asdict(self)


def labelled_photos(folder: Path, option: str) -> list[tuple[Path, str]]:
    """(path, letter) for every photo in ``folder``'s letter folders (A-Y, either case), sorted.

    Hidden files and folders are skipped, and so are files beside the letter folders that are not
    images (a README, a labels file). Anything else is a one-line error that starts with ``option``
    and the folder: a missing folder, a folder that is not a letter, an image outside the letter
    folders, a file in a letter folder that is not an image, or no photos at all.
    """
    folder = Path(folder)
    where = f"{option} {folder}"
    if not folder.is_dir():
        raise AslError(f"{where}: not a folder; {LAYOUT}")
    photos = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            if entry.suffix.lower() in IMAGE_SUFFIXES:
                raise AslError(f"{where}: {entry.name} is not in a letter folder; {LAYOUT}")
            continue
        letter = entry.name.upper()
        if letter not in LETTERS:
            raise AslError(f"{where}: folder {entry.name!r} is not a letter; {LAYOUT}")
        files = sorted(p for p in entry.rglob("*")
                       if p.is_file() and not any(part.startswith(".") for part in p.relative_to(entry).parts))
        others = [p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
        if others:
            raise AslError(f"{where}: {others[0]} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))}); {LAYOUT}")
        photos += [(p, letter) for p in files]
    if not photos:
        raise AslError(f"{where}: no photos found; {LAYOUT}")
    return photos
