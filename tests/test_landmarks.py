"""The real MediaPipe and LiteRT paths on real images from ../shared."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import PHOTOS_DIR, needs_photos

from asl.images import read_image
from asl.landmarks import make_landmarker
from asl.landmarks.crop import CropLandmarker, View


@pytest.fixture(scope="module")
def crop():
    return make_landmarker("crop")


@pytest.fixture(scope="module")
def detect():
    return make_landmarker("detect")


@pytest.fixture(scope="module")
def photos():
    """One photo per letter, with its labelled hand box in pixels (x0, y0, x1, y1)."""
    if not PHOTOS_DIR.is_dir():
        pytest.skip("../shared photos absent")
    chosen = {}
    with open(PHOTOS_DIR / "bboxes.csv") as f:
        for row in csv.DictReader(f):
            chosen.setdefault(row["letter"], row)
    out = []
    for row in chosen.values():
        image = read_image(PHOTOS_DIR / row["file"])
        h, w = image.shape[:2]
        cx, cy, bw, bh = (float(row[k]) for k in ("x_center", "y_center", "width", "height"))
        box = ((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
        out.append((row["file"], image, box))
    return out


def test_crop_mode_finds_hands_in_sign_language_mnist(crop, mnist_test_rows):
    images, _ = mnist_test_rows
    results = [crop(image) for image in images[:100]]
    found = [r for r in results if r.found]
    assert len(found) >= 93
    for r in found:
        assert r.mode == "crop" and r.landmarks.shape == (21, 3) and r.landmarks.dtype == np.float32
        assert r.handedness in ("Left", "Right") and 0.0 <= r.score <= 1.0
        # landmarks are in the 28x28 image's pixels: inside it, give or take a little
        assert (r.landmarks[:, :2] > -6).all() and (r.landmarks[:, :2] < 34).all()


def test_crop_mode_accepts_any_size_and_channels(crop, mnist_test_rows):
    image = mnist_test_rows[0][0]
    grey = crop(image)
    rgb = crop(np.repeat(image[:, :, None], 3, axis=2))
    rgba = crop(np.dstack([np.repeat(image[:, :, None], 3, axis=2), np.full((28, 28), 255, np.uint8)]))
    np.testing.assert_allclose(grey.landmarks, rgb.landmarks)
    np.testing.assert_allclose(grey.landmarks, rgba.landmarks)
    import cv2

    big = crop(cv2.resize(image, (112, 112), interpolation=cv2.INTER_CUBIC))  # the same picture, 4x
    assert big.found
    np.testing.assert_allclose(big.landmarks[:, :2] / 4, grey.landmarks[:, :2], atol=1.0)
    # an image of at most CROP_SIDE px a side has no depth; a larger one has
    from asl.landmarks.crop import CROP_SIDE

    assert np.isnan(grey.landmarks[:, 2]).all() and np.isfinite(grey.landmarks[:, :2]).all()
    assert np.isfinite(big.landmarks).all()
    at_limit = crop(cv2.resize(image, (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_CUBIC))
    above = crop(cv2.resize(image, (CROP_SIDE + 1, CROP_SIDE + 1), interpolation=cv2.INTER_CUBIC))
    assert np.isnan(at_limit.landmarks[:, 2]).all() and np.isfinite(above.landmarks).all()


def _turn(image: np.ndarray, view: View) -> np.ndarray:
    """What a view does to the image before the model: quarter turns, then the mirror."""
    turned = np.rot90(image, view.rotate)
    return np.ascontiguousarray(turned[:, ::-1] if view.mirror else turned)


def _unturn(points: np.ndarray, view: View, side: int) -> np.ndarray:
    """Landmarks found in the turned square image, mapped back to the original square."""
    out = points.astype(np.float64).copy()
    if view.mirror:
        out[:, 0] = side - out[:, 0]
    for _ in range(view.rotate):
        out[:, 0], out[:, 1] = side - out[:, 1], out[:, 0].copy()
    return out


@pytest.mark.parametrize("view", [View(0.15, mirror=True), View(0.3, rotate=1), View(0.15, mirror=True, rotate=3),
                                  View(0.0, rotate=2)])
def test_turned_views_map_back_to_the_original_image(mnist_test_rows, view):
    """A view that turns the image inside gives the landmarks of the image as it was."""
    image = mnist_test_rows[0][0]
    through_view = CropLandmarker(views=(view,), min_presence=0.0)(image)
    upright = View(view.pad, view.interpolation)
    on_turned = CropLandmarker(views=(upright,), min_presence=0.0)(_turn(image, view))
    np.testing.assert_allclose(through_view.landmarks, _unturn(on_turned.landmarks, view, 28), atol=0.05)
    assert through_view.score == pytest.approx(on_turned.score, abs=1e-5)
    if view.mirror:
        assert through_view.handedness != on_turned.handedness


def _reference_view(square: np.ndarray, view: View) -> np.ndarray:
    """Crop mode's view as OpenCV computes it on ``square``'s channels: upsample, replicate
    border, INTER_AREA, uint8 levels."""
    import cv2

    from asl.landmarks.crop import INPUT_SIZE, border_pixels

    interpolation = {"cubic": cv2.INTER_CUBIC, "linear": cv2.INTER_LINEAR}[view.interpolation]
    up = cv2.resize(np.rot90(square, view.rotate), (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation)
    if view.mirror:
        up = up[:, ::-1]
    k = border_pixels(view)
    up = cv2.resize(cv2.copyMakeBorder(up, k, k, k, k, cv2.BORDER_REPLICATE), (INPUT_SIZE, INPUT_SIZE),
                    interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(up, dtype=np.float32) / 255.0


def test_views_are_opencvs_border_and_inter_area_bit_for_bit():
    """view_input computes the border and INTER_AREA itself: the same float32 numbers as OpenCV's,
    for grey and RGB squares of several sizes (noise reaches every rounding case; steps and ramps
    give exact halves), in every view."""
    from asl.landmarks.crop import DEFAULT_VIEWS, view_input

    rng = np.random.default_rng(0)
    ramp = np.add.outer(np.arange(28), np.arange(28)).astype(np.uint8) * 4
    squares = [np.kron(ramp, np.ones((3, 3), np.uint8)),
               np.kron(rng.integers(0, 2, (7, 7)), np.ones((12, 12))).astype(np.uint8) * 255]
    squares += [rng.integers(0, 256, (side, side), dtype=np.uint8) for side in (65, 112, 300)]
    squares += [rng.integers(0, 256, (side, side, 3), dtype=np.uint8) for side in (65, 224, 401)]
    views = (*DEFAULT_VIEWS, View(0.05, "linear", rotate=2), View(0.5))
    for square in squares:
        for view in views:
            got = view_input(square, view)
            assert got.shape == (224, 224, 3) and got.dtype == np.float32
            want = _reference_view(square, view)
            want = want if want.ndim == 3 else np.repeat(want[:, :, None], 3, axis=2)
            np.testing.assert_array_equal(got, want, err_msg=f"{square.shape} {view}")
            into = np.full((224, 224, 3), np.nan, dtype=np.float32)  # written in place, as into the model's input
            assert view_input(square, view, out=into) is into
            np.testing.assert_array_equal(into, want, err_msg=f"out= {square.shape} {view}")
            if square.shape == (112, 112):  # whole-number ratio, grey: as if it were RGB, too
                rgb = np.repeat(square[:, :, None], 3, axis=2)
                np.testing.assert_array_equal(got, _reference_view(rgb, view), err_msg=f"RGB {view}")


def test_a_small_crop_is_upsampled_straight_to_its_framed_size():
    """A square of at most CROP_SIDE (a Sign Language MNIST crop) is resized once to the size it has inside
    its border, then bordered: OpenCV's own two calls, grey and RGB (channel by channel: a grey crop given
    as RGB reads as the grey one), every view; its framing is that of the larger squares' view (the same
    border, to a pixel)."""
    import cv2

    from asl.landmarks.crop import CROP_SIDE, DEFAULT_VIEWS, INPUT_SIZE, border_pixels, small_frame, view_input

    rng = np.random.default_rng(1)
    squares = [rng.integers(0, 256, (side, side), dtype=np.uint8) for side in (28, CROP_SIDE)]
    squares.append(rng.integers(0, 256, (28, 28, 3), dtype=np.uint8))
    for view in (*DEFAULT_VIEWS, View(0.05, "linear", rotate=2)):
        inner, before, after = small_frame(view)
        assert before + inner + after == INPUT_SIZE and abs(before - after) <= 1
        assert abs(inner / INPUT_SIZE - INPUT_SIZE / (INPUT_SIZE + 2 * border_pixels(view))) < 1 / INPUT_SIZE
        for square in squares:
            turned = np.rot90(square, view.rotate)
            channels = [turned] if square.ndim == 2 else [turned[:, :, c] for c in range(3)]
            up = np.dstack([cv2.resize(np.ascontiguousarray(c), (inner, inner),
                                       interpolation={"cubic": cv2.INTER_CUBIC, "linear": cv2.INTER_LINEAR}[view.interpolation])
                            for c in channels])
            up = up[:, ::-1] if view.mirror else up
            up = up[:, :, 0] if square.ndim == 2 else up
            want = np.pad(up, ((before, after), (before, after)) + ((0, 0),) * (up.ndim - 2), mode="edge")
            want = np.repeat(want[:, :, None], 3, axis=2) if want.ndim == 2 else want
            np.testing.assert_array_equal(view_input(square, view), want.astype(np.float32) / np.float32(255.0),
                                          err_msg=f"{square.shape} {view}")
            if square.ndim == 2:  # a grey crop given as RGB reads as the grey one (channel by channel)
                np.testing.assert_array_equal(view_input(np.dstack([square] * 3), view), view_input(square, view))


@pytest.mark.parametrize("side", [28, 64, 65, 150])
def test_view_pixels_map_back_to_the_squares_pixels(side):
    """``to_square_pixels`` undoes each view's framing, mirror and turn: a bright dot's centre in the model
    input maps back to the dot's centre in the square, for small crops (``small_frame``) and larger ones."""
    from asl.landmarks.crop import DEFAULT_VIEWS, to_square_pixels, view_input

    row, column = int(side * 0.3), int(side * 0.6)
    square = np.zeros((side, side), np.uint8)
    square[row, column] = 255
    for view in (*DEFAULT_VIEWS, View(0.05, "linear", rotate=2)):
        weights = view_input(square, view)[:, :, 0].astype(np.float64)
        centre = np.array([(weights.sum(axis=0) * (np.arange(224) + 0.5)).sum(),
                           (weights.sum(axis=1) * (np.arange(224) + 0.5)).sum(), 0.0]) / weights.sum()
        back = to_square_pixels(np.tile(centre, (21, 1)), view, side)[0]
        np.testing.assert_allclose(back[:2], (column + 0.5, row + 0.5), atol=0.05 * side / 28, err_msg=f"{view}")


