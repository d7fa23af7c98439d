"""The `asl` command line end to end: train-rf, extract-landmarks and predict with the real models."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import skops.io as skops_io
from conftest import (PHOTOS_DIR, assert_clean, assert_one_line_error, invoke, json_lines, needs_photos,
                      rewrite_zip, write_csv)
from PIL import Image

from asl.dataset import HEADER

METRIC_KEYS = {
    "accuracy", "coverage", "accuracy_on_hand", "macro_f1", "per_letter_accuracy",
    "train_seconds", "params", "versions", "data_sha256",
}


# ---------------------------------------------------------------------------------------------
# Shared fixtures: one small real model, and a folder of real test images


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------------------------
# help


def test_help_lists_the_commands(in_tmp):
    result = invoke("--help")
    assert_clean(result)
    assert result.exit_code == 0
    from asl.cli import app

    names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    assert {"download", "extract-landmarks", "train-rf", "train-cnn", "predict", "compare", "evaluate-signers",
            "serve", "spell"} <= set(names)
    for command in names:
        assert command in result.stdout


# ---------------------------------------------------------------------------------------------
# train-rf


def test_train_rf_writes_model_and_metrics(trained, small_mnist_dir):
    model = trained["model"]
    assert model.is_file() and model.stat().st_size > 0
    assert trained["landmarks"].is_file()
    metrics_path = model.with_suffix(".json")
    assert metrics_path == trained["folder"] / "rf.json" and metrics_path.is_file()
    metrics = json.loads(metrics_path.read_text())
    assert METRIC_KEYS <= set(metrics)
    for key in ("accuracy", "coverage", "accuracy_on_hand", "macro_f1"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["accuracy"] > 0.2  # well above chance (1/24) even for a tiny forest
    assert metrics["n_images"] == 200
    assert metrics["params"]["n_estimators"] == 30 and metrics["params"]["seed"] == 0
    assert set(metrics["per_letter_accuracy"]) <= set("ABCDEFGHIKLMNOPQRSTUVWXY")
    assert all(0.0 <= v <= 1.0 for v in metrics["per_letter_accuracy"].values())
    import hashlib

    assert metrics["data_sha256"] == {
        name: hashlib.sha256((small_mnist_dir / name).read_bytes()).hexdigest()
        for name in ("sign_mnist_train.csv", "sign_mnist_test.csv")
    }
    assert "scikit-learn" in json.dumps(metrics["versions"]) or "sklearn" in json.dumps(metrics["versions"])
    out = trained["result"].stdout
    assert "extracting landmarks first" in out
    assert re.search(r"test split: accuracy \d+\.\d\d% over 200 images", out)
    assert f"wrote {model}" in out
    # no partial folders or temporary files are left behind
    leftovers = [p.name for p in trained["folder"].iterdir() if p.name.endswith((".tmp", ".partial"))]
    assert leftovers == []


def test_train_rf_same_seed_same_scores(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    again = tmp_path / "again" / "rf.skops"
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", again, "--n-estimators", 30)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    assert "extracting" not in result.stdout  # the table exists: no second extraction
    first = json.loads(trained["model"].with_suffix(".json").read_text())
    second = json.loads(again.with_suffix(".json").read_text())
    for key in ("accuracy", "coverage", "accuracy_on_hand", "macro_f1", "per_letter_accuracy", "data_sha256"):
        assert first[key] == second[key], key


def test_train_rf_rejects_zero_trees(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", tmp_path / "rf.skops",
                    "--n-estimators", 0)
    assert_clean(result)
    assert result.exit_code == 2, result.output
    assert "n-estimators" in result.stderr
    assert not (tmp_path / "rf.skops").exists()


def test_train_rf_rejects_a_file_that_is_not_a_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    garbage = tmp_path / "lm.parquet"
    garbage.write_bytes(b"this is not parquet\x00\x01\x02" * 50)
    result = invoke("train-rf", "--landmarks", garbage, "--model", tmp_path / "rf.skops")
    assert_one_line_error(result, "lm.parquet")
    assert not (tmp_path / "rf.skops").exists()
    assert not (tmp_path / "rf.json").exists()


# ---------------------------------------------------------------------------------------------
# extract-landmarks: bad inputs


def test_extract_with_no_csv_names_it_and_suggests_download(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out.parquet"
    result = invoke("extract-landmarks", "--data-dir", empty, "--out", out)
    assert_one_line_error(result, "sign_mnist_", "asl download", exit_code=1)
    assert not out.exists()
    assert not (tmp_path / "data").exists()


def test_extract_with_a_bad_header_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "raw"
    raw.mkdir()
    bad = ["label"] + [f"pixel{i}" for i in range(1, 785)]
    bad[5] = "pixelX"
    write_csv(raw / "sign_mnist_train.csv", [0, 1, 2], header=",".join(bad))
    write_csv(raw / "sign_mnist_test.csv", [0, 1, 2])
    out = tmp_path / "out.parquet"
    result = invoke("extract-landmarks", "--data-dir", raw, "--out", out)
    assert_one_line_error(result, "sign_mnist_train.csv", "line 1", exit_code=1)
    assert not out.exists()
    assert not out.with_name(out.name + ".partial").exists()


def test_extract_with_a_pixel_out_of_range_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "raw"
    raw.mkdir()
    images = np.full((4, 784), 100)
    images[2, 10] = 300  # data line 3 -> file line 4
    write_csv(raw / "sign_mnist_train.csv", [0, 1, 2, 3])
    write_csv(raw / "sign_mnist_test.csv", [0, 1, 2, 3], images)
    out = tmp_path / "out.parquet"
    result = invoke("extract-landmarks", "--data-dir", raw, "--out", out, "--split", "test")
    line = assert_one_line_error(result, "sign_mnist_test.csv", "line 4", "300", exit_code=1)
    assert HEADER[11] in line
    assert not out.exists()
    assert not out.with_name(out.name + ".partial").exists()


def test_extract_with_an_unknown_split_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("extract-landmarks", "--split", "bogus", "--out", tmp_path / "out.parquet")
    assert_clean(result)
    assert result.exit_code == 2
    assert "bogus" in result.stderr
    assert not (tmp_path / "out.parquet").exists()


# ---------------------------------------------------------------------------------------------
# predict


def test_predict_json_lines(trained, image_folder, in_tmp):
    folder, truth = image_folder
    result = invoke("predict", folder, "--model", trained["model"], "--mode", "crop", "--json")
    assert_clean(result)
    rows = json_lines(result)
    assert [Path(r["path"]).name for r in rows] == sorted(truth)
    assert result.exit_code in (0, 3), result.output
    assert (result.exit_code == 3) == any(not r["hand"] for r in rows)
    assert result.stderr.strip() == ""
    right = 0
    for row in rows:
        assert {"path", "letter", "probability", "top", "hand"} <= set(row)
        assert isinstance(row["hand"], bool)
        if not row["hand"]:
            assert row["letter"] is None and row["top"] == []
            continue
        top = row["top"]
        assert len(top) == 3
        assert all(len(t) == 2 and isinstance(t[0], str) and 0.0 <= t[1] <= 1.0 for t in top)
        probabilities = [t[1] for t in top]
        assert probabilities == sorted(probabilities, reverse=True)
        assert len({t[0] for t in top}) == 3
        assert row["letter"] == top[0][0] and row["probability"] == top[0][1]
        right += row["letter"] == truth[Path(row["path"]).name]
    assert right >= len(truth) // 2, rows


def test_predict_top_k(trained, image_folder, in_tmp):
    folder, truth = image_folder
    result = invoke("predict", folder, "--model", trained["model"], "--mode", "crop", "--json", "--top-k", 5)
    assert_clean(result)
    rows = json_lines(result)
    assert len(rows) == len(truth) and sum(row["hand"] for row in rows) >= len(truth) - 1
    for row in rows:
        assert len(row["top"]) == (5 if row["hand"] else 0), row
        probabilities = [p for _, p in row["top"]]
        assert probabilities == sorted(probabilities, reverse=True)


def test_predict_reads_other_formats_and_sizes(trained, test_images, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    image = test_images[0][0]
    grey = Image.fromarray(image)
    folder = tmp_path / "formats"
    folder.mkdir()
    grey.convert("RGB").save(folder / "a.jpg", quality=95)
    rgba = grey.convert("RGBA")
    rgba.putalpha(255)
    rgba.save(folder / "b_rgba.png")
    grey.save(folder / "c_grey.png")
    grey.convert("RGB").resize((300, 200), Image.BICUBIC).save(folder / "d_large.png")
    grey.resize((40, 90), Image.BICUBIC).save(folder / "e_tall.bmp")
    result = invoke("predict", folder, "--model", trained["model"], "--mode", "crop", "--json")
    assert_clean(result)
    assert result.exit_code in (0, 3), result.output
    assert result.stderr.strip() == ""
    rows = json_lines(result)
    assert [Path(r["path"]).name for r in rows] == ["a.jpg", "b_rgba.png", "c_grey.png", "d_large.png", "e_tall.bmp"]
    for row in rows:
        assert "error" not in row
        assert (row["letter"] is not None) == row["hand"]


def test_predict_exif_rotated_image_matches_upright(trained, test_images, tmp_path, monkeypatch):
    """A lossless PNG stored sideways with an EXIF Orientation gets the upright image's prediction."""
    monkeypatch.chdir(tmp_path)
    image = np.kron(test_images[0][3], np.ones((4, 4), np.uint8))  # 112x112
    Image.fromarray(image).save(tmp_path / "upright.png")
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.ascontiguousarray(np.rot90(image, k=1))).save(tmp_path / "sideways.png", exif=exif)
    result = invoke("predict", tmp_path / "upright.png", tmp_path / "sideways.png", "--model", trained["model"],
                    "--mode", "crop", "--json")
    assert_clean(result)
    upright, sideways = json_lines(result)
    for key in ("letter", "probability", "top", "hand"):
        assert upright[key] == sideways[key], key


