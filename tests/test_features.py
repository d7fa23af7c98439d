"""Landmark features, the Random Forest pipeline and the scores (landmarks/features.py, classifiers/)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import Pipeline

from asl.classifiers.metrics import NO_HAND, score_predictions
from asl.classifiers.random_forest import make_random_forest
from asl.landmarks.features import LandmarkFeatures


def random_hands(n: int, seed: int = 0) -> np.ndarray:
    """(n, 21, 3) hand-like points: a spread of joints around a wrist somewhere in a 200 px image."""
    rng = np.random.default_rng(seed)
    wrist = rng.uniform(20, 180, (n, 1, 3)) * np.array([1, 1, 0.01])
    return wrist + rng.normal(0, 30, (n, 21, 3)) * np.array([1, 1, 0.3])


@pytest.fixture(scope="module")
def real_hands(mnist_test_rows):
    """Crop-mode landmarks of the first real test images (skips without ../shared)."""
    from asl.landmarks import make_landmarker

    landmarker = make_landmarker("crop")
    images, _ = mnist_test_rows
    found = [r.landmarks for r in map(landmarker, images[:20]) if r.landmarks is not None]
    assert len(found) >= 10
    return np.asarray(found, dtype=np.float64)


# ---- LandmarkFeatures -------------------------------------------------------------------------


def test_output_shape():
    features = LandmarkFeatures().fit_transform(random_hands(5))
    assert features.shape == (5, 273)
    assert np.isfinite(features).all()


def test_layout_wrist_at_origin_unit_scale():
    out = LandmarkFeatures().fit_transform(random_hands(4))
    coords = out[:, :63].reshape(4, 21, 3)
    np.testing.assert_allclose(coords[:, 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(coords[:, 9, :2], axis=1), 1.0)
    # the distance column d0_9 (wrist to middle knuckle, in the image plane) is then 1 as well
    names = list(LandmarkFeatures().get_feature_names_out())
    np.testing.assert_allclose(out[:, names.index("d0_9")], 1.0)
    np.testing.assert_allclose(out[:, names.index("d3_17")], np.linalg.norm(coords[:, 3, :2] - coords[:, 17, :2], axis=1))


def test_a_hand_without_depth_keeps_nan_z_and_the_same_plane_features():
    hands = random_hands(3, seed=4)
    flat = hands.copy()
    flat[1, :, 2] = np.nan  # crop mode on a tiny image: no depth
    f = LandmarkFeatures(use_z=True).fit(hands)
    out, ref = f.transform(flat), f.transform(hands)
    z_columns = np.arange(2, 63, 3)
    assert np.isnan(out[1, z_columns]).all() and np.isfinite(np.delete(out[1], z_columns)).all()
    np.testing.assert_allclose(np.delete(out, z_columns, axis=1), np.delete(ref, z_columns, axis=1))
    np.testing.assert_array_equal(out[[0, 2]], ref[[0, 2]])
    np.testing.assert_array_equal(LandmarkFeatures(use_z=False).fit_transform(flat)[:, z_columns], 0.0)


@pytest.mark.parametrize("where", [(1, 7, 0), (1, 7, 1), (1, 7, 2)])
def test_nan_in_x_y_or_in_part_of_z_is_a_value_error(where):
    hands = random_hands(3)
    hands[where] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LandmarkFeatures().fit_transform(hands)


@pytest.mark.parametrize("use_z", [True, False])
def test_translation_invariance(use_z):
    hands = random_hands(8, seed=1)
    moved = hands + np.array([37.5, -12.25, 4.0])
    f = LandmarkFeatures(use_z=use_z)
    np.testing.assert_allclose(f.fit_transform(moved), f.fit_transform(hands), atol=1e-9)


@pytest.mark.parametrize("use_z", [True, False])
def test_scale_invariance(use_z):
    hands = random_hands(8, seed=2)
    f = LandmarkFeatures(use_z=use_z)
    np.testing.assert_allclose(f.fit_transform(hands * 2.7), f.fit_transform(hands), atol=1e-9)


def test_features_do_change_with_the_pose():
    hands = random_hands(2, seed=3)
    bent = hands.copy()
    bent[:, 8] += np.array([15.0, -20.0, 0.0])  # move the index fingertip only
    f = LandmarkFeatures()
    assert not np.allclose(f.fit_transform(bent), f.fit_transform(hands))


def test_real_landmarks_invariance(real_hands):
    f = LandmarkFeatures()
    base = f.fit_transform(real_hands)
    assert base.shape == (len(real_hands), 273)
    moved = (real_hands + np.array([-3.0, 5.5, 0.2])) * 2.7
    np.testing.assert_allclose(f.transform(moved), base, atol=1e-9)
    # ...while different real hands do give different features
    assert not np.allclose(base[0], base[1])


def test_flat_and_3d_input_are_the_same():
    hands = random_hands(6, seed=4)
    f = LandmarkFeatures()
    np.testing.assert_array_equal(f.fit_transform(hands), f.fit_transform(hands.reshape(6, 63)))
    np.testing.assert_array_equal(f.transform(hands.tolist()), f.transform(hands))  # lists too


@pytest.mark.parametrize("shape", [(4, 62), (4, 64), (4, 20, 3), (4, 21, 2), (63,), (4, 21, 3, 1)])
def test_wrong_shape_is_a_value_error(shape):
    f = LandmarkFeatures()
    with pytest.raises(ValueError, match="expected"):
        f.fit(np.zeros(shape))
    with pytest.raises(ValueError):
        f.transform(np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_is_a_value_error(bad):
    hands = random_hands(3)
    hands[1, 7, 2] = bad
    with pytest.raises(ValueError, match="NaN"):
        LandmarkFeatures().fit(hands)
    with pytest.raises(ValueError, match="NaN"):
        LandmarkFeatures().fit(random_hands(3)).transform(hands)


def test_use_z_false_ignores_z():
    hands = random_hands(5, seed=5)
    other_z = hands.copy()
    other_z[:, :, 2] = np.random.default_rng(9).normal(0, 50, (5, 21))
    flat = LandmarkFeatures(use_z=False)
    out = flat.fit_transform(hands)
    np.testing.assert_allclose(flat.transform(other_z), out)
    assert out.shape == (5, 273)
    np.testing.assert_array_equal(out[:, 2:63:3], 0.0)  # every z coordinate column
    with_z = LandmarkFeatures(use_z=True)
    assert not np.allclose(with_z.fit_transform(other_z), with_z.transform(hands))


def test_transform_does_not_modify_its_input():
    hands = random_hands(3)
    before = hands.copy()
    LandmarkFeatures(use_z=False).fit_transform(hands)
    np.testing.assert_array_equal(hands, before)


def test_degenerate_hand_stays_finite():
    """All 21 points in one place: no division by zero."""
    out = LandmarkFeatures().fit_transform(np.full((1, 21, 3), 5.0))
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, 0.0)


def test_fit_returns_self_and_sets_n_features_in():
    f = LandmarkFeatures()
    assert not hasattr(f, "n_features_in_")
    assert f.fit(random_hands(2)) is f
    assert f.n_features_in_ == 63


def test_sklearn_clone():
    f = LandmarkFeatures(use_z=False).fit(random_hands(2))
    copy = clone(f)
    assert copy is not f
    assert copy.get_params() == {"use_z": False}
    assert not hasattr(copy, "n_features_in_")
    np.testing.assert_array_equal(copy.fit_transform(random_hands(3)), f.transform(random_hands(3)))


def test_feature_names():
    names = LandmarkFeatures().get_feature_names_out()
    assert len(names) == 273
    assert len(set(names)) == 273
    assert list(names[:4]) == ["x0", "y0", "z0", "x1"]
    assert names[62] == "z20"
    assert names[63] == "d0_1" and names[-1] == "d19_20"


# ---- the Random Forest pipeline ---------------------------------------------------------------


def synthetic_rows(letters=("A", "B", "C"), per_letter: int = 20, seed: int = 0):
    """(n, 63) landmark rows: one template hand per letter, jittered, moved and resized."""
    rng = np.random.default_rng(seed)
    templates = random_hands(len(letters), seed=100)
    rows, labels = [], []
    for template, letter in zip(templates, letters):
        for _ in range(per_letter):
            hand = template + rng.normal(0, 2.0, template.shape)
            hand = hand * rng.uniform(0.5, 2.0) + rng.uniform(-50, 50, 3)
            rows.append(hand.reshape(63))
            labels.append(letter)
    return np.array(rows), np.array(labels, dtype=object)


def test_random_forest_is_a_features_then_forest_pipeline():
    from asl.classifiers.augmented import ViewAugmentedClassifier

    augmented = make_random_forest(n_estimators=7, seed=3, n_jobs=1)
    assert isinstance(augmented, ViewAugmentedClassifier) and augmented.random_state == 3
    assert isinstance(augmented.estimator, Pipeline)
    assert augmented.estimator.named_steps["forest"].max_samples == 0.5
    plain = make_random_forest(n_estimators=7, seed=3, n_jobs=1, use_z=False, augment=False, max_samples=None)
    assert isinstance(plain, ViewAugmentedClassifier) and plain.mirror is False and plain.copies == 0
    model = plain.estimator
    assert [name for name, _ in model.steps] == ["features", "forest"]
    assert isinstance(model.named_steps["features"], LandmarkFeatures)
    assert model.named_steps["features"].use_z is False
    params = model.named_steps["forest"].get_params()
    assert params["n_estimators"] == 7 and params["random_state"] == 3 and params["n_jobs"] == 1


def test_random_forest_fits_and_predicts_letters():
    x, y = synthetic_rows()
    model = make_random_forest(n_estimators=20, n_jobs=1).fit(x, y)
    assert list(model.classes_) == ["A", "B", "C"]
    x_new, y_new = synthetic_rows(seed=1)
    assert (model.predict(x_new) == y_new).mean() > 0.9
    assert model.predict(x_new.reshape(-1, 21, 3)).tolist() == model.predict(x_new).tolist()
    proba = model.predict_proba(x_new)
    assert proba.shape == (len(x_new), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_random_forest_seed():
    x, y = synthetic_rows(per_letter=10)
    x_new = random_hands(30, seed=7).reshape(30, 63)  # hands unlike any template: uncertain votes
    proba = [make_random_forest(n_estimators=15, seed=s, n_jobs=1).fit(x, y).predict_proba(x_new) for s in (0, 0, 1)]
    np.testing.assert_array_equal(proba[0], proba[1])
    assert not np.array_equal(proba[0], proba[2])


# ---- score_predictions ------------------------------------------------------------------------


def test_scores_with_no_hand():
    y_true = ["A", "A", "A", "B", "B", "C"]
    y_pred = ["A", "B", NO_HAND, "B", NO_HAND, "C"]
    scores = score_predictions(y_true, y_pred, letters=["A", "B", "C"])
    assert scores.n_images == 6
    assert scores.accuracy == pytest.approx(3 / 6)
    assert scores.coverage == pytest.approx(4 / 6)
    assert scores.accuracy_on_hand == pytest.approx(3 / 4)
    assert scores.per_letter_accuracy == pytest.approx({"A": 1 / 3, "B": 1 / 2, "C": 1.0})
    # F1: A (P 1, R 1/3) 0.5; B (P 1/2, R 1/2) 0.5; C 1.0
    assert scores.macro_f1 == pytest.approx(2 / 3)


def test_per_letter_skips_absent_letters():
    scores = score_predictions(["A", "B"], ["A", "A"], letters=["A", "B", "D"])
    assert scores.per_letter_accuracy == {"A": 1.0, "B": 0.0}
    assert scores.accuracy == 0.5 and scores.coverage == 1.0 and scores.accuracy_on_hand == 0.5


def test_scores_when_no_hand_is_ever_found():
    scores = score_predictions(["A", "B"], [NO_HAND, NO_HAND], letters=["A", "B"])
    assert scores.accuracy == 0.0
    assert scores.coverage == 0.0
    assert scores.accuracy_on_hand == 0.0
    assert scores.macro_f1 == 0.0


def test_scores_accept_numpy_arrays():
    y = np.array(["A", "B", "C"], dtype=object)
    scores = score_predictions(y, np.array(["A", "B", "C"]), letters="ABC")
    assert scores.accuracy == 1.0 and scores.macro_f1 == 1.0


@pytest.mark.parametrize(
    "y_true, y_pred",
    [(["A", "B"], ["A"]), (["A"], ["A", "B"]), ([], []), ([["A"]], [["A"]])],
)
def test_scores_reject_bad_lengths(y_true, y_pred):
    with pytest.raises(ValueError):
        score_predictions(y_true, y_pred, letters=["A", "B"])


# ---------------------------------------------------------------------------------------------
# augmentation in landmark space


def _hands(n: int = 6) -> np.ndarray:
    return np.random.default_rng(1).normal(50.0, 20.0, (n, 21, 3))


def test_mirror_twice_is_the_identity_and_keeps_distances():
    from asl.landmarks.augment import mirror

    hands = _hands()
    np.testing.assert_allclose(mirror(mirror(hands)), hands)
    f = LandmarkFeatures().fit(hands.reshape(len(hands), -1))
    np.testing.assert_allclose(f.transform(mirror(hands))[:, 63:], f.transform(hands)[:, 63:], atol=1e-9)
    assert not np.allclose(mirror(hands), hands)


def test_random_views_turn_the_hand_rigidly_about_the_wrist():
    from asl.landmarks.augment import random_views

    hands = _hands()
    rng = np.random.default_rng(0)
    turned = random_views(hands, rng, yaw=40, pitch=30, roll=20, scale=0.0, jitter=0.0)
    np.testing.assert_allclose(turned[:, 0], hands[:, 0])  # the wrist stays put
    def distances(points):
        return np.linalg.norm(points[:, :, None] - points[:, None], axis=3)

    np.testing.assert_allclose(distances(turned), distances(hands), atol=1e-9)
    assert not np.allclose(turned, hands)
    still = random_views(hands, rng, yaw=0, pitch=0, roll=0, scale=0.0, jitter=0.0)
    np.testing.assert_allclose(still, hands)


def test_view_augmented_classifier_is_an_estimator():
    from sklearn.base import clone
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    from asl.classifiers.augmented import ViewAugmentedClassifier

    hands = _hands(40)
    letters = np.array(["A", "B"] * 20)
    hands[letters == "B", 8, 1] += 80.0  # B: the index tip far from A's
    pipeline = Pipeline([("features", LandmarkFeatures(use_z=False)), ("forest", RandomForestClassifier(10, random_state=0))])
    model = ViewAugmentedClassifier(pipeline, copies=2)
    assert model.fit(hands.reshape(40, -1), letters) is model
    assert list(model.classes_) == ["A", "B"] and model.n_features_in_ == 63
    forest = model.estimator_.named_steps["forest"]
    assert forest.n_features_in_ == 210 + 63
    assert (model.predict(hands.reshape(40, -1)) == letters).mean() > 0.9
    assert model.predict_proba(hands.reshape(40, -1)).shape == (40, 2)
    assert clone(model).get_params()["copies"] == 2 and not hasattr(clone(model), "estimator_")


def test_view_augmented_classifier_passes_sample_weight_to_every_copy():
    """Each hand's weight goes with its mirror and turned views to the Pipeline's forest: a letter
    whose hands all weigh 0 is never learnt, and a wrong-length weight is refused."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    from asl.classifiers.augmented import ViewAugmentedClassifier

    hands = _hands(60)
    letters = np.array(["A", "B", "C"] * 20)
    hands[letters == "B", 8, 1] += 80.0
    hands[letters == "C", 12, 0] += 80.0
    pipeline = Pipeline([("features", LandmarkFeatures(use_z=False)), ("forest", RandomForestClassifier(20, random_state=0))])
    X = hands.reshape(60, -1)
    weights = np.where(letters == "C", 0.0, 1.0)
    model = ViewAugmentedClassifier(pipeline, copies=2).fit(X, letters, sample_weight=weights)
    assert (model.predict(X) != "C").all()
    unweighted = ViewAugmentedClassifier(pipeline, copies=2).fit(X, letters)
    assert (unweighted.predict(X)[letters == "C"] == "C").mean() > 0.9
    with pytest.raises(ValueError, match="sample_weight"):
        ViewAugmentedClassifier(pipeline).fit(X, letters, sample_weight=np.ones(5))


