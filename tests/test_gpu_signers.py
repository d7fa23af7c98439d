"""`benchmarks/gpu_signers.py`: the ResNet50's signer folds run from a bundle (as on a GPU machine
without MediaPipe) fill the very cache that `asl compare --signers` reads, so nothing is trained again."""

from __future__ import annotations

import json
import shutil

import numpy as np
from conftest import load_benchmark, needs_asl_hg
from test_photo_table import small_asl_hg


@needs_asl_hg
def test_a_bundle_run_elsewhere_fills_the_cache_that_compare_reuses(small_mnist_dir, tmp_path, monkeypatch, capsys):
    import asl.cnn_baseline as cnn_baseline
    from asl.classifiers import DEFAULTS
    from asl.cnn_baseline import TrainSettings
    from asl.signers import cache_path, grouped_resnet

    monkeypatch.chdir(tmp_path)
    photos = small_asl_hg(tmp_path / "asl-hg", letters=("A", "B"), signers=("P1", "P2", "P3"))
    settings = TrainSettings(epochs=1, batch_size=32)
    gpu = load_benchmark("gpu_signers")
    gpu.prepare(tmp_path / "bundle", photos, small_mnist_dir, settings, n_folds=2)
    meta = json.loads((tmp_path / "bundle" / "meta.json").read_text())
    assert meta["folds"] == [["P1", "P3"], ["P2"]] and meta["settings"]["epochs"] == 1
    assert not (tmp_path / "data").exists() or not cache_path("resnet50", photos).exists()  # nothing cached yet

    gpu.run(tmp_path / "bundle", tmp_path / "out", "cpu")  # what the GPU machine runs
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(printed["per_signer"]) == {"P1", "P2", "P3"}
    cache_path("resnet50", photos).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "out" / meta["cache_name"], cache_path("resnet50", photos))  # brought back

    def no_training(*args, **kwargs):
        raise AssertionError("a fold was trained again: the bundle's key differs from compare's")

    monkeypatch.setattr(cnn_baseline.ResNetClassifier, "fit", no_training)
    reading = grouped_resnet(small_mnist_dir, photos, settings, DEFAULTS.share, n_folds=2, device="cpu")
    assert reading.params["device"] == "cpu" and reading.folds == [("P1", "P3"), ("P2",)]
    assert float(np.mean(reading.letters == reading.truth)) == printed["pooled"]


def test_a_missing_bundle_or_photo_folder_is_one_line_and_makes_nothing(tmp_path, capsys):
    import pytest

    gpu = load_benchmark("gpu_signers")
    with pytest.raises(SystemExit) as stop:
        gpu.main(["run", str(tmp_path / "none"), str(tmp_path / "out"), "--device", "cpu"])
    assert "not a bundle (no meta.json)" in str(stop.value.code) and "\n" not in str(stop.value.code)
    with pytest.raises(SystemExit) as stop:
        gpu.main(["prepare", str(tmp_path / "bundle"), "--photos", str(tmp_path / "no-photos")])
    assert "not a folder" in str(stop.value.code) and "\n" not in str(stop.value.code)
    assert not (tmp_path / "bundle").exists() and not (tmp_path / "out").exists()
