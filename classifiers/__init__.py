"""scikit-learn models on landmark features, the hybrid rule, and the metrics every model is scored with.

Names are imported when first used, so that importing ``asl.classifiers.settings`` (the forest's
defaults, for the command line) does not import scikit-learn.
"""

from importlib import import_module

_EXPORTS = {
    "hybrid_letters": "asl.classifiers.hybrid", "NO_HAND": "asl.classifiers.metrics", "Scores": "asl.classifiers.metrics",
    "score_predictions": "asl.classifiers.metrics", "forest_for": "asl.classifiers.random_forest",
    "make_random_forest": "asl.classifiers.random_forest", "DEFAULTS": "asl.classifiers.settings",
    "ForestSettings": "asl.classifiers.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
