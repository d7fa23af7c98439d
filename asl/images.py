"""Reading image files for prediction: any size or format PIL reads, EXIF rotation applied."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class UnreadableImage(Exception):
    """A file that is missing or is not an image PIL can read."""


def iter_image_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file given, and the image files under each folder given (sorted, recursive).

    A folder without image files is yielded itself, so that reading it reports it.
    """
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            yield from found or [path]
        else:
            yield path


def read_image(path: Path) -> np.ndarray:
    """An HxWx3 uint8 RGB array, upright per EXIF; transparency composited over white."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = _upright(image)
            if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                values = np.asarray(image, dtype=np.float64)
                peak = values.max() or 1.0
                image = Image.fromarray(np.clip(values / peak * 255, 0, 255).astype(np.uint8))
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                rgba = image.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                image = Image.alpha_composite(white, rgba)
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise UnreadableImage(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableImage(
            f"{path}: a folder with no image files ({', '.join(sorted(IMAGE_SUFFIXES))})"
        ) from None
    except Image.DecompressionBombError as e:
        raise UnreadableImage(f"{path}: image too large ({e})") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        kind = "not an image" if isinstance(e, UnidentifiedImageError) else f"unreadable image ({e})"
        raise UnreadableImage(f"{path}: {kind}") from None


def _upright(image):
    """``image`` turned upright per its EXIF Orientation; as stored if the EXIF is unreadable.

    Not ``ImageOps.exif_transpose``: it also rewrites the EXIF block and fails (struct.error)
    on some damaged ones, although the orientation itself was readable.
    """
    from PIL import Image

    transpose = Image.Transpose
    methods = {
        2: transpose.FLIP_LEFT_RIGHT, 3: transpose.ROTATE_180, 4: transpose.FLIP_TOP_BOTTOM,
        5: transpose.TRANSPOSE, 6: transpose.ROTATE_270, 7: transpose.TRANSVERSE, 8: transpose.ROTATE_90,
    }
    try:
        method = methods.get(int(image.getexif().get(0x0112, 1)))
    except Exception:  # damaged EXIF: the pixels may still be fine
        method = None
    return image.transpose(method) if method is not None else image