def test_the_photo_model_reads_hand_crops_with_a_forest_of_the_crops_alone():
    """With photos, ``forest_for`` gives a ``CropBlendClassifier``: a hand with depth (a photo) is read
    by the photo model alone, exactly; a hand without depth (a crop) by the mean of the photo model
    and a forest fitted on the rows without depth only (a letter known only from photos is not in it)."""
    from dataclasses import replace

    from sklearn.base import clone

    from asl.classifiers import DEFAULTS, forest_for
    from asl.classifiers.blend import CropBlendClassifier
    from asl.classifiers.crop_votes import without_depth

    hands = _hands(90)
    letters = np.array(["A", "B", "C"] * 30)
    hands[letters == "B", 8, 1] += 80.0
    hands[letters == "C", 12, 0] += 80.0
    X = hands.reshape(90, -1)
    X[:60, 2::3] = np.nan  # the first 60 are crops: A, B and C; the photos (with depth) hold C only too
    X_crop_letters = letters.copy()
    settings = replace(DEFAULTS, n_estimators=12)
    model = forest_for(settings, n_jobs=1, photos=True)
    assert isinstance(model, CropBlendClassifier) and model.crop_share == DEFAULTS.crop_share == 0.5
    assert model.fit(X, X_crop_letters, sample_weight=np.ones(90)) is model
    assert list(model.classes_) == ["A", "B", "C"]
    assert model.crops_.named_steps["forest"].n_features_in_ == 273
    assert model.crops_.named_steps["forest"]._n_samples == 60  # fitted on the crops alone
    np.testing.assert_array_equal(without_depth(X), np.arange(90) < 60)
    photo = model.estimator_.predict_proba(X)
    crop = model.crops_.predict_proba(X[:60])
    both = model.predict_proba(X)
    np.testing.assert_array_equal(both[60:], photo[60:])
    np.testing.assert_allclose(both[:60], (photo[:60] + crop) / 2, rtol=0, atol=1e-12)
    assert not np.allclose(both[:60], photo[:60])
    alone = forest_for(settings, n_jobs=1)
    assert not isinstance(alone, CropBlendClassifier)  # Sign Language MNIST alone: one forest
    assert not isinstance(forest_for(replace(settings, crop_share=0.0), n_jobs=1, photos=True), CropBlendClassifier)
    assert clone(model).get_params()["crop_share"] == 0.5 and not hasattr(clone(model), "crops_")
    with pytest.raises(ValueError, match="crop_share"):
        CropBlendClassifier(model.estimator, model.crops, crop_share=1.5).fit(X, letters)


