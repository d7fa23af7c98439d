"""`asl extract-landmarks`: one Parquet row per Sign Language MNIST image, computed in parallel,
resumable (``asl.chunks``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from asl.chunks import Chunk, run_chunks
from asl.dataset import SPLITS, load_split, split_path
from asl.errors import AslError
from asl.files import sha256_of
from asl.landmarks import make_landmarker, read_all
from asl.provenance import code_version, versions
from asl.tables import HAND_FIELDS, coverage_by_letter, read_table, rows_from_results

__all__ = ["SCHEMA", "coverage_by_letter", "default_out", "extract_landmarks", "read_table"]

CHUNK_ROWS = 256  # rows per chunk
TAIL_SPLIT = 4  # each split's last rows in chunks of CHUNK_ROWS / TAIL_SPLIT rows (``chunk_bounds``)
SCHEMA = pa.schema([("split", pa.string()), ("row", pa.int32()), ("letter", pa.string()), *HAND_FIELDS])
DEFAULT_OUT_DIR = Path("data/processed")


def default_out(mode: str, split: str) -> Path:
    """``data/processed/landmarks-<mode>.parquet`` (all splits) or ``...-<mode>-<split>.parquet``."""
    suffix = "" if split == "all" else f"-{split}"
    return DEFAULT_OUT_DIR / f"landmarks-{mode}{suffix}.parquet"


def chunk_bounds(rows: int) -> list[tuple[int, int]]:
    """(start, stop) of a split's chunks: ``CHUNK_ROWS`` rows each, and the last two to three chunks' worth
    in ``TAIL_SPLIT`` parts. The small ones are handed out last (``asl.chunks``): at the end one worker then
    waits on another for a quarter of a chunk at most (about a second here), not a whole one."""
    tail = max(1, CHUNK_ROWS // TAIL_SPLIT)
    body = max(0, (rows - 2 * CHUNK_ROWS) // CHUNK_ROWS * CHUNK_ROWS)
    return ([(start, start + CHUNK_ROWS) for start in range(0, body, CHUNK_ROWS)]
            + [(start, min(start + tail, rows)) for start in range(body, rows, tail)])


def _read_chunk(landmarker, chunk: Chunk) -> pa.Table:
    split, start, images, letters = chunk.payload
    return pa.table({
        "split": [split] * len(images),
        "row": np.arange(start, start + len(images), dtype=np.int32),
        "letter": letters,
        **rows_from_results(read_all(landmarker, images)),
    }, schema=SCHEMA)


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
    cluster: str | None = None,
) -> pd.DataFrame:
    """Extract landmarks for ``split`` (train, test or all) into ``out``; returns the table.

    ``workers`` processes each hold one model (default: all cores; 1 runs in this process).
    ``progress(done, total)`` is called as chunks finish. ``landmarker_factory`` replaces the
    real model in this process (tests); it implies ``workers=1``. An existing ``out`` made with
    the same settings from the same CSVs is returned as it is, unless ``force``. ``cluster``: run
    the chunks on a Dask cluster instead (``asl.cluster``; the same table).
    """
    if split not in (*SPLITS, "all"):
        raise AslError(f"unknown split {split!r}; choose train, test or all")
    if limit is not None and limit < 1:
        raise AslError("--limit must be at least 1")
    splits = list(SPLITS) if split == "all" else [split]
    out = Path(out) if out else default_out(mode, split)
    workers = 1 if landmarker_factory else max(1, workers or os.cpu_count() or 1)

    sources = {s: split_path(data_dir, s) for s in splits}
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

    def chunks() -> list[Chunk]:  # the CSVs are read only where the table must be made
        data = {s: load_split(data_dir, s, limit) for s in splits}
        return [Chunk(f"{s}-{start:06d}.parquet", stop - start, (s, start, data[s][0][start:stop], data[s][1][start:stop]))
                for s in splits
                for start, stop in chunk_bounds(len(data[s][0]))]

    return run_chunks(out, settings, chunks, _read_chunk, SCHEMA, make_landmarker=make_landmarker,
                      landmarker_args=(mode, min_presence), landmarker=landmarker, workers=workers,
                      progress=progress, meta={"code_version": code_version()}, force=force,
                      cluster=cluster)
