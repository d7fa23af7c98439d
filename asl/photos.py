"""Folders of labelled photos laid out ``DIR/<LETTER>/*``, read the same way by `asl compare --photos`
and `asl train-rf --extra`, and the record of a photo source a model was trained on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from asl.dataset import LETTERS
from asl.errors import AslError
from asl.images import IMAGE_SUFFIXES

# ASL-HG names each photo P<k>_<LETTER>_<n>.jpg: the signer (group) is the P<k> prefix.
DEFAULT_GROUP_BY = r"^(P\d+)_"
ASL_HG_CREDIT = ("ASL-HG: American Sign Language Hand Gesture Image Dataset (Pranto et al., Mendeley Data, "
                 "doi:10.17632/j4y5w2c8w9.1), CC BY 4.0")
LAYOUT = "lay photos out as DIR/<LETTER>/* (letter folders may be deeper), one folder per letter A-Y (no J or Z: they need motion)"


@dataclass(frozen=True)
class PhotoSource:
    """A folder of labelled photos a model was trained on: how many photos, in how many of which a
    hand was found (per letter), how many could not be read, how many groups (signers) they come
    from, how many training images each photo weighs (the source together weighing ``share`` times
    the Sign Language MNIST rows), and the credit its licence asks for."""

    dir: str
    photos: int
    hands: int
    per_letter: dict[str, int]
    weight: float = 1.0
    unreadable: int = 0
    groups: int = 0
    credit: str | None = None
    share: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def credit_for(folder: Path) -> str | None:
    """The credit a photo folder's licence asks for: ASL-HG's (CC BY 4.0) for a folder named
    asl-hg or whose README names ASL-HG; None otherwise."""
    folder = Path(folder).resolve()
    readme = folder / "README.md"
    try:
        named = folder.name.lower() == "asl-hg" or (readme.is_file() and "ASL-HG" in readme.read_text(errors="replace"))
    except OSError:
        named = False
    return ASL_HG_CREDIT if named else None


def labelled_photos(folder: Path, option: str) -> list[tuple[Path, str]]:
    """(path, letter) for every photo under ``folder``'s letter folders (A-Y, either case, at any
    depth: ``DIR/A/*``, ``DIR/set1/A/*``, ...; everything below a letter folder is that letter's).

    Hidden files and folders are skipped, and so are files outside the letter folders that are not
    images (a README, a labels file). Anything else is a one-line error that starts with ``option``
    and the folder: a missing folder, a folder named J or Z (letters that need motion), an image
    outside the letter folders, a file in a letter folder that is not an image, or no photos at all.
    """
    folder = Path(folder)
    where = f"{option} {folder}"
    if not folder.is_dir():
        raise AslError(f"{where}: not a folder; {LAYOUT}")
    photos: list[tuple[Path, str]] = []
    _collect(folder, folder, where, photos)
    if not photos:
        raise AslError(f"{where}: no photos found; {LAYOUT}")
    return photos


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def _collect(root: Path, directory: Path, where: str, photos: list[tuple[Path, str]]) -> None:
    try:
        entries = sorted(directory.iterdir())
    except OSError as e:
        raise AslError(f"{where}: cannot read {directory} ({e.strerror or e})") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = entry.relative_to(root)
        if not entry.is_dir():
            if entry.suffix.lower() in IMAGE_SUFFIXES:
                raise AslError(f"{where}: {rel} is not in a letter folder; {LAYOUT}")
            continue
        letter = entry.name.upper()
        if letter in LETTERS:
            files = sorted(p for p in entry.rglob("*") if p.is_file() and _visible(p, entry))
            others = [p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
            if others:
                raise AslError(f"{where}: {others[0]} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))}); {LAYOUT}")
            photos += [(p, letter) for p in files]
        elif letter in ("J", "Z"):
            raise AslError(f"{where}: folder {str(rel)!r} is not a letter this reads (J and Z need motion); {LAYOUT}")
        else:
            _collect(root, entry, where, photos)
