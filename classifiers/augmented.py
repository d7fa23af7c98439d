"""A classifier fitted on its training hands plus their mirror images and random new views."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import Pipeline

from asl.landmarks.augment import mirror, random_views


class ViewAugmentedClassifier(ClassifierMixin, BaseEstimator):
    """Fits ``estimator`` on the training landmarks, their mirror images (``mirror``), and
    ``copies`` randomly turned, stretched and jittered views of those (see
    ``landmarks.augment.random_views``); predicts with the fitted ``estimator_``.

    Sign Language MNIST shows right hands from the front; photos show either hand, from other
    viewpoints and distances.
    """

    def __init__(self, estimator, mirror: bool = True, copies: int = 1, yaw: float = 30.0, pitch: float = 20.0,
                 roll: float = 15.0, scale: float = 0.07, jitter: float = 0.02, random_state: int = 0) -> None:
        self.estimator = estimator
        self.mirror = mirror
        self.copies = copies
        self.yaw, self.pitch, self.roll = yaw, pitch, roll
        self.scale, self.jitter = scale, jitter
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None, augment_rows=None):
        """Fit on the hands plus mirrored and turned views of the hands in ``augment_rows`` (a
        boolean mask; default every hand). Each view of a hand keeps its ``sample_weight``
        (passed to the estimator, or to a Pipeline's last step)."""
        points, labels = np.asarray(X, dtype=np.float64).reshape(len(X), -1, 3), np.asarray(y)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weights is not None and weights.shape != (len(points),):
            raise ValueError(f"sample_weight has shape {weights.shape}, expected ({len(points)},)")
        chosen = np.ones(len(points), bool) if augment_rows is None else np.asarray(augment_rows, dtype=bool)
        if chosen.shape != (len(points),):
            raise ValueError(f"augment_rows has shape {chosen.shape}, expected ({len(points)},)")
        # Added rows: the chosen hands' mirror images, then ``copies`` turned views of the chosen
        # hands and their mirror images. ``source`` is the original row of every row fitted.
        chosen = np.flatnonzero(chosen)
        base, base_source = points[chosen], chosen
        if self.mirror:
            base, base_source = np.concatenate([base, mirror(base)]), np.concatenate([chosen, chosen])
        rng = np.random.default_rng(self.random_state)
        views = [random_views(base, rng, self.yaw, self.pitch, self.roll, self.scale, self.jitter)
                 for _ in range(self.copies)]
        points = np.concatenate([points, base[len(chosen):], *views])
        source = np.concatenate([np.arange(len(X)), base_source[len(chosen):], *[base_source] * self.copies])
        all_labels = labels[source]
        fit_params = weight_params(self.estimator, None if weights is None else weights[source])
        self.estimator_ = clone(self.estimator).fit(points.reshape(len(points), -1), all_labels, **fit_params)
        self.classes_ = self.estimator_.classes_
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.estimator_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def weight_params(estimator, weights: np.ndarray | None) -> dict:
    """``fit`` keyword arguments that give ``estimator`` these ``sample_weight``s: to a Pipeline's last
    step, else to the estimator itself; none when ``weights`` is None."""
    if weights is None:
        return {}
    name = f"{estimator.steps[-1][0]}__sample_weight" if isinstance(estimator, Pipeline) else "sample_weight"
    return {name: weights}
