"""Hand landmarks from images (MediaPipe models) and landmark features for scikit-learn.

Names are imported when first used, so that importing ``asl.landmarks.modes`` (the mode names,
for the command line) does not import scikit-learn or the model runtimes.
"""

from importlib import import_module

_EXPORTS = {
    "MODES": "asl.landmarks.modes", "make_landmarker": "asl.landmarks.modes", "box_upright": "asl.landmarks.modes",
    "read_all": "asl.landmarks.modes", "HandLocator": "asl.landmarks.modes",
    "Landmarker": "asl.landmarks.modes", "NUM_LANDMARKS": "asl.landmarks.result", "COORDINATES": "asl.landmarks.result",
    "HandResult": "asl.landmarks.result", "LandmarkFeatures": "asl.landmarks.features",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
