"""scikit-learn models on landmark features, the hybrid rule, and the metrics every model is scored with."""

from asl.classifiers.hybrid import hybrid_letters
from asl.classifiers.metrics import NO_HAND, Scores, score_predictions
from asl.classifiers.random_forest import make_random_forest

__all__ = ["NO_HAND", "Scores", "hybrid_letters", "make_random_forest", "score_predictions"]
