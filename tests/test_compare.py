"""`asl compare` on a small real subset: every report file, the hybrid rule, and bad photo folders."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from conftest import ASL_HG, PHOTOS_DIR, assert_clean, assert_one_line_error, invoke, needs_asl_hg, needs_mnist, needs_photos

from asl.evaluation import MODELS
from asl.photos import labelled_photos
from asl.classifiers import NO_HAND, hybrid_letters

FIGURES = [f"confusion-{m}.png" for m in MODELS] + ["per-letter.png"]


def test_hybrid_takes_the_surer_model_and_the_cnn_where_no_hand_was_found():
    letters, used = hybrid_letters(np.array(["A", NO_HAND, "C", "D"], dtype=object), np.array([0.9, 0.0, 0.3, 0.5]),
                                   np.array(["X", "Y", "Z", "W"], dtype=object), np.array([0.8, 0.1, 0.4, 0.5]))
    assert letters.tolist() == ["A", "Y", "Z", "D"] and used.tolist() == [True, False, False, True]


def test_labelled_photos_reads_letter_folders_in_either_case(tmp_path):
    for letter, names in {"a": ["1.jpg", "2.PNG", ".DS_Store"], "B": ["x.png"], ".thumbnails": ["t.jpg"]}.items():
        (tmp_path / letter).mkdir()
        for name in names:
            (tmp_path / letter / name).write_bytes(b"")
    (tmp_path / "labels.csv").write_text("files other than images beside the folders are fine")
    found = [(p.relative_to(tmp_path).as_posix(), letter) for p, letter in labelled_photos(tmp_path, "--photos")]
    assert found == [("B/x.png", "B"), ("a/1.jpg", "A"), ("a/2.PNG", "A")]


@pytest.mark.parametrize("layout, fragment", [
    ({"J/1.jpg": ""}, "folder 'J' is not a letter"),
    ({"hands/1.jpg": ""}, "hands/1.jpg is not in a letter folder"),
    ({"A/1.jpg": "", "loose.jpg": ""}, "loose.jpg is not in a letter folder"),
    ({"A/1.jpg": "", "A/readme.txt": ""}, "readme.txt is not an image"),
    ({}, "no photos found"),
])
def test_compare_refuses_a_bad_photo_layout_before_any_work(layout, fragment, tmp_path, monkeypatch, small_mnist_dir):
    monkeypatch.chdir(tmp_path)
    photos = tmp_path / "photos"
    photos.mkdir()
    for name, text in layout.items():
        (photos / name).parent.mkdir(parents=True, exist_ok=True)
        (photos / name).write_text(text)
    result = invoke("compare", "--photos", photos, "--data-dir", small_mnist_dir)
    assert_one_line_error(result, fragment, "DIR/<LETTER>/*", exit_code=1)
    assert not (tmp_path / "models").exists() and not (tmp_path / "reports").exists()


def test_compare_photos_not_a_folder(tmp_path, monkeypatch, small_mnist_dir):
    monkeypatch.chdir(tmp_path)
    result = invoke("compare", "--photos", tmp_path / "nowhere", "--data-dir", small_mnist_dir)
    assert_one_line_error(result, "--photos", "nowhere: not a folder", "DIR/<LETTER>/*", exit_code=1)


def test_compare_without_data_fails_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("compare", "--data-dir", tmp_path / "empty")
    assert_one_line_error(result, "sign_mnist_train.csv not found", "asl download", exit_code=1)


@needs_mnist
@needs_photos
def test_compare_on_a_small_subset_writes_every_file(small_mnist_dir, tmp_path, monkeypatch):
    """Trains the missing Random Forest (the ResNet50 is given), scores 200 test images and six
    real photos, and writes the whole report."""
    monkeypatch.chdir(tmp_path)
    cnn = tmp_path / "models" / "resnet50.pt"
    trained = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", cnn, "--epochs", 1, "--batch-size", 32,
                     "--lr", 0.05, "--device", "cpu")
    assert trained.exit_code == 0, trained.output
    photos = tmp_path / "photos"
    for letter in ("A", "L", "V"):
        (photos / letter).mkdir(parents=True)
        for source in sorted((PHOTOS_DIR / letter).glob("*.jpg"))[:2]:
            shutil.copy(source, photos / letter / source.name)

    result = invoke("compare", "--data-dir", small_mnist_dir, "--photos", photos, "--timing-images", 5)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "models" / "rf.skops").is_file() and (tmp_path / "models" / "rf.json").is_file()
    reports = tmp_path / "reports"
    expected = FIGURES + [f.replace(".png", "-photos.png") for f in FIGURES] + ["compare.md", "compare.json"]
    assert sorted(p.name for p in reports.iterdir()) == sorted(expected)
    for figure in expected[:-2]:
        assert (reports / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    report = json.loads((reports / "compare.json").read_text())
    test, shot = report["evaluations"]["test"], report["evaluations"]["photos"]
    assert test["n_images"] == 200 and shot["n_images"] == 6
    rf_metrics = json.loads((tmp_path / "models" / "rf.json").read_text())
    assert test["rows"]["random_forest"]["accuracy"] == pytest.approx(rf_metrics["accuracy"])
    cnn_metrics = json.loads(cnn.with_suffix(".json").read_text())
    assert test["rows"]["resnet50"]["accuracy"] == pytest.approx(cnn_metrics["accuracy"])
    for section in (test, shot):
        for model in MODELS:
            row = section["rows"][model]
            for key in ("accuracy", "coverage", "accuracy_where_hand_found", "macro_f1", "training_seconds",
                        "model_bytes", "peak_memory_train_mib", "peak_memory_inference_mib"):
                assert row[key] is not None, (model, key)
        assert section["rows"]["resnet50"]["coverage"] == 1.0 and section["rows"]["hybrid"]["coverage"] == 1.0
    for model in MODELS:
        assert test["rows"][model]["inference_batch_ms"] > 0 and test["rows"][model]["inference_single_ms"] > 0
        assert shot["rows"][model]["inference_ms_per_photo"] > 0
    hybrid = test["rows"]["hybrid"]
    assert hybrid["model_bytes"] == test["rows"]["random_forest"]["model_bytes"] + test["rows"]["resnet50"]["model_bytes"]

    markdown = (reports / "compare.md").read_text()
    assert f"asl compare --photos {photos} --timing-images 5 --data-dir {small_mnist_dir}" in markdown
    assert "Machine:" in markdown
    for figure in expected[:-2]:
        assert f"({figure})" in markdown
    for model in MODELS:
        assert re.search(rf"{model}\s+accuracy \d+\.\d\d%", result.stdout), result.stdout


@needs_mnist
@needs_asl_hg
def test_compare_photo_models_on_signers_they_never_saw(small_mnist_dir, tmp_path, monkeypatch):
    """`compare --extra HG --signers HG`: the missing Random Forest is trained with the photos, and
    a third section reads each signer's photos with models trained without that signer (the
    ResNet50's folds trained as the given one was: one epoch)."""
    monkeypatch.chdir(tmp_path)
    hg = tmp_path / "asl-hg"
    for letter in ("A", "B"):
        (hg / letter).mkdir(parents=True)
        for signer in ("P1", "P2", "P3"):
            shutil.copy(sorted((ASL_HG / letter).glob(f"{signer}_{letter}_*.jpg"))[0], hg / letter)
    cnn = tmp_path / "models" / "resnet50-photos.pt"
    trained = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", cnn, "--epochs", 1, "--batch-size", 32,
                     "--device", "cpu", "--extra", hg, "--workers", 1)
    assert trained.exit_code == 0, trained.output
    rf = tmp_path / "models" / "rf-photos.skops"
    result = invoke("compare", "--data-dir", small_mnist_dir, "--rf-model", rf, "--cnn-model", cnn, "--extra", hg,
                    "--signers", hg, "--timing-images", 5)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    assert json.loads(rf.with_suffix(".json").read_text())["trained_on"] == "Sign Language MNIST and photos"
    report = json.loads((tmp_path / "reports" / "compare.json").read_text())
    signers = report["evaluations"]["signers"]
    assert signers["n_images"] == 6 and set(signers["rows"]) == set(MODELS)
    assert any("3 folds (P1; P2; P3)" in note for note in signers["notes"])  # the forest: one signer per fold
    assert all(0.0 <= signers["rows"][m]["accuracy"] <= 1.0 for m in MODELS)
    assert "confusion-hybrid-signers.png" in report["figures"]
    for kind in ("random_forest", "resnet50"):  # each model's accuracy per signer beside the report
        per_signer = json.loads((tmp_path / "reports" / f"signers-{kind}.json").read_text())
        assert per_signer["model"] == kind and sorted(per_signer["per_signer"]) == ["P1", "P2", "P3"]
    assert f"--extra {hg}" in report["command"] and f"--signers {hg}" in report["command"]
    cached = {kind: tmp_path / "data" / "processed" / f"grouped-{kind}-asl-hg.parquet" for kind in ("random_forest", "resnet50")}
    made = {kind: path.stat().st_mtime_ns for kind, path in cached.items()}
    again = invoke("compare", "--data-dir", small_mnist_dir, "--rf-model", rf, "--cnn-model", cnn, "--signers", hg,
                   "--timing-images", 5)
    assert again.exit_code == 0, again.output
    assert {kind: path.stat().st_mtime_ns for kind, path in cached.items()} == made  # reused, not trained again
    reread = json.loads((tmp_path / "reports" / "compare.json").read_text())["evaluations"]["signers"]
    assert {m: reread["rows"][m]["accuracy"] for m in MODELS} == {m: signers["rows"][m]["accuracy"] for m in MODELS}
