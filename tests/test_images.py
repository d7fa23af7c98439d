"""Reading image files: formats, sizes, EXIF rotation (no data set needed)."""

from __future__ import annotations

import numpy as np
from PIL import Image


def test_read_image_applies_exif_rotation(tmp_path):
    from asl.images import read_image

    upright = np.zeros((60, 100, 3), np.uint8)  # tall blocks of colour: easy to tell orientations apart
    upright[:30, :50] = (250, 20, 20)
    upright[:30, 50:] = (20, 250, 20)
    upright[30:, :50] = (20, 20, 250)
    upright[30:, 50:] = (240, 240, 240)
    # Orientation 6: the stored pixels must be turned 90 degrees clockwise to be upright
    stored = np.rot90(upright, k=1)  # counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    Image.fromarray(np.ascontiguousarray(stored)).save(path, quality=95, exif=exif)
    with Image.open(path) as raw:
        assert raw.size == (60, 100)  # stored sideways
    read = read_image(path)
    assert read.shape == upright.shape
    assert read.dtype == np.uint8
    error = np.abs(read.astype(int) - upright.astype(int)).mean()
    assert error < 8, error
    wrong_way = np.abs(read.astype(int) - np.rot90(upright, 2).astype(int)).mean()
    assert wrong_way > 50


def test_read_image_every_exif_orientation_like_pillow(tmp_path):
    from PIL import ImageOps

    from asl.images import read_image

    base = np.random.default_rng(0).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f"o{orientation}.png"
        Image.fromarray(base).save(path, exif=exif)
        with Image.open(path) as image:
            expected = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
        got = read_image(path)
        assert got.shape == expected.shape and (got == expected).all(), orientation
        assert got.shape[:2] == ((50, 30) if orientation >= 5 else (30, 50))


def damaged_exif() -> bytes:
    """EXIF with Orientation 6 and a MinSampleValue tag (SHORT in TIFF) holding ASCII: readable,
    but Pillow's ImageOps.exif_transpose fails re-serialising it (struct.error)."""
    import struct

    def entry(tag, kind, count, value):
        return struct.pack(">HHI", tag, kind, count) + value

    return (b"Exif\x00\x00MM\x00*" + struct.pack(">IH", 8, 2) + entry(0x0112, 3, 1, b"\x00\x06\x00\x00")
            + entry(0x0118, 2, 4, b"Cam\x00") + struct.pack(">I", 0))


def test_read_image_with_damaged_exif_still_reads_upright(tmp_path):
    from asl.images import read_image

    upright = np.zeros((60, 100, 3), np.uint8)
    upright[:30, :50] = 255
    path = tmp_path / "damaged.jpg"
    Image.fromarray(np.ascontiguousarray(np.rot90(upright, k=1))).save(path, quality=95, exif=damaged_exif())
    read = read_image(path)
    assert read.shape == upright.shape
    assert np.abs(read.astype(int) - upright.astype(int)).mean() < 8


def test_read_image_formats(tmp_path):
    from asl.images import read_image

    grey = Image.fromarray(np.arange(28 * 28, dtype=np.uint16).reshape(28, 28).astype(np.uint8))
    grey.save(tmp_path / "g.png")
    got = read_image(tmp_path / "g.png")
    assert got.shape == (28, 28, 3) and got.dtype == np.uint8
    assert (got[..., 0] == np.asarray(grey)).all() and (got[..., 0] == got[..., 2]).all()
    rgba = np.zeros((10, 10, 4), np.uint8)  # fully transparent: composited over white
    Image.fromarray(rgba, "RGBA").save(tmp_path / "t.png")
    assert (read_image(tmp_path / "t.png") == 255).all()
