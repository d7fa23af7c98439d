"""One interface over the landmark modes: ``make_landmarker(mode)`` returns a callable
``image -> HandResult`` with a ``settings()`` method."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from landmarks.result import HandResult

MODES = ("crop", "detect", "auto")


class Landmarker(Protocol):
    mode: str

    def __call__(self, image: np.ndarray) -> HandResult: ...

    def settings(self) -> dict: ...


def make_landmarker(mode: str, min_presence: float | None = None, views: list[dict] | None = None) -> Landmarker:
    """A landmarker for ``mode`` (crop, detect or auto). ``min_presence`` and ``views`` (as in
    ``CropLandmarker.settings()``) override crop mode's defaults."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    from landmarks.crop import CropLandmarker, View

    crop_kwargs = {} if min_presence is None else {"min_presence": min_presence}
    if views is not None:
        crop_kwargs["views"] = tuple(View(**v) for v in views)
    if mode == "crop":
        return CropLandmarker(**crop_kwargs)
    if mode == "detect":
        from landmarks.detect import DetectLandmarker

        return DetectLandmarker()
    from landmarks.photo import PhotoLandmarker

    return PhotoLandmarker(CropLandmarker(**crop_kwargs))
