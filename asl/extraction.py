"""`asl extract-landmarks`: one Parquet row per image, computed in parallel, resumable.

Finished chunks are kept in ``<out>.partial/`` as they complete; an interrupted run resumes from
them. The final file is written to a temporary name and renamed only once complete.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from asl.dataset import SPLITS, load_split, split_path
from asl.errors import AslError, Interrupted
from asl.provenance import code_version, sha256_of, versions
from landmarks import NUM_LANDMARKS, HandResult, make_landmarker

CHUNK_ROWS = 256
COORDINATES = [f"{axis}{i}" for i in range(NUM_LANDMARKS) for axis in "xyz"]
METADATA_KEY = b"asl"
SCHEMA = pa.schema(
    [("split", pa.string()), ("row", pa.int32()), ("letter", pa.string()), ("hand", pa.bool_()),
     ("score", pa.float32()), ("handedness", pa.string()), ("found_by", pa.string())]
    + [(name, pa.float32()) for name in COORDINATES]
)  # explicit, so that a chunk with no hand at all (all-null handedness) has the same types
DEFAULT_OUT_DIR = Path("data/processed")


def default_out(mode: str, split: str) -> Path:
    """``data/processed/landmarks-<mode>.parquet`` (all splits) or ``...-<mode>-<split>.parquet``."""
    suffix = "" if split == "all" else f"-{split}"
    return DEFAULT_OUT_DIR / f"landmarks-{mode}{suffix}.parquet"


def rows_from_results(results: list[HandResult]) -> dict[str, np.ndarray]:
    """Columns hand, score, handedness, found_by, x0..z20 for a list of results."""
    coords = np.full((len(results), 3 * NUM_LANDMARKS), np.nan, dtype=np.float32)
    for i, r in enumerate(results):
        if r.landmarks is not None:
            coords[i] = r.landmarks.reshape(-1)
    columns = {
        "hand": np.array([r.found for r in results], dtype=bool),
        "score": np.array([r.score for r in results], dtype=np.float32),
        "handedness": np.array([r.handedness for r in results], dtype=object),
        "found_by": np.array([r.mode for r in results], dtype=object),
    }
    columns.update({name: coords[:, j] for j, name in enumerate(COORDINATES)})
    return columns


_worker_landmarker = None


def _init_worker(mode: str, min_presence: float | None) -> None:
    global _worker_landmarker
    _worker_landmarker = make_landmarker(mode, min_presence)


def _run_chunk(task: tuple[str, int, np.ndarray, np.ndarray]) -> tuple[str, int, pd.DataFrame]:
    split, start, images, letters = task
    results = [_worker_landmarker(image) for image in images]
    frame = pd.DataFrame({
        "split": split,
        "row": np.arange(start, start + len(images), dtype=np.int32),
        "letter": letters,
        **rows_from_results(results),
    })
    return split, start, frame


def _chunk_file(partial: Path, split: str, start: int) -> Path:
    return partial / f"{split}-{start:06d}.parquet"


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _prepare_partial(partial: Path, settings: dict) -> None:
    """Create ``partial`` for these settings; chunks from other settings are discarded."""
    stamp = partial / "settings.json"
    if partial.is_dir():
        try:
            same = json.loads(stamp.read_text()) == settings
        except (OSError, ValueError):
            same = False
        if same:
            return
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    stamp.write_text(json.dumps(settings, sort_keys=True))


def extract_landmarks(
    data_dir: Path,
    split: str = "all",
    mode: str = "crop",
    out: Path | None = None,
    workers: int | None = None,
    limit: int | None = None,
    min_presence: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    landmarker_factory: Callable[[], object] | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Extract landmarks for ``split`` (train, test or all) into ``out``; returns the table.

    ``workers`` processes each hold one model (default: all cores; 1 runs in this process).
    ``progress(done, total)`` is called as chunks finish. ``landmarker_factory`` replaces the
    real model in this process (tests); it implies ``workers=1``. An existing ``out`` made with
    the same settings from the same CSVs is returned as it is, unless ``force``.
    """
    if split not in (*SPLITS, "all"):
        raise AslError(f"unknown split {split!r}; choose train, test or all")
    if limit is not None and limit < 1:
        raise AslError("--limit must be at least 1")
    splits = list(SPLITS) if split == "all" else [split]
    out = Path(out) if out else default_out(mode, split)
    workers = 1 if landmarker_factory else max(1, workers or os.cpu_count() or 1)

    sources = {s: split_path(data_dir, s) for s in splits}
    data = {s: load_split(data_dir, s, limit) for s in splits}
    try:
        landmarker = landmarker_factory() if landmarker_factory else make_landmarker(mode, min_presence)
    except ValueError as e:
        raise AslError(str(e)) from None
    settings = {
        "landmarker": landmarker.settings(),
        "splits": splits,
        "limit": limit,
        "source_sha256": sha256_of({SPLITS[s]: p for s, p in sources.items()}),
        "versions": versions(),
    }

    if out.is_file() and not force:
        cached = _cached_table(out, settings)
        if cached is not None:
            if progress:
                progress(len(cached), len(cached))
            return cached

    partial = out.with_name(out.name + ".partial")
    _prepare_partial(partial, settings)
    tasks = [
        (s, start, data[s][0][start : start + CHUNK_ROWS], data[s][1][start : start + CHUNK_ROWS])
        for s in splits
        for start in range(0, len(data[s][0]), CHUNK_ROWS)
    ]
    total = sum(len(t[2]) for t in tasks)
    todo = [t for t in tasks if not _chunk_file(partial, t[0], t[1]).exists()]
    clock = partial / "seconds.txt"  # wall time spent so far, summed over interrupted runs
    started = time.perf_counter() - (float(clock.read_text()) if clock.exists() else 0.0)
    done = total - sum(len(t[2]) for t in todo)
    if progress:
        progress(done, total)

    try:
        for s, start, frame in _run_tasks(todo, workers, mode, min_presence, landmarker):
            _write_atomic(pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False),
                          _chunk_file(partial, s, start))
            clock.write_text(f"{time.perf_counter() - started:.2f}")
            done += len(frame)
            if progress:
                progress(done, total)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: {done} of {total} images done and kept in {partial}/; "
            "run the same command again to resume"
        ) from None

    frames = [pq.read_table(_chunk_file(partial, s, start), schema=SCHEMA) for s, start, _, _ in tasks]
    table = pa.concat_tables(frames)
    meta = {**settings, "code_version": code_version(), "rows": table.num_rows,
            "seconds": round(time.perf_counter() - started, 1)}
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)})
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(table, out)
    shutil.rmtree(partial)
    return table.to_pandas()