def test_the_view_written_into_the_interpreter_reads_as_the_copied_one(mnist_test_rows):
    """Crop mode writes each view straight into LiteRT's input tensor (no copy): the model's outputs are
    those of the view passed through ``infer``, and no reference to the buffer is left behind (LiteRT
    refuses to run while one is)."""
    from asl.landmarks.crop import DEFAULT_VIEWS, scaled_view, view_input

    crop = CropLandmarker()
    for square in (mnist_test_rows[0][0], np.repeat(mnist_test_rows[0][1][:, :, None], 3, axis=2)):
        for view in DEFAULT_VIEWS[:3]:
            landmarks, presence, right = crop.infer_scaled(scaled_view(square, view))
            want = crop.infer(view_input(square, view))
            np.testing.assert_array_equal(landmarks, want[0])
            assert (presence, right) == want[1:]


def test_many_images_read_as_each_one_alone(mnist_test_rows):
    """``many`` computes each group's first views before any model run: its results are, field for field,
    those of trying the views one image at a time through ``infer`` (more than one group; images that
    need a second or later view; grey, RGB and non-square images mixed)."""
    from asl.landmarks.crop import GROUP, square_pad, to_square_pixels, view_input
    from asl.landmarks.modes import read_all

    crop = CropLandmarker()
    images = list(mnist_test_rows[0][:GROUP + 12])
    images[3] = np.repeat(images[3][:, :, None], 3, axis=2)
    images[GROUP + 1] = images[GROUP + 1][2:, :]
    images[GROUP + 5] = np.full((40, 40), 128, np.uint8)  # no hand: every view tried, the best kept
    got = crop.many(images)
    assert len(got) == len(images)
    tries = []
    for image, result in zip(images, got):
        square, left, top = square_pad(image)
        best = None
        for tried, view in enumerate(crop.views, start=1):
            landmarks, presence, right = crop.infer(view_input(square, view))
            if best is None or presence > best[1]:
                best = (view, presence, right, landmarks)
            if presence >= crop.min_presence:
                break
        tries.append(tried)
        view, presence, right, landmarks = best
        assert result.found == (presence >= crop.min_presence) and result.score == presence
        assert result.handedness == ("Right" if (1 - right if view.mirror else right) > 0.5 else "Left")
        want = to_square_pixels(landmarks, view, square.shape[0]) - (left, top, 0.0)
        np.testing.assert_array_equal(result.landmarks[:, :2], want[:, :2].astype(np.float32))
        assert np.isnan(result.landmarks[:, 2]).all()  # crops this small have no depth
    assert tries[GROUP + 5] == len(crop.views) and not got[GROUP + 5].found
    assert sum(1 < t < len(crop.views) for t in tries) >= 1, "these rows should include a hand found by a further view"
    for through in (read_all(crop, images[:5]), [crop(image) for image in images[:5]]):
        for a, b in zip(through, got[:5], strict=True):
            assert (a.found, a.score, a.handedness) == (b.found, b.score, b.handedness)
            np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_non_square_images_keep_their_coordinates(mnist_test_rows):
    """A non-square image's landmarks are those of its square padding, less the offsets."""
    from asl.landmarks.crop import square_pad

    crop = CropLandmarker(views=(View(0.3),), min_presence=0.0)
    for wide in (mnist_test_rows[0][0][:, 5:], mnist_test_rows[0][1][3:, :]):
        padded, left, top = square_pad(np.repeat(wide[:, :, None], 3, axis=2))
        assert (left, top) in ((0, 2), (1, 0), (2, 0), (0, 1))
        np.testing.assert_allclose(crop(wide).landmarks, crop(padded).landmarks - (left, top, 0), atol=1e-4)


