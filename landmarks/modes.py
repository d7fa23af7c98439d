"""One interface over the landmark modes: ``make_landmarker(mode)`` returns a callable
``image -> HandResult`` with a ``settings()`` method (``read_all`` reads many images, through crop
mode's faster ``many``); auto mode's landmarker is also a
``HandLocator``, which finds the hand and reads its box as two steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # the command line reads MODES without importing numpy
    from collections.abc import Sequence

    import numpy as np

    from asl.landmarks.result import HandResult

MODES = ("crop", "detect", "auto")


class Landmarker(Protocol):
    mode: str

    def __call__(self, image: np.ndarray) -> HandResult: ...

    def settings(self) -> dict: ...


@runtime_checkable
class HandLocator(Protocol):
    """A landmarker that finds a hand anywhere in a photo (``locate``) and then reads its landmarks
    from the hand's square box (``read_box``); ``locator(image)`` is ``read_box(image, locate(image))``.
    Models that read the hand another way (the ResNet50 reads the box's pixels) share ``locate``."""

    mode: str

    def __call__(self, image: np.ndarray) -> HandResult: ...

    def settings(self) -> dict: ...

    def locate(self, image: np.ndarray) -> HandResult: ...

    def read_box(self, image: np.ndarray, located: HandResult) -> HandResult: ...


def read_all(landmarker: Landmarker, images: Sequence[np.ndarray]) -> list[HandResult]:
    """``[landmarker(image) for image in images]``, through the landmarker's own ``many`` where it has
    one (crop mode's: the same results, faster)."""
    many = getattr(landmarker, "many", None)
    return many(images) if many is not None else [landmarker(image) for image in images]


def box_upright(landmarker_settings: dict) -> bool:
    """Whether a model reads a hand's box turned upright (``PhotoLandmarker``, ``HandTracker``), from
    the landmarker settings saved in it: a model that learned from photos read upright reads them so
    (``asl train-rf --extra``); one that learned from Sign Language MNIST's crops alone, whose G, H
    and P point sideways as signed, reads the box as it is. Model files written before the setting
    existed read it upright, as that version did."""
    return bool(landmarker_settings.get("box_upright", True))


def make_landmarker(mode: str, min_presence: float | None = None, views: list[dict] | None = None,
                    num_threads: int = 1, upright: bool = True, readings: bool = True) -> Landmarker:
    """A landmarker for ``mode`` (crop, detect or auto; auto's is a ``HandLocator``). ``min_presence``
    and ``views`` (as in ``CropLandmarker.settings()``) override crop mode's defaults; ``num_threads``
    is crop mode's LiteRT interpreter's; ``upright``: auto mode reads a hand's box turned upright
    (``box_upright``); ``readings``: auto mode reads the box again at other sizes
    (``HandResult.readings``, which only a landmark model uses)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    from asl.landmarks.crop import CropLandmarker, View

    crop_kwargs = {"num_threads": num_threads, **({} if min_presence is None else {"min_presence": min_presence})}
    if views is not None:
        crop_kwargs["views"] = tuple(View(**v) for v in views)
    if mode == "crop":
        return CropLandmarker(**crop_kwargs)
    if mode == "detect":
        from asl.landmarks.detect import DetectLandmarker

        return DetectLandmarker()
    from asl.landmarks.photo import PhotoLandmarker

    return PhotoLandmarker(CropLandmarker(**crop_kwargs), upright=upright, **({} if readings else {"more_fills": ()}))