def _run_tasks(tasks, workers, mode, min_presence, landmarker) -> Iterator[tuple[str, int, pd.DataFrame]]:
    global _worker_landmarker
    if workers == 1 or len(tasks) <= 1:
        _worker_landmarker = landmarker
        yield from map(_run_chunk, tasks)
        return
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(workers, len(tasks)), initializer=_init_worker, initargs=(mode, min_presence))
    try:
        yield from pool.imap_unordered(_run_chunk, tasks)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _cached_table(out: Path, settings: dict) -> pd.DataFrame | None:
    """The table in ``out`` if it was made with exactly ``settings``, else None."""
    try:
        table, meta = read_table(out)
    except AslError:
        return None
    return table if {k: meta.get(k) for k in settings} == settings else None


def read_table(path: Path) -> tuple[pd.DataFrame, dict]:
    """A landmark table and its settings metadata; a one-line error if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise AslError(f"{path} not found; create it with `asl extract-landmarks`")
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[METADATA_KEY])
    except (pa.ArrowException, OSError, KeyError, ValueError):
        raise AslError(f"{path} is not a landmark table written by asl; recreate it with `asl extract-landmarks`") from None
    return table.to_pandas(), meta


def coverage_by_letter(table: pd.DataFrame) -> pd.DataFrame:
    """Images, hands found and coverage per split and letter."""
    grouped = table.groupby(["split", "letter"])["hand"]
    return pd.DataFrame({"images": grouped.size(), "hands": grouped.sum(), "coverage": grouped.mean()})
