"""scikit-learn models on landmark features, and the metrics every model is scored with."""

from classifiers.metrics import NO_HAND, score_predictions
from classifiers.random_forest import make_random_forest

__all__ = ["NO_HAND", "make_random_forest", "score_predictions"]