def test_no_hand_in_a_blank_image(crop, detect):
    for image in (np.full((64, 64), 128, np.uint8), np.random.default_rng(0).integers(0, 256, (96, 96, 3), dtype=np.uint8)):
        assert not crop(image).found
        result = detect(image)
        assert not result.found and result.landmarks is None


@needs_photos
def test_detect_mode_finds_hands_inside_their_labelled_box(detect, photos):
    found = 0
    for name, image, (x0, y0, x1, y1) in photos:
        result = detect(image)
        if not result.found:
            continue
        found += 1
        assert result.mode == "detect" and result.landmarks.shape == (21, 3)
        cx, cy = result.landmarks[:, :2].mean(axis=0)
        mx, my = 0.25 * (x1 - x0), 0.25 * (y1 - y0)
        assert x0 - mx <= cx <= x1 + mx and y0 - my <= cy <= y1 + my, name
    assert found >= len(photos) // 2


@needs_photos
def test_auto_mode_finds_hands_in_photos_and_in_crops(photos, mnist_test_rows):
    auto = make_landmarker("auto")
    read = [auto(image) for _, image, _ in photos[:8]]
    assert "detect+box" in {r.mode for r in read}
    assert all(np.isfinite(r.landmarks).all() for r in read if r.found)  # a photo's hand has depth
    crops = [auto(image) for image in mnist_test_rows[0][:20]]
    assert sum(r.found and r.mode == "crop" for r in crops) >= 17


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode"):
        make_landmarker("guess")


def test_crop_settings_round_trip_through_make_landmarker():
    """A model's recorded crop settings rebuild the same landmarker (asl predict relies on it)."""
    original = CropLandmarker(views=(View(0.2, "linear", mirror=True, rotate=3),), min_presence=0.4)
    saved = original.settings()
    rebuilt = make_landmarker("crop", saved["min_presence"], saved["views"])
    assert rebuilt.settings() == saved
    assert make_landmarker("auto", 0.4, saved["views"]).crop.views == original.views
