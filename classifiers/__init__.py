"""scikit-learn models on landmark features, the hybrid rule, and the metrics every model is scored with."""

from classifiers.hybrid import hybrid_letters, use_landmarks
from classifiers.metrics import NO_HAND, score_predictions
from classifiers.random_forest import make_random_forest

__all__ = ["NO_HAND", "hybrid_letters", "make_random_forest", "score_predictions",
           "use_landmarks"]
