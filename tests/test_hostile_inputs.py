"""Hostile and clumsy inputs (issue 14, first part): images refused from their header before any
pixel is decoded, large images read at a bounded size, files that are not regular files never
opened, and numeric options checked at parse time. Each gives a one-line message (or the
documented usage error), the documented exit code, and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_clean, assert_one_line_error, invoke, needs_mnist, write_csv
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
    (["train-rf", "--crop-share", "nan"], "--crop-share"),
    (["train-rf", "--crop-share", "1.5"], "--crop-share"),
    (["train-cnn", "--lr", "0"], "--lr"),
    (["train-cnn", "--lr", "nan"], "--lr"),
    (["train-cnn", "--seed", "-1"], "--seed"),
    (["evaluate-signers", "x", "--folds", "1"], "--folds"),
])
def test_numeric_options_are_checked_when_parsed(args, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    line = assert_one_line_error(result, option, exit_code=2)  # a usage error, before anything runs
    assert f"asl {args[0]} --help" in line
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("args, fragment", [
    (["predict"], "Missing argument"),
    (["predict", "x.png", "--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
    (["predict", "x.png", "--mode", "weird"], "weird"),
])
def test_usage_errors_are_one_line(args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(invoke(*args), fragment, exit_code=2)


def test_usage_errors_are_one_line_from_the_installed_command(tmp_path):
    """The console script itself (not only CliRunner): one line on stderr, exit 2, nothing on stdout."""
    proc = subprocess.run([sys.executable, "-m", "asl", "predict", "x.png", "--top-k", "0"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ") and "--top-k" in proc.stderr


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
    model = tmp_path / "rf.skops"
    (tmp_path / "rf.skops.lock").write_text(gone.stdout)  # that process has ended
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 5)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    assert model.is_file() and not (tmp_path / "rf.skops.lock").exists()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "rf.skops.lock").write_text(f"{sleeper.pid}\n")  # a run that is still going
        result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 5)
        assert_clean(result)
        assert result.exit_code == 1 and f"pid {sleeper.pid}" in result.stderr
    finally:
        sleeper.kill()


KILLED_RUN = """
import sys
from asl import extraction
extraction.CHUNK_ROWS = 40  # many chunk boundaries in a small table
from asl.cli import main
sys.argv = ["asl", *sys.argv[1:]]
main()
"""


@needs_mnist
def test_ten_kill_9s_during_extraction_lose_and_repeat_no_row(small_mnist_dir, tmp_path):
    """kill -9 (the whole process group, workers too) at ten moments of a real extraction, then let
    it finish: every resume starts cleanly, and the table is the uninterrupted run's, row for row."""
    import random
    import signal
    import time

    from asl.tables import read_table

    def command(out):
        return [sys.executable, "-c", KILLED_RUN, "extract-landmarks", "--data-dir", str(small_mnist_dir),
                "--split", "all", "--workers", "1", "--out", str(out)]

    out = tmp_path / "killed.parquet"
    rng = random.Random(0)
    chunks_seen = set()
    for _ in range(10):
        run = subprocess.Popen(command(out), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
        time.sleep(rng.uniform(0.5, 4.0))
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
        err = run.stderr.read().decode()
        run.stderr.close()
        assert "Traceback" not in err and "error:" not in err, err  # every start resumed cleanly
        chunks_seen |= {p.name for p in (tmp_path / "killed.parquet.partial").glob("*.parquet")}
        if out.exists():
            break
    assert len(chunks_seen) >= 2, "the kills never let a chunk finish: the test did not test resuming"
    final = subprocess.run(command(out), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    fresh = subprocess.run(command(tmp_path / "fresh.parquet"), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert fresh.returncode == 0, fresh.stderr
    killed, _ = read_table(out)
    whole, _ = read_table(tmp_path / "fresh.parquet")
    assert not killed.duplicated(["split", "row"]).any() and len(killed) == 600
    assert killed.drop(columns=[c for c in killed.columns if c.startswith("seconds")], errors="ignore").equals(
        whole.drop(columns=[c for c in whole.columns if c.startswith("seconds")], errors="ignore"))
    assert not list(tmp_path.glob("*.tmp")) and not (tmp_path / "killed.parquet.partial").exists()
    assert not (tmp_path / "killed.parquet.lock").exists()


@needs_mnist
def test_leftovers_of_a_killed_run_are_removed_by_the_next(trained, grey_image, tmp_path, monkeypatch):
    """Temporary files a kill -9 leaves (a model, its metrics, an overlay) are gone after the next run."""
    monkeypatch.chdir(tmp_path)
    model, overlays = tmp_path / "rf.skops", tmp_path / "overlays"
    overlays.mkdir()
    left = [tmp_path / "rf.skops.tmp", tmp_path / "rf.json.tmp", tmp_path / "rf.skops.partial.tmp",
            overlays / "grey.png.tmp"]
    for path in left:
        path.write_bytes(b"half")
    result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", model, "--n-estimators", 5)
    assert result.exit_code == 0, result.output
    result = invoke("predict", grey_image, "--model", model, "--overlay", overlays)
    assert result.exit_code in (0, 3), result.output
    assert not any(path.exists() for path in left)
    assert (overlays / "grey.png").is_file()


@needs_mnist
def test_a_model_is_never_read_with_another_models_metrics(trained, tmp_path, monkeypatch):
    """A run stopped between moving the model and its metrics into place: the metrics are refused."""
    import shutil

    monkeypatch.chdir(tmp_path)
    model = tmp_path / "rf.skops"
    shutil.copy(trained["model"], model)
    shutil.copy(trained["model"].with_suffix(".json"), tmp_path / "rf.json")
    from asl.errors import AslError
    from asl.trained import saved_result

    assert saved_result(model).model_sha256 == json.loads((tmp_path / "rf.json").read_text())["model_sha256"]
    model.write_bytes(model.read_bytes() + b"\0")  # a new model beside the old metrics
    with pytest.raises(AslError, match="belongs to another version of .*rf.skops; retrain"):
        saved_result(model)


def test_a_folder_is_read_in_batches_bounded_by_pixels(tmp_path):
    """Memory does not grow with a folder of large images: a batch is read once it holds
    ``batch_pixels`` decoded pixels, even before it holds ``batch`` images."""
    from asl.landmarks import HandResult
    from asl.predict import predict_files
    from asl.predictors.base import Reading

    class CountingPredictor:
        def __init__(self):
            self.batches = []

        def read(self, images):
            self.batches.append([image.shape[:2] for image in images])
            return [Reading(HandResult.none("crop")) for _ in images]

    for i in range(5):
        Image.fromarray(np.full((100, 100), 50 * i, np.uint8)).save(tmp_path / f"{i}.png")
    (tmp_path / "5.png").write_bytes(b"not an image")
    predictor = CountingPredictor()
    out = list(predict_files(predictor, [tmp_path], batch=64, batch_pixels=25_000))
    assert [p.path for p in out] == [str(tmp_path / f"{i}.png") for i in range(6)]  # in order
    assert out[-1].error and all(p.error is None for p in out[:-1])
    assert [len(b) for b in predictor.batches] == [3, 2]  # 30,000 pixels close the first batch


def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(tmp_path, monkeypatch):
    """(Tested by making the listing fail: as root, permissions would not stop it.)"""
    from asl.images import UnlistableFolder, iter_image_paths

    (tmp_path / "ok").mkdir()
    (tmp_path / "locked").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "ok" / "a.png")
    real = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(iter_image_paths([tmp_path]))
    assert found[0] == tmp_path / "ok" / "a.png"
    assert isinstance(found[1], UnlistableFolder) and found[1].path == tmp_path / "locked"
    assert "cannot list this folder (Permission denied)" in str(found[1])


@pytest.mark.parametrize("case", ["out-is-a-folder", "out-cannot-be-written", "csv-is-a-folder", "model-is-a-folder",
                                  "nul-in-csv"])
def test_paths_of_the_wrong_kind_get_one_line(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    rows = np.zeros((2, 784), np.int64)
    write_csv(data / "sign_mnist_train.csv", [0, 1], rows)
    write_csv(data / "sign_mnist_test.csv", [0, 1], rows)
    extract = ["extract-landmarks", "--data-dir", data, "--split", "test", "--workers", 1]
    if case == "out-is-a-folder":
        (tmp_path / "out").mkdir()
        assert_one_line_error(invoke(*extract, "--out", tmp_path / "out"), "is a folder", exit_code=1)
    elif case == "out-cannot-be-written":
        assert_one_line_error(invoke(*extract, "--out", "/proc/no/table.parquet"), "/proc/no", exit_code=1)
    elif case == "csv-is-a-folder":
        (data / "sign_mnist_test.csv").unlink()
        (data / "sign_mnist_test.csv").mkdir()
        assert_one_line_error(invoke(*extract, "--out", tmp_path / "t.parquet"), "is a folder, not the CSV", exit_code=1)
    elif case == "model-is-a-folder":
        (tmp_path / "m.skops").mkdir()
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "x.png")
        assert_one_line_error(invoke("predict", tmp_path / "x.png", "--model", tmp_path / "m.skops"),
                              "is a folder, not a model file", exit_code=1)
    else:
        text = (data / "sign_mnist_test.csv").read_bytes().replace(b"\n0,0,0", b"\n0,0\x002,0", 1)
        (data / "sign_mnist_test.csv").write_bytes(text)
        assert_one_line_error(invoke(*extract, "--out", tmp_path / "t.parquet"), "line 2", "NUL byte", exit_code=1)
    assert not list(tmp_path.glob("*.parquet*")) and not list(tmp_path.glob("*.tmp"))
