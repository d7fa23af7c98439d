"""Image array helpers shared by the landmark modes."""

from __future__ import annotations

import numpy as np


def as_grey_or_rgb(image: np.ndarray) -> np.ndarray:
    """Return ``image`` (HxW grey, HxWx1, HxWx3 RGB or HxWx4 RGBA, uint8) as HxW grey or HxWx3 RGB uint8."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))) or min(image.shape[:2]) < 1:
        raise ValueError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {image.shape}")
    return image if image.ndim == 2 else np.ascontiguousarray(image[:, :, :3])


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Return ``image`` (HxW grey, HxWx1, HxWx3 RGB or HxWx4 RGBA, uint8) as HxWx3 uint8 RGB."""
    image = as_grey_or_rgb(image)
    return np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image
