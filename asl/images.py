"""Reading image files for prediction: any format PIL reads, EXIF rotation applied, within limits
checked from the header before any pixel is decoded, and large images read at a bounded size."""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: `asl --help` needs none of it
    import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


@dataclass(frozen=True)
class ImageLimits:
    """What an image file may be: at most ``megapixels`` and sides at most ``aspect`` to 1 (both
    read from the header, before decoding); one larger than ``side`` pixels on its long side is
    read at that size (JPEGs decoded at a reduced scale), so that memory is bounded by the limits,
    not by the file. The landmark models work at 192-224 pixels."""

    megapixels: float = 50.0
    aspect: float = 20.0
    side: int = 2048


LIMITS = ImageLimits()


class UnreadableImage(Exception):
    """A file that is missing or is not an image PIL can read."""


class ImageTooLarge(UnreadableImage):
    """An image over the limits (pixels, side ratio, a decompression bomb), refused before decoding."""


class UnlistableFolder(UnreadableImage):
    """A folder given (or found inside one) that cannot be listed: reported in place of its images."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: cannot list this folder ({reason})")
        self.path = Path(path)


def iter_image_paths(paths: Iterable[Path]) -> Iterator[Path | UnlistableFolder]:
    """Each file given, and the image files under each folder given (sorted, recursive).

    A folder without image files is yielded itself, so that reading it reports it; a folder that
    cannot be listed (no permission) is yielded as an ``UnlistableFolder``, never skipped silently.
    """
    for path in map(Path, paths):
        if path.is_dir():
            found, unlisted = [], []
            for root, _, files in os.walk(path, onerror=unlisted.append):
                found += [Path(root) / f for f in files if Path(f).suffix.lower() in IMAGE_SUFFIXES
                          and (Path(root) / f).is_file()]
            yield from sorted(found) or ([] if unlisted else [path])
            for error in unlisted:
                yield UnlistableFolder(error.filename, error.strerror or str(error))
        else:
            yield path


def read_image(path: Path, limits: ImageLimits = LIMITS) -> np.ndarray:
    """An HxWx3 uint8 RGB array, upright per EXIF; transparency composited over white; at most
    ``limits.side`` pixels on its long side. ``UnreadableImage`` for a file that is not a regular
    file (a FIFO or device is never opened), not an image, or over the limits."""
    return decode_image(path, str(path), limits, check_file=True)


def decode_image(source, label: str, limits: ImageLimits = LIMITS, check_file: bool = False) -> np.ndarray:
    """``read_image`` for a path or a binary file object (an upload); ``label`` names it in errors."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    path = label
    try:
        if check_file:
            mode = os.stat(source).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(source)
            if not stat.S_ISREG(mode):
                raise UnreadableImage(f"{path}: not a regular file (a FIFO, device or socket); not opened")
        with Image.open(source) as image:
            width, height = image.size
            if width * height > limits.megapixels * 1e6:
                raise ImageTooLarge(f"{path}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
                                      f"limit of {limits.megapixels:g} (--max-megapixels)")
            if max(width, height) > limits.aspect * max(1, min(width, height)):
                raise ImageTooLarge(f"{path}: {width}x{height} has sides in ratio {max(width, height) / max(1, min(width, height)):.0f}:1, "
                                      f"over the limit of {limits.aspect:g}:1 (--max-aspect)")
            scale = limits.side / max(width, height)
            if scale < 1:
                image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))  # JPEG: decode smaller
            image = _upright(image)
            if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                values = np.asarray(image, dtype=np.float64)
                peak = values.max() or 1.0
                image = Image.fromarray(np.clip(values / peak * 255, 0, 255).astype(np.uint8))
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                rgba = image.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                image = Image.alpha_composite(white, rgba)
            image = image.convert("RGB")
            if max(image.size) > limits.side:
                image.thumbnail((limits.side, limits.side), Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except FileNotFoundError:
        raise UnreadableImage(f"{path}: no such file") from None
    except PermissionError:
        raise UnreadableImage(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise UnreadableImage(
            f"{path}: a folder with no image files ({', '.join(sorted(IMAGE_SUFFIXES))})"
        ) from None
    except Image.DecompressionBombError as e:
        raise ImageTooLarge(f"{path}: image too large ({e})") from None
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
