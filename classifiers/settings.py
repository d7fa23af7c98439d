"""What decides a trained landmark Random Forest, in plain values (no scikit-learn import, so that
the command line can show the defaults without loading it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ForestSettings:
    """The forest and how it is trained. ``share``: each photo source together weighs this many
    times the Sign Language MNIST rows (``classifiers.sources``); ``augment``: mirrored and
    turned views of the photos (and of the crops when they are trained on alone); ``crop_share``: with
    photos, a hand crop (no depth) is also read by a forest of the crops alone, this part of its
    probabilities (``classifiers.blend``; 0: the photo model alone)."""

    # Issue 13's sweep (benchmarks/RESULTS.md, "How big the forest must be"): 50 trees with leaves of
    # at least 2 rows are 6.8 MB for Sign Language MNIST alone and 6.1 MB with ASL-HG's photos (three
    # readings of each, and the crops' forest), within 0.26 points of 300 unpruned trees (44 and 39 MB)
    # on the test split.
    n_estimators: int = 50
    seed: int = 0
    use_z: bool = True
    augment: bool = True
    max_samples: float | None = 0.5
    share: float = 1.0
    min_samples_leaf: int = 2
    # Ninth round of benchmarks/photo-experiments.md: trained with ASL-HG, the forest read the test split
    # 97.89%; the mean with a forest of the crops alone 98.84% (the crops' forest alone: 98.61%).
    crop_share: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)


# What models trained before a setting existed were trained with (their metrics JSON lacks it).
BEFORE = {"min_samples_leaf": 1, "crop_share": 0.0}

DEFAULTS = ForestSettings()
