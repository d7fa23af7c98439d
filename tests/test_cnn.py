"""The ResNet50 baseline: its stem, augmentation, training on real images, saving, resuming,
the ImageNet weights path offline, and `asl train-cnn` / `asl predict --model *.pt`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import PHOTOS_DIR, assert_clean, assert_one_line_error, invoke, json_lines, needs_mnist, needs_photos

from asl.cnn_training import train_cnn
from asl.errors import Interrupted
from asl.cnn_baseline import Augmentation, ResNetClassifier, TrainSettings, WeightsUnavailable, make_resnet50
from asl.cnn_baseline.augment import to_augmented_input, to_input
from asl.cnn_baseline.model import imagenet_weights_path
from asl.landmarks.photo import LOCATE_PATHS

TINY = dict(epochs=2, batch_size=32, img_size=32, lr=0.05)


def test_grey_stem_equals_the_rgb_network_on_a_replicated_image():
    torch.manual_seed(0)
    from torchvision.models import resnet50

    rgb = resnet50(weights=None, num_classes=24).eval()
    grey = make_resnet50(24).eval()
    state = {k: v for k, v in rgb.state_dict().items() if k != "conv1.weight"}
    grey.load_state_dict({**state, "conv1.weight": rgb.conv1.weight.sum(dim=1, keepdim=True)})
    image = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(grey(image), rgb(image.repeat(1, 3, 1, 1)), atol=1e-4)
    assert grey.conv1.in_channels == 1 and grey.fc.out_features == 24


def test_unknown_weights_are_refused():
    with pytest.raises(ValueError, match="unknown weights"):
        make_resnet50(24, "imagenet21k")


def test_imagenet_weights_found_in_the_torch_cache(tmp_path, monkeypatch):
    from torchvision.models import resnet50

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = imagenet_weights_path()
    assert cached.is_relative_to(tmp_path)
    torch.manual_seed(1)
    placed = resnet50(weights=None).state_dict()
    cached.parent.mkdir(parents=True)
    torch.save(placed, cached)
    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda *a, **k: pytest.fail("tried to download"))
    model = make_resnet50(24, "imagenet")
    assert torch.equal(model.conv1.weight, placed["conv1.weight"].sum(dim=1, keepdim=True))
    assert torch.equal(model.layer4[2].conv3.weight, placed["layer4.2.conv3.weight"])


def test_imagenet_weights_missing_offline(tmp_path, monkeypatch):
    from urllib.error import URLError

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(WeightsUnavailable, match="not in the torch cache"):
        make_resnet50(24, "imagenet")


def test_augmentation_is_seeded_and_within_range():
    images = torch.as_tensor(np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8))
    a = to_augmented_input(images, 32, 0.5, 0.25, Augmentation(), torch.Generator().manual_seed(3))
    b = to_augmented_input(images, 32, 0.5, 0.25, Augmentation(), torch.Generator().manual_seed(3))
    c = to_augmented_input(images, 32, 0.5, 0.25, Augmentation(), torch.Generator().manual_seed(4))
    assert a.shape == (8, 1, 32, 32) and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= (0 - 0.5) / 0.25 - 1e-6 and a.max() <= (1 - 0.5) / 0.25 + 1e-6


def test_no_augmentation_is_plain_resizing():
    images = torch.as_tensor(np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8))
    still = Augmentation(rotation_degrees=0, shift=0, scale=0, brightness=0, contrast=0)
    a = to_augmented_input(images, 32, 0.4, 0.2, still, torch.Generator().manual_seed(0))
    assert torch.allclose(a, to_input(images, 32, 0.4, 0.2), atol=1e-5)


# ---------------------------------------------------------------------------------------------
# training on real images


@needs_mnist
def test_fit_learns_and_is_deterministic(mnist_test_rows):
    images, letters = mnist_test_rows
    first = ResNetClassifier(TrainSettings(**{**TINY, "epochs": 3}), device="cpu").fit(images, letters)
    again = ResNetClassifier(TrainSettings(**{**TINY, "epochs": 3}), device="cpu").fit(images, letters)
    assert [h.loss for h in first.history_] == [h.loss for h in again.history_]
    assert np.array_equal(first.predict_proba(images[:20]), again.predict_proba(images[:20]))
    # Learning shows in the training accuracy (over 288 images and 27 steps from scratch the loss
    # itself still swings during the one-cycle warm-up: with torch 2.14.1 it went 15.0 -> 16.9).
    assert first.history_[-1].accuracy > first.history_[0].accuracy
    proba = first.predict_proba(images[:5])
    assert proba.shape == (5, len(first.classes_)) and np.allclose(proba.sum(axis=1), 1, atol=1e-3)


@needs_mnist
def test_sample_weight_decides_which_images_an_epoch_draws(mnist_test_rows):
    """Only the images with weight are drawn: trained on the A images alone, every training batch
    is all A, so the training accuracy rises to nearly 1 (about 1/24 if the weights were ignored)."""
    images, letters = mnist_test_rows
    only_a = np.where(letters == "A", 1.0, 0.0)
    assert only_a.sum() >= 5
    model = ResNetClassifier(TrainSettings(**{**TINY, "epochs": 1}), device="cpu").fit(images, letters,
                                                                                       sample_weight=only_a)
    assert model.history_[-1].accuracy > 0.8 and len(model.classes_) == len(set(letters))
    for bad in (np.ones(3), -only_a, np.zeros(len(images)), np.full(len(images), np.nan)):
        with pytest.raises(ValueError, match="sample_weight"):
            ResNetClassifier(TrainSettings(**TINY), device="cpu").fit(images, letters, sample_weight=bad)


@needs_mnist
def test_state_round_trip_predicts_the_same(mnist_test_rows):
    images, letters = mnist_test_rows
    model = ResNetClassifier(TrainSettings(**{**TINY, "epochs": 1}), device="cpu").fit(images, letters)
    loaded = ResNetClassifier.from_state(model.state())
    assert np.array_equal(loaded.predict(images[:30]), model.predict(images[:30]))
    assert loaded.settings == model.settings and loaded.mean_ == model.mean_


@needs_mnist
def test_interrupted_training_resumes_to_the_same_model(small_mnist_dir, tmp_path):
    settings = TrainSettings(**TINY)
    whole = train_cnn(small_mnist_dir, tmp_path / "whole.pt", settings, device="cpu", log=lambda _: None)

    model = tmp_path / "resumed.pt"

    def stop_in_epoch_two(stats):
        if stats.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="1 of 2 epochs are kept"):
        train_cnn(small_mnist_dir, model, settings, device="cpu", on_batch=stop_in_epoch_two, log=lambda _: None)
    assert not model.exists() and model.with_name("resumed.pt.partial").exists()
    said = []
    resumed = train_cnn(small_mnist_dir, model, settings, device="cpu", log=said.append)
    assert any("resuming" in line and "epoch 1 of 2" in line for line in said)
    assert not model.with_name("resumed.pt.partial").exists()
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in whole.history]
    assert resumed.scores.accuracy == whole.scores.accuracy


@needs_mnist
def test_a_checkpoint_from_other_settings_is_not_resumed(small_mnist_dir, tmp_path):
    model = tmp_path / "m.pt"

    def stop(stats):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        train_cnn(small_mnist_dir, model, TrainSettings(**TINY), device="cpu", on_batch=stop, log=lambda _: None)
    said = []
    train_cnn(small_mnist_dir, model, TrainSettings(**{**TINY, "epochs": 1, "seed": 5}), device="cpu", log=said.append)
    assert not any("resuming" in line for line in said)


# ---------------------------------------------------------------------------------------------
# the command line


@pytest.fixture(scope="session")
def cnn_model(small_mnist_dir, tmp_path_factory):
    """`asl train-cnn` for two short epochs on 400 train images; scored on 200 test images."""
    model = tmp_path_factory.mktemp("cnn") / "resnet50.pt"
    result = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", model, "--epochs", 2,
                    "--batch-size", 32, "--lr", 0.05, "--device", "cpu")
    assert_clean(result)
    assert result.exit_code == 0, result.output
    return model, result


@needs_mnist
def test_train_cnn_writes_model_and_metrics(cnn_model, small_mnist_dir):
    model, result = cnn_model
    metrics = json.loads(model.with_suffix(".json").read_text())
    assert metrics["model"] == "resnet50" and metrics["n_images"] == 200 and metrics["n_train"] == 400
    assert metrics["coverage"] == 1.0 and 0 <= metrics["accuracy"] <= 1
    assert metrics["params"]["epochs"] == 2 and metrics["params"]["img_size"] == 32
    assert metrics["params"]["device"] == "cpu" and len(metrics["history"]) == 2
    assert set(metrics["data_sha256"]) == {"train", "test"} and "torch" in metrics["versions"]
    assert metrics["model_bytes"] == model.stat().st_size and metrics["peak_memory_mib"] > 0
    assert "test split: accuracy" in result.stdout and "epoch 2/2" in result.stderr


@needs_mnist
def test_predict_with_the_cnn(cnn_model, image_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model, _ = cnn_model
    folder, truth = image_folder
    result = invoke("predict", folder, "--model", model, "--mode", "crop", "--json", "--top-k", 2)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    rows = json_lines(result)
    assert len(rows) == len(truth)
    from asl.images import read_image
    from asl.modelfile import load_cnn_model
    from asl.landmarks.handcrop import hand_crop

    classifier = load_cnn_model(model)
    for row in rows:
        expected = classifier.predict(hand_crop(read_image(row["path"]), None)[None])[0]
        assert row["letter"] == expected and len(row["top"]) == 2


def test_train_cnn_imagenet_offline_is_one_line(tmp_path, monkeypatch, small_mnist_dir):
    from urllib.error import URLError

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda *a, **k: (_ for _ in ()).throw(URLError("offline")))
    result = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", tmp_path / "m.pt", "--weights", "imagenet",
                    "--epochs", 1, "--device", "cpu")
    assert_one_line_error(result, "not in the torch cache", "--weights none", exit_code=1)
    assert not (tmp_path / "m.pt").exists()


def test_train_cnn_unavailable_device_is_one_line(tmp_path, small_mnist_dir):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", tmp_path / "m.pt", "--device", "cuda")
    assert_one_line_error(result, "--device cuda is not available", exit_code=1)


@pytest.mark.parametrize("content, fragment", [
    (b"not a torch file", "not a readable asl ResNet50 model file"),
    ("dict", "not an asl ResNet50 model file"),
    ("future", "asl model format 99"),
    ("broken", "does not hold a ResNet50"),
])
def test_predict_with_a_bad_cnn_model_file(content, fragment, one_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        payload = {"dict": {"weights": [1, 2]},
                   "future": {"format": "asl-model", "format_version": 99, "kind": "resnet50"},
                   "broken": {"format": "asl-model", "format_version": 1, "kind": "resnet50", "classifier": {}}}[content]
        torch.save(payload, path)
    result = invoke("predict", one_image, "--model", path)
    assert_one_line_error(result, str(path), fragment, "asl train-cnn", exit_code=1)


def test_predict_with_a_missing_cnn_model(one_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("predict", one_image, "--model", "models/resnet50.pt")
    assert_one_line_error(result, "models/resnet50.pt not found", "asl train-cnn", exit_code=1)


@needs_mnist
@needs_photos
def test_the_cnn_reads_a_photo_through_the_hand_box(cnn_model):
    """Auto mode: the network's input is the hand's square box, grey, 28x28, as hand_crop cuts it,
    around the landmarks the photo tables hold for it (auto mode's, read from the box)."""
    from asl.images import read_image
    from asl.landmarks.handcrop import hand_crop
    from asl.predictors import CnnPredictor, load_predictor

    predictor = load_predictor(cnn_model[0], mode="auto")
    assert isinstance(predictor, CnnPredictor)
    photo = read_image(sorted((PHOTOS_DIR / "L").glob("*.jpg"))[0])
    [result], [network_input] = predictor.network_inputs([photo])
    assert result.found and result.mode.removesuffix("+box") in LOCATE_PATHS
    assert np.array_equal(network_input, hand_crop(photo, result.landmarks, 28))
    from asl.landmarks import make_landmarker

    np.testing.assert_array_equal(result.landmarks, make_landmarker("auto")(photo).landmarks)
    assert result.mode.endswith("+box") and result.readings == ()  # the box read once: no landmark model to average
    [reading] = predictor.read([photo])
    assert len(reading.top) == 3 and reading.letter in predictor.classifier.classes_
    assert reading.found_by == result.mode


@needs_mnist
@needs_photos
def test_the_hybrid_locates_each_photo_once_and_keeps_each_models_own_answer(cnn_model, trained, monkeypatch):
    """Auto mode: one locate per photo, shared by both models; the result equals the two predictors
    run alone, combined by the hybrid rule."""
    from asl.classifiers import NO_HAND, hybrid_letters
    from asl.images import read_image
    from asl.landmarks.photo import PhotoLandmarker
    from asl.predictors import HybridPredictor, load_predictor

    photos = [read_image(sorted((PHOTOS_DIR / letter).glob("*.jpg"))[0]) for letter in ("A", "L", "V")]
    alone_rf = load_predictor(trained["model"]).read(photos)
    alone_cnn = load_predictor(cnn_model[0]).read(photos)
    calls = []
    locate = PhotoLandmarker.locate
    monkeypatch.setattr(PhotoLandmarker, "locate", lambda self, image: calls.append(1) or locate(self, image))
    predictor = load_predictor([trained["model"], cnn_model[0]])
    assert isinstance(predictor, HybridPredictor)
    assert predictor.cnn.locator is predictor.landmarks.landmarker  # one landmarker built, not two
    hybrid = predictor.read(photos)
    assert len(calls) == len(photos)
    _, keep = hybrid_letters([r.letter or NO_HAND for r in alone_rf], [r.probability or 0.0 for r in alone_rf],
                             [c.letter for c in alone_cnn], [c.probability for c in alone_cnn])
    for reading, rf, cnn, rf_kept in zip(hybrid, alone_rf, alone_cnn, keep):
        assert reading.hand.mode == rf.hand.mode and np.array_equal(reading.hand.landmarks, rf.hand.landmarks)
        assert reading.top == (rf.top if rf_kept else cnn.top)


@needs_mnist
def test_the_cnn_in_detect_mode_gives_no_letter_without_a_hand(cnn_model):
    from asl.predictors import load_predictor

    [reading] = load_predictor(cnn_model[0], mode="detect").read([np.full((90, 120, 3), 128, np.uint8)])
    assert not reading.hand.found and reading.top == () and reading.letter is None


@needs_mnist
def test_the_cnn_reads_a_hand_crop_whole_in_auto_mode_as_in_crop_mode(cnn_model, mnist_test_rows):
    """A Sign Language MNIST image is a hand crop: auto mode gives the network the whole image, so
    `asl predict` in its default mode reads the test split as `asl compare` (crop mode) does."""
    from asl.predictors import load_predictor

    images = list(mnist_test_rows[0][:12])
    auto = load_predictor(cnn_model[0], mode="auto")
    hands, inputs = auto.network_inputs(images)
    assert all(hand.mode == "crop" for hand in hands)
    for image, network_input in zip(images, inputs):
        assert np.array_equal(network_input, image)
    crop = load_predictor(cnn_model[0], mode="crop")
    assert [r.top for r in auto.read(images)] == [r.top for r in crop.read(images)]


@needs_mnist
@needs_photos
def test_train_cnn_with_photos_reads_them_as_predict_does(small_mnist_dir, tmp_path, monkeypatch):
    """`train-cnn --extra`: each photo's input is what `asl predict` gives the network (the hand's
    box from the photo table's landmarks); the photos are weighted as a share and recorded."""
    from asl.extra import extra_pixels
    from asl.images import read_image
    from asl.predictors.resnet import CnnPredictor

    monkeypatch.chdir(tmp_path)
    extra = tmp_path / "photos"
    for letter in ("A", "B"):
        (extra / letter).mkdir(parents=True)
        for photo in sorted((PHOTOS_DIR / letter).glob("*.jpg"))[:2]:
            (extra / letter / photo.name).symlink_to(photo)
    model = tmp_path / "m.pt"
    result = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", model, "--epochs", 1, "--batch-size", 32,
                    "--device", "cpu", "--extra", extra, "--extra-share", 0.5, "--workers", 1)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    metrics = json.loads(model.with_suffix(".json").read_text())
    [source] = metrics["extra"]
    assert metrics["trained_on"] == "Sign Language MNIST and photos" and metrics["n_train"] == 400 + 4
    assert source["photos"] == 4 and source["share"] == 0.5 and source["weight"] == pytest.approx(0.5 * 400 / 4)
    pixels = extra_pixels(extra, workers=1)  # the cached photo table, read again
    predictor = CnnPredictor(classifier=None, mode="auto")
    for path, image in zip(sorted(extra.rglob("*.jpg")), pixels.images):
        _, [expected] = predictor.network_inputs([read_image(path)])
        np.testing.assert_array_equal(image, expected)
