"""A photo model that reads hand crops with a second forest: the one trained on hand crops alone.

A model trained on Sign Language MNIST and photos learns two kinds of hands: the 28x28 crops, read
by crop mode with no depth (NaN z), and the photos' boxes, read with depth. The photos' sideways
letters (G, H, P, read upright from their boxes) teach the forest shapes that Sign Language MNIST's
crops of other letters come close to: trained with ASL-HG, the forest read the test split 97.89%
against 98.61% for a forest of the crops alone (``benchmarks/photo-experiments.md``, ninth round).
Here a hand without depth is read by the mean of both forests' probabilities (``crop_share``: the
crop forest's part); a hand with depth by the photo model alone, exactly as without this class.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from asl.classifiers.augmented import weight_params
from asl.classifiers.crop_votes import blend_crops, without_depth


class CropBlendClassifier(ClassifierMixin, BaseEstimator):
    """``estimator`` (the photo model: a ``ViewAugmentedClassifier``) fitted on every row; ``crops``
    (a landmark Pipeline) fitted on the rows without depth only. ``predict_proba``: for a row
    without depth, ``crop_share`` times the crop forest's probabilities plus the rest times the
    photo model's; for any other row, the photo model's."""

    def __init__(self, estimator, crops, crop_share: float = 0.5) -> None:
        self.estimator = estimator
        self.crops = crops
        self.crop_share = crop_share

    def fit(self, X, y, sample_weight=None, augment_rows=None):
        """Fit ``estimator`` on all rows (``sample_weight`` and ``augment_rows`` passed on) and
        ``crops`` on the rows without depth (their ``sample_weight`` too); ``crops_`` is None when
        there are none."""
        if not 0.0 <= self.crop_share <= 1.0:
            raise ValueError(f"crop_share must be in [0, 1], got {self.crop_share}")
        X, y = np.asarray(X, dtype=np.float64).reshape(len(X), -1), np.asarray(y)
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=sample_weight, augment_rows=augment_rows)
        self.classes_ = self.estimator_.classes_
        crops = without_depth(X)
        self.crops_ = None
        if crops.any() and self.crop_share > 0:
            weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[crops]
            self.crops_ = clone(self.crops).fit(X[crops], y[crops], **weight_params(self.crops, weights))
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        proba = self.estimator_.predict_proba(X)
        if self.crops_ is None:
            return proba
        crops = without_depth(X)
        if crops.any():
            blend_crops(proba, self.classes_, crops, self.crops_.predict_proba(X[crops]), self.crops_.classes_,
                        self.crop_share)
        return proba

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