def test_group_folds_one_signer_each_or_signers_dealt_in_turn():
    from asl.classifiers.grouped import group_folds

    groups = ["P10", "P2", None, "P1", "P3", "P2", "P4"]
    assert group_folds(groups) == [("P1",), ("P2",), ("P3",), ("P4",), ("P10",)]
    assert group_folds(groups, 2) == [("P1", "P3", "P10"), ("P2", "P4")]
    assert group_folds(groups, 9) == group_folds(groups)
    with pytest.raises(ValueError, match="two groups"):
        group_folds(["P1", None, "P1"])
    with pytest.raises(ValueError, match="two folds"):
        group_folds(groups, 1)


class _Recorder(ClassifierMixin, BaseEstimator):
    """Records what it is fitted on (to see the rows a wrapper passes)."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sample_weight_ = np.asarray(X), np.asarray(y), sample_weight
        self.classes_ = np.unique(y)
        return self


def test_view_augmented_classifier_adds_views_of_the_chosen_rows_only():
    from asl.classifiers.augmented import ViewAugmentedClassifier

    hands = _hands(10)
    hands[6:, :, 2] = np.nan  # hands without depth: turned as flat, still without depth
    letters = np.array(list("ABCDEFGHIJ"), dtype=object)
    chosen = np.arange(10) >= 6
    weights = np.arange(1.0, 11.0)
    fitted = ViewAugmentedClassifier(_Recorder(), copies=2).fit(hands.reshape(10, -1), letters, sample_weight=weights,
                                                              augment_rows=chosen).estimator_
    # the 10 hands, the 4 chosen ones mirrored, then two turned views of those 8
    assert len(fitted.X_) == 10 + 4 + 2 * 8
    np.testing.assert_array_equal(fitted.X_[:10], hands.reshape(10, -1))
    assert fitted.y_[10:].tolist() == list("GHIJ") + list("GHIJ" * 4)
    np.testing.assert_array_equal(fitted.sample_weight_[10:], np.tile(weights[6:], 5))
    added = fitted.X_[10:].reshape(-1, 21, 3)
    assert np.isnan(added[:, :, 2]).all() and np.isfinite(added[:, :, :2]).all()
    with pytest.raises(ValueError, match="augment_rows"):
        ViewAugmentedClassifier(_Recorder()).fit(hands.reshape(10, -1), letters, augment_rows=chosen[:3])


def test_training_rows_weigh_each_photo_source_as_a_share_of_the_base_rows():
    from asl.classifiers.sources import training_rows

    base, letters = _hands(30).reshape(30, -1), np.array(["A", "B", "C"] * 10, dtype=object)
    photos = [(_hands(6).reshape(6, -1), np.array(["A"] * 6)), (_hands(3).reshape(3, -1), np.array(["B"] * 3))]
    rows = training_rows(base, letters, photos, share=0.5)
    assert len(rows.X) == len(rows.y) == 39
    np.testing.assert_array_equal(rows.sample_weight[:30], 1.0)
    assert rows.sample_weight[30:36].sum() == pytest.approx(15.0) and rows.sample_weight[36:].sum() == pytest.approx(15.0)
    assert rows.photo_weights == (2.5, 5.0)
    assert not rows.augment_rows[:30].any() and rows.augment_rows[30:].all()
    assert training_rows(base, letters, photos, augment_base=True).augment_rows.all()
    with pytest.raises(ValueError, match="share"):
        training_rows(base, letters, photos, share=-1.0)
