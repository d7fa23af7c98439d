"""Hand landmarks from images (MediaPipe models) and landmark features for scikit-learn."""

from landmarks.features import LandmarkFeatures
from landmarks.modes import MODES, make_landmarker
from landmarks.result import NUM_LANDMARKS, HandResult

__all__ = ["MODES", "NUM_LANDMARKS", "HandResult", "LandmarkFeatures", "make_landmarker"]
