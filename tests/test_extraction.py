"""Landmark extraction: the table, its metadata, interruption and resume."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import write_csv

from asl import extraction
from asl.errors import AslError, Interrupted
from asl.extraction import extract_landmarks, read_table
from asl.landmarks import COORDINATES
from asl.landmarks import HandResult


class CountingLandmarker:
    """A fake landmarker: landmarks derived from the pixels; can stop with Ctrl-C on call N."""

    mode = "crop"

    def __init__(self, interrupt_at: int | None = None, tag: str = "a") -> None:
        self.calls, self.interrupt_at, self.tag = 0, interrupt_at, tag

    def settings(self) -> dict:
        return {"mode": "crop", "fake": self.tag}

    def __call__(self, image: np.ndarray) -> HandResult:
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        level = float(image.mean())
        points = np.full((21, 3), level, np.float32) + np.arange(63, dtype=np.float32).reshape(21, 3)
        return HandResult(found=level > 60, score=level / 255, handedness="Right", mode="crop", landmarks=points)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "CHUNK_ROWS", 10)
    monkeypatch.setattr(extraction, "TAIL_SPLIT", 1)  # chunks of 10 rows to the end (the quartered tail: below)
    rng = np.random.default_rng(1)
    folder = tmp_path / "raw"
    folder.mkdir()
    write_csv(folder / "sign_mnist_train.csv", rng.choice([0, 1, 2, 24], 35), rng.integers(0, 256, (35, 784)))
    write_csv(folder / "sign_mnist_test.csv", rng.choice([0, 1, 2, 24], 25), rng.integers(0, 120, (25, 784)))
    return folder


def run(data_dir, out, landmarker, **kwargs):
    return extract_landmarks(data_dir, split="all", out=out, landmarker_factory=lambda: landmarker, **kwargs)


def test_table_has_one_row_per_image_and_its_settings(data_dir, tmp_path):
    seen = []
    table = run(data_dir, tmp_path / "lm.parquet", CountingLandmarker(), progress=lambda d, t: seen.append((d, t)))
    assert len(table) == 60
    assert list(table["split"].unique()) == ["train", "test"]
    assert table.groupby("split")["row"].apply(list).to_dict() == {"train": list(range(35)), "test": list(range(25))}
    assert set(table["letter"]) <= {"A", "B", "C", "Y"}
    assert {"hand", "score", "handedness", "found_by", *COORDINATES} <= set(table.columns)
    assert seen[0] == (0, 60) and seen[-1] == (60, 60)
    meta = json.loads(pq.read_schema(tmp_path / "lm.parquet").metadata[b"asl"])
    assert meta["landmarker"] == {"mode": "crop", "fake": "a"}
    assert set(meta["source_sha256"]) == {"sign_mnist_train.csv", "sign_mnist_test.csv"}
    assert "mediapipe" in meta["versions"] and meta["rows"] == 60
    assert not (tmp_path / "lm.parquet.partial").exists()


def test_interrupted_run_keeps_finished_chunks_and_resumes_without_repeats(data_dir, tmp_path):
    out = tmp_path / "lm.parquet"
    with pytest.raises(Interrupted, match="20 of 60 images done"):
        run(data_dir, out, CountingLandmarker(interrupt_at=25))
    assert not out.exists()
    assert sorted(p.name for p in (tmp_path / "lm.parquet.partial").glob("*.parquet")) == [
        "train-000000.parquet", "train-000010.parquet"]

    resumed = CountingLandmarker()
    table = run(data_dir, out, resumed)
    assert resumed.calls == 40  # only the 40 images not done before
    assert not table.duplicated(["split", "row"]).any() and len(table) == 60
    fresh = run(data_dir, tmp_path / "fresh.parquet", CountingLandmarker())
    assert table.equals(fresh)


def test_a_partial_left_beside_the_finished_table_is_removed_when_it_is_reused(data_dir, tmp_path):
    """A run killed after writing the final file but before removing its chunks leaves both: the next
    run reuses the table without reading an image and removes the leftover chunks."""
    out = tmp_path / "lm.parquet"
    first = run(data_dir, out, CountingLandmarker())
    leftover = tmp_path / "lm.parquet.partial"
    leftover.mkdir()
    (leftover / "train-000000.parquet").write_bytes(b"half a chunk")
    again = CountingLandmarker()
    assert run(data_dir, out, again).equals(first) and again.calls == 0
    assert not leftover.exists()


def test_resume_with_other_settings_starts_over(data_dir, tmp_path):
    out = tmp_path / "lm.parquet"
    with pytest.raises(Interrupted):
        run(data_dir, out, CountingLandmarker(interrupt_at=25, tag="a"))
    other = CountingLandmarker(tag="b")
    run(data_dir, out, other)
    assert other.calls == 60


class FirstChunkBlind(CountingLandmarker):
    """Finds no hand at all in the first ten images (a whole chunk without handedness)."""

    def __call__(self, image: np.ndarray) -> HandResult:
        result = super().__call__(image)
        return HandResult.none("detect") if self.calls <= 10 else result


def test_chunk_without_any_hand_joins_the_table(data_dir, tmp_path):
    table = run(data_dir, tmp_path / "lm.parquet", FirstChunkBlind())
    assert len(table) == 60
    assert table["handedness"].iloc[:10].isna().all() and not table["hand"].iloc[:10].any()
    assert table.loc[10:, "handedness"].notna().any()
    assert table.loc[:9, COORDINATES].isna().all().all()


def test_read_table_refuses_other_files(tmp_path):
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(AslError, match="not a landmark table"):
        read_table(bad)
    with pytest.raises(AslError, match="not found"):
        read_table(tmp_path / "missing.parquet")


def test_real_extraction_with_two_worker_processes(small_mnist_dir, tmp_path):
    out = tmp_path / "lm.parquet"
    table = extract_landmarks(small_mnist_dir, split="test", out=out, workers=2, limit=120)
    assert len(table) == 120 and (table["split"] == "test").all()
    assert table["hand"].mean() >= 0.9
    hands = table.loc[table["hand"], COORDINATES]
    assert hands[[c for c in COORDINATES if c[0] != "z"]].notna().all().all()
    assert hands[[c for c in COORDINATES if c[0] == "z"]].isna().all().all()  # 28x28 crops have no depth
    _, meta = read_table(out)
    assert meta["landmarker"]["model_file"] == "hand_landmark_full.tflite"
    assert len(meta["landmarker"]["model_sha256"]) == 64 and meta["limit"] == 120


def test_up_to_date_table_is_reused_and_force_recomputes(data_dir, tmp_path):
    out = tmp_path / "lm.parquet"
    run(data_dir, out, CountingLandmarker())
    again = CountingLandmarker()
    assert len(run(data_dir, out, again)) == 60 and again.calls == 0
    other_settings = CountingLandmarker(tag="b")
    run(data_dir, out, other_settings)
    assert other_settings.calls == 60
    forced = CountingLandmarker(tag="b")
    run(data_dir, out, forced, force=True)
    assert forced.calls == 60


def test_a_worker_process_runs_opencv_on_one_thread():
    """Each worker builds its landmarker once, with OpenCV on one thread: the workers fill the cores, and
    OpenCV's own threads would take turns with the other workers' models."""
    import cv2

    from asl import chunks

    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        chunks.init_worker(lambda name: f"landmarker {name}", ("crop",))
        assert cv2.getNumThreads() == 1
        assert chunks._worker_state["landmarker"] == "landmarker crop"
    finally:
        cv2.setNumThreads(before)
        chunks._worker_state.clear()


def test_a_table_up_to_date_is_returned_without_reading_the_csvs(data_dir, tmp_path, monkeypatch):
    first = run(data_dir, tmp_path / "lm.parquet", CountingLandmarker())
    monkeypatch.setattr(extraction, "load_split", lambda *a, **k: pytest.fail("the CSVs were read again"))
    again = run(data_dir, tmp_path / "lm.parquet", CountingLandmarker())
    assert again.equals(first)


def test_a_damaged_csv_stops_the_workers_started_before_it_was_read(data_dir, tmp_path):
    """The worker processes start before the CSVs are read (they load their models meanwhile): a
    damaged CSV still stops the run with its one-line error, the workers are stopped with it and
    nothing is written."""
    import gc
    import multiprocessing
    import warnings

    images = np.random.default_rng(3).integers(0, 256, (25, 784))
    images[1, 5] = 300
    write_csv(data_dir / "sign_mnist_test.csv", [0] * 25, images)
    out = tmp_path / "lm.parquet"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AslError, match="line 3: pixel6 is 300, expected 0-255"):
            extract_landmarks(data_dir, split="all", out=out, workers=2)
        gc.collect()
    assert not multiprocessing.active_children()
    assert not [w for w in caught if "pool" in str(w.message)], "the pool was left to the garbage collector"
    assert not list(tmp_path.glob("lm.parquet*"))


def test_each_split_ends_in_smaller_chunks_which_run_last(data_dir, tmp_path, monkeypatch):
    """Each split's last rows come in quarter chunks (the worker pool hands them out after the whole ones:
    a worker then waits on another for a quarter of a chunk at most); every row is read once."""
    from asl.extraction import chunk_bounds

    monkeypatch.setattr(extraction, "CHUNK_ROWS", 256)
    monkeypatch.setattr(extraction, "TAIL_SPLIT", 4)
    for rows in (1, 63, 256, 600, 7172, 27455):
        bounds = chunk_bounds(rows)
        assert bounds[0][0] == 0 and bounds[-1][1] == rows and all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
        sizes = [stop - start for start, stop in bounds]
        assert max(sizes) <= 256 and all(size <= 64 for size in sizes[-2:])
        assert sum(size == 256 for size in sizes) == max(0, rows - 512) // 256
    monkeypatch.setattr(extraction, "CHUNK_ROWS", 8)
    seen = []
    table = run(data_dir, tmp_path / "lm.parquet", CountingLandmarker(), progress=lambda d, t: seen.append(d))
    assert list(zip(table["split"], table["row"])) == [("train", i) for i in range(35)] + [("test", i) for i in range(25)]
    assert np.diff(seen).tolist()[-10:] == [8] + [2] * 8 + [1]  # test: 25 rows, one whole chunk of 8 then quarters


def test_a_partial_folder_of_another_chunking_starts_over(data_dir, tmp_path, monkeypatch):
    """The chunk files are named by their first row: a partial folder left by a run that cut the rows
    otherwise is discarded, so that no row is lost or doubled."""
    out = tmp_path / "lm.parquet"
    with pytest.raises(Interrupted):
        run(data_dir, out, CountingLandmarker(interrupt_at=25))
    monkeypatch.setattr(extraction, "CHUNK_ROWS", 20)  # train-000000 would now hold 20 rows, not 10
    resumed = CountingLandmarker()
    table = run(data_dir, out, resumed)
    assert resumed.calls == 60 and len(table) == 60 and not table.duplicated(["split", "row"]).any()
    assert table.equals(run(data_dir, tmp_path / "fresh.parquet", CountingLandmarker()))
