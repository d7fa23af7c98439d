"""Hostile and clumsy inputs (issue 14, first part): images refused from their header before any
pixel is decoded, large images read at a bounded size, files that are not regular files never
opened, and numeric options checked at parse time. Each gives a one-line message (or the
documented usage error), the documented exit code, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import assert_clean, invoke, needs_mnist
from PIL import Image

from asl.images import ImageLimits, UnreadableImage, read_image


def _png(path, size, mode="L"):
    """A blank image of ``size`` (width, height); PNG compresses it to a few hundred bytes."""
    Image.new(mode, size).save(path)
    return path


@pytest.mark.parametrize("size, fragment", [((1, 50000), "ratio 50000:1"), ((20000, 4000), "80 megapixels")])
def test_an_image_over_the_limits_is_refused_from_its_header(tmp_path, size, fragment):
    """Refused before decoding: in a process limited to 2 GB of address space, with the same
    message as in this one (a decoded 20000x4000 RGB image alone would be 240 MB; the 1x50000 one
    aborted OpenCV before the limits)."""
    path = _png(tmp_path / "big.png", size)
    with pytest.raises(UnreadableImage, match=fragment):
        read_image(path)
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
        from asl.images import UnreadableImage, read_image
        try:
            read_image({str(path)!r})
        except UnreadableImage as e:
            print(e)
            sys.exit(0)
        sys.exit(1)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert fragment in run.stdout and run.stderr == ""


def test_limits_are_options_and_a_large_image_is_read_at_a_bounded_size(tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (3000, 4000, 3), dtype=np.uint8)).save(photo)
    image = read_image(photo)
    assert max(image.shape[:2]) <= ImageLimits().side and image.shape[2] == 3
    assert abs(image.shape[1] / image.shape[0] - 4 / 3) < 0.01  # the shape kept
    with pytest.raises(UnreadableImage, match="over the limit of 10"):
        read_image(photo, ImageLimits(megapixels=10))
    wide = _png(tmp_path / "wide.png", (300, 100))
    with pytest.raises(UnreadableImage, match="ratio 3:1"):
        read_image(wide, ImageLimits(aspect=2))
    assert read_image(wide).shape == (100, 300, 3)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_like_an_image_is_not_opened(tmp_path):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableImage, match="not a regular file"):
        read_image(fifo)  # opening it would block until a writer comes


@needs_mnist
def test_predict_reports_each_refused_image_and_reads_the_others(trained, one_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "mixed"
    folder.mkdir()
    _png(folder / "a-thin.png", (1, 50000))
    (folder / "b-good.png").write_bytes(one_image.read_bytes())
    os.mkfifo(tmp_path / "fifo.png")
    result = invoke("predict", folder, tmp_path / "fifo.png", "--model", trained["model"], "--mode", "crop", "--json")
    assert_clean(result)
    assert result.exit_code == 4, result.output  # some files could not be read; the others were
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert "ratio 50000:1" in errors[0] and "not a regular file" in errors[1]
    assert '"letter"' in result.stdout.splitlines()[1]  # b-good.png was read
    result = invoke("predict", folder / "b-good.png", "--model", trained["model"], "--mode", "crop",
                    "--max-megapixels", 0.0001)
    assert result.exit_code == 4 and "over the limit of 0.0001" in result.stderr


@pytest.mark.parametrize("args, option", [
    (["predict", "x.png", "--top-k", "0"], "--top-k"),
    (["predict", "x.png", "--top-k", "-1"], "--top-k"),
    (["predict", "x.png", "--max-aspect", "nan"], "--max-aspect"),
    (["extract-landmarks", "--workers", "0"], "--workers"),
    (["extract-landmarks", "--workers", "-3"], "--workers"),
    (["extract-landmarks", "--min-presence", "nan"], "--min-presence"),
    (["extract-landmarks", "--min-presence", "2.0"], "--min-presence"),
    (["extract-landmarks", "--min-presence", "-1"], "--min-presence"),
    (["extract-landmarks", "--limit", "0"], "--limit"),
    (["train-rf", "--seed", "-1"], "--seed"),
    (["train-rf", "--seed", "4294967296"], "--seed"),
    (["train-rf", "--extra-share", "nan"], "--extra-share"),
    (["train-rf", "--extra-share", "inf"], "--extra-share"),
    (["train-rf", "--max-samples", "nan"], "--max-samples"),
    (["train-cnn", "--lr", "0"], "--lr"),
    (["train-cnn", "--lr", "nan"], "--lr"),
    (["train-cnn", "--seed", "-1"], "--seed"),
    (["evaluate-signers", "x", "--folds", "1"], "--folds"),
])
def test_numeric_options_are_checked_when_parsed(args, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert_clean(result)
    assert result.exit_code == 2, result.output  # a usage error, before anything runs
    assert option in result.stderr
    assert not any(tmp_path.iterdir())  # nothing written


@needs_mnist
def test_two_extractions_on_one_table_the_second_is_refused(small_mnist_dir, tmp_path, monkeypatch):
    import time

    from asl.tables import read_table

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "lm.parquet"
    first = subprocess.Popen([sys.executable, "-m", "asl", "extract-landmarks", "--data-dir", str(small_mnist_dir),
                              "--split", "test", "--workers", "1", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / "lm.parquet.lock"
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock.exists(), "the first run never took its lock"
    second = invoke("extract-landmarks", "--data-dir", small_mnist_dir, "--split", "test", "--workers", 1, "--out", out)
    assert_clean(second)
    assert second.exit_code == 1
    [line] = second.stderr.strip().splitlines()
    assert line.startswith("error: ") and f"pid {first.pid}" in line
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    table, _ = read_table(out)
    assert len(table) == 200 and table["row"].tolist() == list(range(200))  # the first run's table, whole
    assert not lock.exists()


@needs_mnist
def test_a_lock_left_by_a_killed_run_is_taken_over(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    model = tmp_path / "rf.joblib"
    (tmp_path / "rf.joblib.lock").write_text(gone.stdout)  # that process has ended
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 5)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    assert model.is_file() and not (tmp_path / "rf.joblib.lock").exists()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "rf.joblib.lock").write_text(f"{sleeper.pid}\n")  # a run that is still going
        result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 5)
        assert_clean(result)
        assert result.exit_code == 1 and f"pid {sleeper.pid}" in result.stderr
    finally:
        sleeper.kill()
