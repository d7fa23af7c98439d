"""Auto mode on real photos: each path that finds the hand, the hand's square box, hand crops."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PHOTOS_DIR, fresh_python, needs_photos

from asl.images import read_image
from asl.landmarks import make_landmarker
from asl.landmarks.handcrop import HAND_FILL, cut_box, hand_box, hand_crop, upright_turns
from asl.landmarks.photo import LOCATE_PATHS

# Photos of asl-photos-dev in which each path is the first to find the hand (measured).
FIRST_FOUND_BY = {
    "detect": "A/A0_jpg.rf.292a080422ba984985192f413101af41.jpg",
    "crop": "B/B3_jpg.rf.64dc52ffe5ef2168c1108afc30503111.jpg",
    "detect-low": "D/D11_jpg.rf.0e1fe6f1474bb8372d381b458576bece.jpg",
    "detect-padded": "E/E20_jpg.rf.17cd74f7da2ebe2651533a7c29bf40e9.jpg",
    "crop-small": "A/A23_jpg.rf.199528cc21bad70f9424a2cfb92d3207.jpg",
}


@pytest.fixture(scope="module")
def auto():
    return make_landmarker("auto")


def labelled_box(name: str, shape) -> tuple[float, float, float, float]:
    """The photo's labelled hand box from bboxes.csv, in pixels (x0, y0, x1, y1)."""
    import csv

    with open(PHOTOS_DIR / "bboxes.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["file"] == name)
    h, w = shape[:2]
    cx, cy, bw, bh = (float(row[k]) for k in ("x_center", "y_center", "width", "height"))
    return (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h


@needs_photos
@pytest.mark.parametrize("path", LOCATE_PATHS)
def test_each_path_finds_the_hand_in_its_labelled_box(auto, path):
    name = FIRST_FOUND_BY[path]
    image = read_image(PHOTOS_DIR / name)
    located = auto.locate(image)
    assert located.found and located.mode == path
    result = auto(image)
    assert result.found and result.mode == (path if path == "crop" else f"{path}+box")  # a crop is not re-cut
    assert result.landmarks.shape == (21, 3) and result.landmarks.dtype == np.float32
    x0, y0, x1, y1 = labelled_box(name, image.shape)
    cx, cy = result.landmarks[:, :2].mean(axis=0)
    assert x0 <= cx <= x1 and y0 <= cy <= y1, (cx, cy, (x0, y0, x1, y1))


def test_a_hand_crop_is_read_by_crop_mode_directly(auto, mnist_test_rows, monkeypatch):
    """Sign Language MNIST images (28x28) are hand crops: auto mode gives crop mode's own result,
    found or not, and never asks the palm detector (which frames 1-3% of them wrongly)."""
    from asl.landmarks.detect import DetectLandmarker

    monkeypatch.setattr(DetectLandmarker, "__call__", lambda self, image: pytest.fail("palm detector used on a crop"))
    for image in mnist_test_rows[0][:40]:
        result, crop = auto(image), auto.crop(image)
        assert result.mode == "crop" and result.found == crop.found and result.score == crop.score
        np.testing.assert_array_equal(result.landmarks, crop.landmarks)


def test_a_larger_image_still_asks_the_palm_detector_first(auto, monkeypatch):
    """An image just larger than a hand crop is a photo: the palm detector is asked first, on the image
    enlarged by a whole factor to at least ``PHOTO_MIN_SIDE`` a side."""
    from asl.landmarks.detect import DetectLandmarker
    from asl.landmarks.photo import HAND_CROP_SIDE, PHOTO_MIN_SIDE

    asked = []
    real = DetectLandmarker.__call__
    monkeypatch.setattr(DetectLandmarker, "__call__", lambda self, image: asked.append(image.shape) or real(self, image))
    side = HAND_CROP_SIDE + 1
    auto(np.full((side, side, 3), 128, np.uint8))
    factor = -(-PHOTO_MIN_SIDE // side)
    assert asked and asked[0][:2] == (side * factor, side * factor)
    assert side * (factor - 1) < PHOTO_MIN_SIDE <= side * factor


SMALL_PHOTO = "A/A11_jpg.rf.4126b388a474440c970d85a3b2a7bf09.jpg"  # at 64 px: found by the palm detector once enlarged


@needs_photos
def test_a_small_photo_is_read_enlarged_in_its_own_pixels(auto):
    """A photo shrunk to 64x64 (a video frame's size) is a photo, not a hand crop: the palm detector
    finds its hand in the image enlarged four times, the box is read there (with depth, as the photos a
    model trains on are), and the landmarks are the enlarged image's divided by four, inside the
    labelled hand box; ``locate`` then ``read_box`` give the same."""
    import cv2

    from asl.landmarks.photo import enlarged

    image = read_image(PHOTOS_DIR / SMALL_PHOTO)
    small = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)
    result = auto(small)
    big, factor = enlarged(small)
    assert factor == 4 and big.shape[:2] == (256, 256)
    direct = auto(big)
    assert result.found and result.mode == direct.mode == "detect+box"
    assert not np.isnan(result.landmarks).any()
    np.testing.assert_allclose(result.landmarks, direct.landmarks / 4, rtol=0, atol=1e-4)
    x0, y0, x1, y1 = np.multiply(labelled_box(SMALL_PHOTO, image.shape), 64 / np.array([image.shape[1], image.shape[0]] * 2))
    cx, cy = result.landmarks[:, :2].mean(axis=0)
    assert x0 <= cx <= x1 and y0 <= cy <= y1, (cx, cy, (x0, y0, x1, y1))
    located = auto.locate(small)
    np.testing.assert_allclose(located.landmarks, auto.locate(big).landmarks / 4, rtol=0, atol=1e-4)
    np.testing.assert_array_equal(auto.read_box(small, located).landmarks, result.landmarks)


def test_enlarged_takes_the_smallest_whole_factor():
    from asl.landmarks.photo import enlarged

    for shape, factor in (((64, 64, 3), 4), ((33, 20, 3), 8), ((100, 300, 3), 1), ((255, 10, 3), 2), ((256, 256, 3), 1)):
        image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
        big, f = enlarged(image)
        assert f == factor and big.shape == (shape[0] * f, shape[1] * f, 3)
        if f == 1:
            assert big is image


@pytest.mark.parametrize(("direction", "turns"), [((0, -1), 0), ((1, 0), 1), ((0, 1), 2), ((-1, 0), 3),
                                                  ((0.9, -1), 0), ((1, -0.9), 1), ((-1, -0.9), 3), ((0.2, 1), 2)])
def test_upright_turns_bring_the_fingers_up(direction, turns):
    """Quarter turns counter-clockwise (as ``np.rot90``) that point the wrist-to-knuckle line up (-y)."""
    landmarks = np.zeros((21, 3), np.float32)
    landmarks[0, :2], landmarks[9, :2] = (50, 50), np.add((50, 50), np.multiply(direction, 30))
    assert upright_turns(landmarks) == turns
    turned = np.rot90(np.zeros((100, 100)), turns)  # where the knuckle lands once the square is turned
    x, y = landmarks[9, :2] - 50
    for _ in range(turns):
        x, y = y, -x  # one counter-clockwise quarter turn of a vector in image coordinates
    assert turned.shape == (100, 100) and y < 0 and abs(x) <= abs(y)


def test_a_hand_read_with_turns_is_the_turned_image_read_upright(mnist_test_rows):
    """``crop(image, turns=k)`` reads ``np.rot90(image, k)`` and maps its landmarks back into ``image``."""
    from asl.landmarks.crop import CropLandmarker, View

    crop = CropLandmarker(views=(View(0.3),), min_presence=0.0)
    image = mnist_test_rows[0][0]
    for turns in (1, 2, 3):
        read = crop(image, turns)
        upright = crop(np.ascontiguousarray(np.rot90(image, turns)))
        assert read.score == pytest.approx(upright.score, abs=1e-5)
        back = read.landmarks[:, :2].astype(np.float64)
        for _ in range(turns):  # where each point of ``image`` lands in the turned image
            back = np.stack([back[:, 1], 28 - back[:, 0]], axis=1)
        np.testing.assert_allclose(back, upright.landmarks[:, :2], atol=0.05)


@needs_photos
def test_a_sideways_hand_is_read_upright_from_its_box(auto):
    """MediaPipe Hands finds an H pointing sideways; its box is read turned upright (the landmark model
    reads upright hands), and the landmarks still lie on the hand in the photo."""
    image = read_image(PHOTOS_DIR / "H/H2_jpg.rf.38670f1a9c2ae2036f3c80321491573c.jpg")
    located = auto.locate(image)
    assert located.mode == "detect" and upright_turns(located.landmarks) == 1
    result = auto(image)
    left, top, side = hand_box(located.landmarks)
    framed = auto.crop(cut_box(image, (left, top, side)), 1)
    np.testing.assert_allclose(result.landmarks[:, :2], framed.landmarks[:, :2] * side / round(side) + (left, top),
                               rtol=0, atol=0.5)
    spread = np.ptp(located.landmarks[:, :2], axis=0).max()
    assert np.median(np.linalg.norm(result.landmarks[:, :2] - located.landmarks[:, :2], axis=1)) < 0.15 * spread


@needs_photos
def test_a_model_of_crops_alone_reads_the_sideways_box_as_it_is(auto):
    """``upright=False`` (a model trained on Sign Language MNIST alone, whose H points sideways as
    signed): the same box, read without turning; the settings say so."""
    from asl.landmarks import box_upright

    image = read_image(PHOTOS_DIR / "H/H2_jpg.rf.38670f1a9c2ae2036f3c80321491573c.jpg")
    as_is = make_landmarker("auto", upright=False)
    located = as_is.locate(image)
    assert upright_turns(located.landmarks) == 1
    left, top, side = hand_box(located.landmarks)
    framed = as_is.crop(cut_box(image, (left, top, side)), 0)
    result = as_is(image)
    np.testing.assert_allclose(result.landmarks[:, :2], framed.landmarks[:, :2] * side / round(side) + (left, top),
                               rtol=0, atol=0.5)
    assert np.abs(result.landmarks[:, :2] - auto(image).landmarks[:, :2]).max() > 1  # not the upright reading
    assert as_is.settings()["box_upright"] is False and auto.settings()["box_upright"] is True
    assert box_upright({"box_upright": False}) is False
    assert box_upright({"min_presence": 0.5}) is True  # a model file from before the setting: read as it was


@needs_photos
def test_the_box_is_read_again_at_other_sizes(auto):
    """A hand read from its box is read at ``fill`` and again at each of ``MORE_FILLS`` (its
    ``readings``, in the photo's pixels, on the same hand); a hand crop's (``crop`` path) has none."""
    from asl.landmarks.photo import MORE_FILLS

    image = read_image(PHOTOS_DIR / FIRST_FOUND_BY["detect"])
    located, result = auto.locate(image), auto(image)
    assert result.mode == "detect+box" and len(result.readings) == len(MORE_FILLS) == 2
    spread = np.ptp(result.landmarks[:, :2], axis=0).max()
    for fill, points in zip(MORE_FILLS, result.readings):
        alone = make_landmarker("auto")
        alone.fill = fill
        np.testing.assert_allclose(points, alone.read_box(image, located).landmarks, rtol=0, atol=1e-4)
        assert np.median(np.linalg.norm(points[:, :2] - result.landmarks[:, :2], axis=1)) < 0.15 * spread
        assert np.abs(points - result.landmarks).max() > 0.1  # another reading, not a copy
    assert auto.settings()["more_fills"] == list(MORE_FILLS)
    assert auto(read_image(PHOTOS_DIR / FIRST_FOUND_BY["crop"])).readings == ()
    import cv2

    small = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)  # enlarged, read, mapped back
    read_small = auto(small)
    assert len(read_small.readings) == 2
    for points in read_small.readings:
        assert np.median(np.linalg.norm(points[:, :2] - read_small.landmarks[:, :2], axis=1)) < 0.15 * 64


def test_a_landmark_model_reads_a_hand_by_its_mean_over_its_readings():
    """``LandmarkPredictor.probabilities``: one model call; each hand's mean over its landmarks and
    readings; None without a hand."""
    from asl.landmarks import HandResult
    from asl.predictors import LandmarkPredictor

    class Model:
        classes_ = np.array(["A", "B"])
        calls = 0

        def predict_proba(self, X):
            self.calls += 1
            p = np.clip(X[:, :1] / 10, 0, 1)  # P(B) from the first number of the row
            return np.hstack([1 - p, p])

    def hand(*firsts):
        points = [np.full((21, 3), f, np.float32) for f in firsts]
        return HandResult(True, 1.0, None, "detect+box", points[0], readings=tuple(points[1:]))

    model = Model()
    out = LandmarkPredictor(model, landmarker=None).probabilities([hand(2, 4, 9), HandResult.none("auto"), hand(6)])
    assert model.calls == 1
    np.testing.assert_allclose(out[0], [1 - 0.5, 0.5])  # (0.2 + 0.4 + 0.9) / 3
    assert out[1] is None
    np.testing.assert_allclose(out[2], [0.4, 0.6])


@needs_photos
def test_box_landmarks_agree_with_the_located_hand(auto):
    """The box's landmarks are mapped back to the photo's pixels: they lie on the located hand."""
    image = read_image(PHOTOS_DIR / FIRST_FOUND_BY["detect"])
    located, result = auto.locate(image), auto(image)
    spread = np.ptp(located.landmarks[:, :2], axis=0).max()
    gap = np.linalg.norm(result.landmarks[:, :2] - located.landmarks[:, :2], axis=1)
    assert np.median(gap) < 0.15 * spread


def test_no_hand_in_a_blank_image(auto):
    assert not auto(np.full((120, 160, 3), 200, np.uint8)).found


@needs_photos
@pytest.mark.parametrize("size", [28, 64, None])
def test_hand_crop_is_a_square_grey_image_of_the_hand(auto, size):
    image = read_image(PHOTOS_DIR / FIRST_FOUND_BY["detect"])
    crop = hand_crop(image, auto.locate(image).landmarks, size=size)
    assert crop.dtype == np.uint8 and crop.ndim == 2 and crop.shape[0] == crop.shape[1]
    side = hand_box(auto.locate(image).landmarks)[2]
    assert crop.shape[0] == (size or round(side))
    assert crop.std() > 10  # a hand against a background, not a flat patch


@needs_photos
def test_crop_mode_finds_the_hand_again_in_a_28px_hand_crop(auto):
    """The crop looks like a Sign Language MNIST image: crop mode, trained on those, finds a hand
    in most (93-94% of the first 120 development photos' crops; one photo's crop is borderline)."""
    found = []
    for path in sorted(PHOTOS_DIR.glob("[AB]/*.jpg"))[:30]:
        image = read_image(path)
        located = auto.locate(image)
        if located.found:
            found.append(auto.crop(hand_crop(image, located.landmarks)).found)
    assert len(found) >= 25 and np.mean(found) >= 0.85, found


def test_hand_crop_of_a_whole_image_is_it_squared(mnist_test_rows):
    image = mnist_test_rows[0][0]
    assert np.array_equal(hand_crop(image, None), image)
    wide = np.pad(image, ((0, 0), (6, 6)), mode="edge")  # 28x40: squared by replicating rows
    assert hand_crop(wide, None, size=None).shape == (40, 40)


def test_hand_box_frames_the_landmarks():
    points = np.array([[10.0, 20.0, 0.0], [50.0, 40.0, 0.0], [30.0, 100.0, 0.0]])
    left, top, side = hand_box(points)
    assert side == pytest.approx(80 / HAND_FILL)
    assert (left + side / 2, top + side / 2) == pytest.approx((30.0, 60.0))
    with pytest.raises(ValueError, match="fill"):
        hand_box(points, fill=0.0)


def test_cut_box_replicates_the_edge_outside_the_image():
    image = np.zeros((40, 60, 3), np.uint8)
    image[:, 30:] = 255
    square = cut_box(image, (-10.0, -10.0, 20.0))
    assert square.shape == (20, 20, 3)
    assert (square == 0).all()  # the left, black half's edge, replicated
    small = cut_box(image, (20.0, 0.0, 40.0), size=10)
    assert small.shape == (10, 10, 3)
    assert small[:, :2].max() < 60 and small[:, 3:].min() > 200  # black up to x=30: 2.5 of 10 columns


@needs_photos
def test_the_low_threshold_detector_is_built_only_when_a_photo_needs_it():
    """Issue 13: a cold `asl predict` of a photo that MediaPipe Hands finds builds one detector."""
    landmarker = make_landmarker("auto")
    try:
        assert landmarker(read_image(PHOTOS_DIR / FIRST_FOUND_BY["detect"])).mode == "detect+box"
        assert landmarker._detect_low is None
        assert landmarker(read_image(PHOTOS_DIR / FIRST_FOUND_BY["detect-low"])).mode == "detect-low+box"
        assert landmarker._detect_low is not None and landmarker._detect_low.min_detection == landmarker.low_detection
    finally:
        landmarker.close()


def test_mediapipe_imports_without_matplotlib_or_its_tasks_api_and_both_still_work():
    """A fresh interpreter: importing mediapipe the way detect mode does leaves matplotlib and
    mediapipe's Tasks API (with sounddevice) unimported and Hands working; pyplot imported
    afterwards (and mediapipe's own reference to it) is the real one, and the Tasks API answers
    through ``mediapipe.tasks`` and through a later import, as with a plain ``import mediapipe``."""
    code = ("import sys; import numpy as np; from asl.landmarks.detect import import_mediapipe; mp = import_mediapipe(); "
            "print([m for m in ('matplotlib', 'matplotlib.pyplot', 'mediapipe.tasks.python', 'sounddevice') if m in sys.modules]); "
            "hands = mp.solutions.hands.Hands(static_image_mode=True); "
            "print(hands.process(np.zeros((64, 64, 3), np.uint8)).multi_hand_landmarks); hands.close(); "
            "from mediapipe.python.solutions import drawing_utils; import matplotlib; matplotlib.use('Agg'); "
            "import matplotlib.pyplot as plt; print(type(plt).__name__, callable(drawing_utils.plt.figure)); "
            "print(plt.figure().get_size_inches().tolist()); "
            "print(mp.tasks.BaseOptions.__name__); from mediapipe.tasks.python import vision; "
            "print(mp.tasks.vision is vision, sys.modules['mediapipe.tasks'].python is sys.modules['mediapipe.tasks.python'])")
    assert fresh_python(code)[:6] == ["[]", "None", "module True", "[6.4, 4.8]", "BaseOptions", "True True"]


@needs_photos
def test_the_video_tracker_reads_a_sideways_hand_upright_too(auto):
    """Spelling follows the hand with ``HandTracker``; it reads the box upright as auto mode does (the
    photo model learned from such readings), and keeps the turn while it follows the hand."""
    from asl.landmarks.tracking import BOX_PIXELS, HandTracker

    image = read_image(PHOTOS_DIR / "H/H2_jpg.rf.38670f1a9c2ae2036f3c80321491573c.jpg")
    tracker = HandTracker(auto.crop)
    first = tracker(image)
    assert first.mode == "detect+box"
    hand = tracker.detect.hands(image)[0]
    assert upright_turns(hand.landmarks) == 1
    left, top, side = box = hand_box(hand.landmarks)
    square = cut_box(image, box, min(BOX_PIXELS, max(1, int(round(side)))))
    want = auto.crop(square, 1).landmarks[:, :2] * side / square.shape[0] + (left, top)
    np.testing.assert_allclose(first.landmarks[:, :2], want, rtol=0, atol=0.5)
    followed = tracker(image)
    assert followed.mode == "track"
    spread = np.ptp(first.landmarks[:, :2], axis=0).max()
    assert np.median(np.linalg.norm(followed.landmarks[:, :2] - first.landmarks[:, :2], axis=1)) < 0.05 * spread
    as_is = HandTracker(auto.crop, detect=tracker.detect, upright=False)  # a model of crops alone
    want = auto.crop(square, 0).landmarks[:, :2] * side / square.shape[0] + (left, top)
    np.testing.assert_allclose(as_is(image).landmarks[:, :2], want, rtol=0, atol=0.5)
    assert as_is.settings()["box_upright"] is False and tracker.settings()["box_upright"] is True