def test_predict_unreadable_file_among_good_ones(trained, image_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder, truth = image_folder
    names = sorted(truth)[:3]
    bad = tmp_path / "x.png"
    bad.write_text("not an image at all\n")
    paths = [folder / names[0], bad, folder / names[1], folder / names[2]]
    result = invoke("predict", *paths, "--model", trained["model"], "--mode", "crop", "--json")
    assert_clean(result)
    assert result.exit_code == 4, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: ") and "x.png" in errors[0], result.stderr
    rows = json_lines(result)
    assert [Path(r["path"]).name for r in rows] == [names[0], "x.png", names[1], names[2]]
    assert rows[1]["letter"] is None and rows[1]["hand"] is False and "error" in rows[1]
    for row in (rows[0], rows[2], rows[3]):
        assert "error" not in row
        assert (row["letter"] is not None) == row["hand"]
    # human-readable output leaves the bad file to stderr only
    result = invoke("predict", *paths, "--model", trained["model"], "--mode", "crop")
    assert result.exit_code == 4
    assert "x.png" not in result.stdout
    assert len(result.stdout.strip().splitlines()) == 3


def huge_png_header(path: Path) -> Path:
    """A PNG claiming 30000x30000 pixels: over PIL's decompression-bomb limit."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def test_predict_oversized_image_is_an_error_line_not_a_crash(trained, one_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bomb = huge_png_header(tmp_path / "bomb.png")
    result = invoke("predict", bomb, one_image, "--model", trained["model"], "--mode", "crop", "--json")
    assert_clean(result)
    assert result.exit_code == 4, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "bomb.png" in errors[0]
    rows = json_lines(result)
    assert len(rows) == 2 and "error" in rows[0] and "error" not in rows[1]


def test_predict_folder_without_images_is_reported(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images\n")
    result = invoke("predict", empty, "--model", trained["model"], "--mode", "crop")
    assert_clean(result)
    assert result.exit_code == 4, result.output
    assert_one_line_error(result, "nothing-here", "no image files", exit_code=4)


def test_predict_missing_file_is_reported(trained, image_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder, truth = image_folder
    result = invoke("predict", folder / sorted(truth)[0], tmp_path / "nope.png", "--model", trained["model"],
                    "--mode", "crop", "--json")
    assert_clean(result)
    assert result.exit_code == 4
    assert "nope.png" in result.stderr and "error: " in result.stderr
    assert len(json_lines(result)) == 2


def test_predict_flat_grey_image_has_no_hand(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (64, 64), (128, 128, 128)).save(tmp_path / "grey.png")
    result = invoke("predict", tmp_path / "grey.png", "--model", trained["model"], "--mode", "crop", "--json")
    assert_clean(result)
    assert result.exit_code == 3, result.output
    assert result.stderr.strip() == ""
    (row,) = json_lines(result)
    assert row["letter"] is None and row["hand"] is False and row["top"] == []
    assert row["probability"] is None


def test_predict_human_readable(trained, image_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder, truth = image_folder
    Image.new("RGB", (64, 64), (128, 128, 128)).save(tmp_path / "grey.png")
    names = sorted(truth)[:4]
    paths = [folder / n for n in names] + [tmp_path / "grey.png"]
    result = invoke("predict", *paths, "--model", trained["model"], "--mode", "crop")
    assert_clean(result)
    assert result.exit_code == 3, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    assert lines[-1] == f"{tmp_path / 'grey.png'}: no hand found"
    pattern = re.compile(r"(?P<path>.+): (?P<letter>[A-Y]) (?P<p>[01]\.\d\d)(?: \(then [A-Y] [01]\.\d\d, [A-Y] [01]\.\d\d\))?$")
    for path, line in zip(paths[:4], lines[:4]):
        if line.endswith("no hand found"):
            continue
        found = pattern.match(line)
        assert found, line
        assert found["path"] == str(path)
        assert "(then " in line  # top-3 by default: two more letters


# ---------------------------------------------------------------------------------------------
# predict: model files it cannot use


def test_predict_missing_model(grey_image, tmp_path, monkeypatch):
    one_image = grey_image
    monkeypatch.chdir(tmp_path)
    result = invoke("predict", one_image, "--json")  # no models/ here
    assert_one_line_error(result, "models/rf-photos.skops", "models/rf.skops", "make run", exit_code=1)
    assert result.stdout.strip() == ""


def test_predict_reads_with_the_photo_model_by_default(trained, one_image, tmp_path, monkeypatch):
    """models/rf-photos.skops when it exists; else models/rf.skops, with a line saying so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    shutil.copy(trained["model"], tmp_path / "models" / "rf.skops")
    result = invoke("predict", one_image, "--mode", "crop", "--json")
    assert result.exit_code in (0, 3), result.output
    assert "models/rf-photos.skops is missing; reading with models/rf.skops" in result.stderr
    assert json.loads(result.stdout)["path"] == str(one_image)
    (tmp_path / "models" / "rf.skops").rename(tmp_path / "models" / "rf-photos.skops")
    result = invoke("predict", one_image, "--mode", "crop", "--json")
    assert result.exit_code in (0, 3) and result.stderr == "", result.output
    assert json.loads(result.stdout)["path"] == str(one_image)


def test_predict_corrupt_model(grey_image, tmp_path, monkeypatch):
    one_image = grey_image
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "rf.skops"
    model.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    result = invoke("predict", one_image, "--model", model)
    assert_one_line_error(result, "rf.skops", exit_code=1)


def test_predict_model_that_is_another_pickle(grey_image, tmp_path, monkeypatch):
    one_image = grey_image
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "rf.skops"
    skops_io.dump(["just", "a", "list"], model)
    result = invoke("predict", one_image, "--model", model)
    assert_one_line_error(result, "rf.skops", "not an asl model", exit_code=1)


def test_predict_incomplete_model_file(grey_image, tmp_path, monkeypatch):
    one_image = grey_image
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "rf.skops"
    skops_io.dump({"format": "asl-model", "format_version": 2, "kind": "landmarks", "pipeline": "x",
                   "landmarker": {}}, model)
    assert_one_line_error(invoke("predict", one_image, "--model", model), "rf.skops", "train-rf", exit_code=1)
    skops_io.dump({"format": "asl-model", "format_version": 2}, model)
    assert_one_line_error(invoke("predict", one_image, "--model", model), "rf.skops", "train-rf", exit_code=1)


def test_predict_model_from_a_future_format(grey_image, tmp_path, monkeypatch):
    one_image = grey_image
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "rf.skops"
    skops_io.dump({"format": "asl-model", "format_version": 99, "kind": "landmarks"}, model)
    result = invoke("predict", one_image, "--model", model)
    line = assert_one_line_error(result, "rf.skops", "99", exit_code=1)
    assert "retrain" in line or "train-rf" in line


def test_a_model_from_another_sklearn(trained, one_image, tmp_path, monkeypatch):
    """Its compiled forest (the same trees, independent of scikit-learn) still reads letters; its
    Pipeline, which another scikit-learn might rebuild wrongly, is refused with one line."""
    import sklearn
    from sklearn.base import BaseEstimator

    from asl.modelfile import COMPILED_FOREST, load_model, save_model

    monkeypatch.chdir(tmp_path)
    payload = load_model(trained["model"])
    original = BaseEstimator.__getstate__

    def old_state(self):
        state = original(self)
        if "_sklearn_version" in state:
            state["_sklearn_version"] = "0.0.1"
        return state

    model = tmp_path / "old.skops"
    with monkeypatch.context() as m:
        m.setattr(BaseEstimator, "__getstate__", old_state)
        save_model(model, payload["pipeline"], payload["landmarker"])
    result = invoke("predict", one_image, "--model", model, "--json")
    assert result.exit_code == 0, result.output
    assert json_lines(result)[0]["letter"] == json_lines(invoke("predict", one_image, "--model", trained["model"],
                                                                "--json"))[0]["letter"]
    without = tmp_path / "old-without-compiled.skops"
    rewrite_zip(model, without, {COMPILED_FOREST: None})
    result = invoke("predict", one_image, "--model", without)
    line = assert_one_line_error(result, "old-without-compiled.skops", "0.0.1", sklearn.__version__, exit_code=1)
    assert "train-rf" in line


# ---------------------------------------------------------------------------------------------
# real photos


@needs_photos
def test_predict_real_photos(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photos = []
    for letter_dir in sorted(p for p in PHOTOS_DIR.iterdir() if p.is_dir()):
        photos += sorted(letter_dir.glob("*.jpg"))[:2]
    assert len(photos) == 48
    result = invoke("predict", *photos, "--model", trained["model"], "--json")
    assert_clean(result)
    assert result.exit_code in (0, 3), result.output
    assert "error" not in result.stderr
    rows = json_lines(result)
    assert [r["path"] for r in rows] == [str(p) for p in photos]
    for row in rows:
        assert "error" not in row
        assert (row["letter"] is not None) == row["hand"]
        if row["hand"]:
            assert row["found_by"].removesuffix("+box") in ("detect", "crop", "detect-low", "detect-padded", "crop-small")
    assert (result.exit_code == 3) == any(not r["hand"] for r in rows)


@needs_photos
def test_predict_overlay_draws_each_photo(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photos = [sorted((PHOTOS_DIR / letter).glob("*.jpg"))[0] for letter in ("A", "L")]
    blank = tmp_path / "blank.png"
    Image.new("RGB", (80, 60), (128, 128, 128)).save(blank)
    out = tmp_path / "overlays"
    result = invoke("predict", *photos, blank, "--model", trained["model"], "--json", "--overlay", out)
    assert_clean(result)
    assert result.exit_code == 3, result.output  # the blank image has no hand
    rows = json_lines(result)
    assert [Path(r["overlay"]) for r in rows] == [out / f"{p.stem}.png" for p in (*photos, blank)]
    for row, source in zip(rows, (*photos, blank)):
        drawn = np.asarray(Image.open(row["overlay"]).convert("RGB"))
        original = np.asarray(Image.open(source).convert("RGB"))
        assert drawn.shape == original.shape
        changed = np.abs(drawn.astype(int) - original).sum(axis=2) > 60
        assert changed[:20].any()  # the label, top left
        if row["hand"]:  # the landmarks: green lines beyond the label
            green = (drawn[..., 1] > 200) & (drawn[..., 0] < 80) & (drawn[..., 2] < 80)
            assert green[40:].sum() > 50, row
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p.stem}.png" for p in (*photos, blank))


def test_predict_overlay_names_do_not_collide(trained, image_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder, _ = image_folder
    one = sorted(folder.iterdir())[0]
    result = invoke("predict", one, one, "--model", trained["model"], "--mode", "crop", "--overlay", tmp_path / "o")
    assert_clean(result)
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [f"{one.stem}-2.png", f"{one.stem}.png"]


def test_predict_overlay_into_a_file_is_one_error_line(trained, one_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("not a folder")
    result = invoke("predict", one_image, "--model", trained["model"], "--overlay", tmp_path / "taken")
    assert_one_line_error(result, "--overlay", "taken")


# ---------------------------------------------------------------------------------------------
# train-rf --extra


def make_extra(root: Path, layout: dict[str, list[Path]]) -> Path:
    """A --extra folder: ``layout`` maps a sub-path to the photos linked into it."""
    for sub, files in layout.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        for f in files:
            (root / sub / f.name).symlink_to(f)
    return root


@pytest.mark.parametrize("case, fragment", [
    ("missing", "not a folder"),
    ("empty", "no photos found"),
    ("loose file", "is not in a letter folder"),
    ("J folder", "'J' is not a letter"),
    ("folder not a letter", "hands/hand.png is not in a letter folder"),
    ("text file", "is not an image"),
])
def test_train_rf_extra_malformed_folder_is_one_error_line(trained, tmp_path, monkeypatch, case, fragment):
    monkeypatch.chdir(tmp_path)
    extra = tmp_path / "extra"
    png = tmp_path / "hand.png"
    Image.new("RGB", (32, 32)).save(png)
    if case != "missing":
        extra.mkdir()
    if case == "loose file":
        make_extra(extra, {"A": [png]})
        (extra / "loose.png").symlink_to(png)
    elif case in ("J folder", "folder not a letter"):
        make_extra(extra, {"A": [png], {"J folder": "J", "folder not a letter": "hands"}[case]: [png]})
    elif case == "text file":
        make_extra(extra, {"B": [png]})
        (extra / "B" / "notes.txt").write_text("hello")
    model = tmp_path / "m" / "rf.skops"
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 5,
                    "--extra", extra)
    assert_one_line_error(result, "--extra", fragment)
    assert not model.parent.exists()  # nothing written


@needs_photos
def test_train_rf_extra_adds_photos_and_says_so(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photos = {folder: sorted((PHOTOS_DIR / folder.upper()).glob("*.jpg"))[:2] for folder in ("A", "l")}
    extra = make_extra(tmp_path / "extra", photos)
    (extra / "l" / "broken.jpg").write_bytes(b"not a jpeg")  # listed, not fatal
    other = make_extra(tmp_path / "asl-hg", {"V": sorted((PHOTOS_DIR / "V").glob("*.jpg"))[:2]})
    model = tmp_path / "rf.skops"
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 10,
                    "--extra", extra, "--extra", other, "--extra-share", 0.5, "--workers", 1)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    assert re.search(rf"--extra {extra}: hand found in [34] of 5 photos \(1 could not be read\)", result.stdout), result.stdout
    assert (tmp_path / "data" / "processed" / "photos-extra.parquet").is_file()  # the cached photo table
    metrics = json.loads(model.with_suffix(".json").read_text())
    assert metrics["trained_on"] == "Sign Language MNIST and photos"
    mine, hg = metrics["extra"]
    assert mine["photos"] == 5 and mine["unreadable"] == 1 and mine["dir"] == str(extra.resolve())
    assert set(mine["per_letter"]) <= {"A", "L"} and sum(mine["per_letter"].values()) >= 3
    assert mine["credit"] is None and "CC BY 4.0" in hg["credit"] and metrics["credits"] == [hg["credit"]]
    base = json.loads(trained["model"].with_suffix(".json").read_text())
    assert base["trained_on"] == "Sign Language MNIST alone" and "extra" not in base
    for source in (mine, hg):  # each folder together weighs half the Sign Language MNIST rows
        assert source["share"] == 0.5
        assert source["weight"] == pytest.approx(0.5 * base["n_train"] / source["hands"], rel=1e-4)
    assert metrics["params"]["share"] == 0.5 and metrics["params"]["use_z"] is True
    assert metrics["params"]["crop_share"] == 0.5  # the crops' forest reads hand crops too
    from asl.extra import photo_rows
    from asl.tables import read_table

    readings = photo_rows(read_table(tmp_path / "data" / "processed" / "photos-extra.parquet")[0], extra)
    assert len(readings.X) > mine["hands"]  # a hand read from its box is read at three sizes: one row each
    assert metrics["n_train"] == base["n_train"] + len(readings.X) + len(photo_rows(
        read_table(tmp_path / "data" / "processed" / "photos-asl-hg.parquet")[0], other).X)
    from asl.modelfile import load_model

    assert type(load_model(model)["pipeline"]).__name__ == "CropBlendClassifier"
    assert type(load_model(trained["model"])["pipeline"]).__name__ == "ViewAugmentedClassifier"  # no photos: one forest
    # the photo model reads a hand's box upright, as its photos were read; the crops-only one as it is
    assert load_model(model)["landmarker"]["box_upright"] is True and metrics["landmarks"]["box_upright"] is True
    assert load_model(trained["model"])["landmarker"]["box_upright"] is False
    from asl.predictors import LandmarkPredictor

    assert LandmarkPredictor.load([model]).landmarker.upright is True
    assert LandmarkPredictor.load([trained["model"]]).landmarker.upright is False


# ---------------------------------------------------------------------------------------------
# torch stays out of the command line


def test_help_and_predict_do_not_import_torch(trained, one_image, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from typer.testing import CliRunner
        from asl.cli import app

        runner = CliRunner()
        result = runner.invoke(app, ["--help"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["predict", {str(one_image)!r}, "--model", {str(trained["model"])!r},
                                     "--mode", "crop", "--json"])
        assert result.exit_code in (0, 3), (result.output, result.exception)
        assert '"letter"' in result.stdout, result.output
        loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
        print("TORCH-MODULES", loaded)
        print("NO-TORCH-OK" if not loaded else "TORCH-LOADED")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "NO-TORCH-OK" in done.stdout, done.stdout + done.stderr


@needs_photos
def test_predict_prints_only_its_answer_line(trained, tmp_path):
    """No library log lines: MediaPipe, LiteRT and absl are quiet unless --verbose."""
    photo = sorted((PHOTOS_DIR / "L").glob("*.jpg"))[0]
    command = [sys.executable, "-m", "asl", "predict", str(photo), "--model", str(trained["model"])]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.count("\n") == 1 and done.stdout.startswith(f"{photo}: ")
    loud = subprocess.run([*command[:3], "--verbose", *command[3:]], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert loud.returncode == 0 and loud.stdout == done.stdout
    assert "XNNPACK" in loud.stderr or "W0000" in loud.stderr
