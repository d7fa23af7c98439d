"""Predictors: a model file (or two, for the hybrid) -> letters for images.

To add a kind of model, write one ``Predictor`` subclass (``accepts`` its model files, ``load``
builds it, ``read`` turns images into ``Reading``s) and add it to ``KINDS``: the command line,
``asl compare`` and everything that reads images with a model use ``load_predictor``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from asl.errors import AslError
from asl.predictors.base import Predictor, Reading
from asl.predictors.hybrid import HybridPredictor
from asl.predictors.landmark import LandmarkPredictor
from asl.predictors.resnet import CnnPredictor

KINDS: tuple[type[Predictor], ...] = (LandmarkPredictor, CnnPredictor, HybridPredictor)

__all__ = ["KINDS", "CnnPredictor", "HybridPredictor", "LandmarkPredictor", "Predictor", "Reading", "load_predictor"]


def load_predictor(paths: Path | Sequence[Path], mode: str = "auto", top_k: int = 3) -> Predictor:
    """The predictor of the first kind in ``KINDS`` that accepts ``paths``; a one-line error if none does."""
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    for kind in KINDS:
        if kind.accepts(paths):
            return kind.load(paths, mode=mode, top_k=top_k)
    given = ", ".join(map(str, paths))
    raise AslError(f"--model {given}: give one landmark model (.skops), one ResNet50 (.pt), "
                   "or one of each for the hybrid")
