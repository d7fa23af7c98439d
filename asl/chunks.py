"""Long extraction jobs as chunks: run in worker processes (one landmarker each, built once),
each finished chunk kept as a Parquet file in ``<out>.partial/`` so that an interrupted run (Ctrl-C
or kill -9) resumes with nothing lost or repeated, and the table written to ``out`` only once whole.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from asl.errors import Interrupted
from asl.files import partial_path, write_atomic
from asl.locks import output_lock
from asl.tables import METADATA_KEY, cached_table


@dataclass(frozen=True)
class Chunk:
    """One unit of work: its file name in the partial folder, its size, and what the worker reads."""

    name: str
    size: int
    payload: Any


def write_table(table: pa.Table, path: Path) -> None:
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def _prepare_partial(partial: Path, settings: dict) -> None:
    """Create ``partial`` for these settings; chunks from other settings are discarded."""
    stamp = partial / "settings.json"
    if partial.is_dir():
        try:
            same = json.loads(stamp.read_text()) == json.loads(json.dumps(settings, sort_keys=True))
        except (OSError, ValueError):
            same = False
        if same:
            return
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    write_atomic(stamp, lambda tmp: tmp.write_text(json.dumps(settings, sort_keys=True)))


_worker_state: dict = {}


def init_worker(make_landmarker: Callable, args: tuple) -> None:
    """Build this worker process's landmarker, once (a local pool's initializer; a Dask worker plugin)."""
    _worker_state["landmarker"] = make_landmarker(*args)


def run_chunk(work: Callable, chunk: Chunk) -> tuple[Chunk, pd.DataFrame]:
    """One chunk in a worker process, with the landmarker ``init_worker`` built there."""
    return chunk, work(_worker_state["landmarker"], chunk)


def _run(chunks: list[Chunk], work: Callable, workers: int, make_landmarker: Callable, args: tuple,
         landmarker, recycle: int | None) -> Iterator[tuple[Chunk, pd.DataFrame]]:
    if workers == 1 or len(chunks) <= 1:
        _worker_state["landmarker"] = landmarker if landmarker is not None else make_landmarker(*args)
        for chunk in chunks:
            yield chunk, work(_worker_state["landmarker"], chunk)
        return
    from functools import partial as bind

    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(workers, len(chunks)), initializer=init_worker, initargs=(make_landmarker, args),
                        maxtasksperchild=recycle)
    try:
        yield from pool.imap_unordered(bind(run_chunk, work), chunks)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def run_chunks(out: Path, settings: dict, chunks: list[Chunk], work: Callable, schema: pa.Schema, *,
               make_landmarker: Callable, landmarker_args: tuple = (), landmarker=None, workers: int = 1,
               recycle: int | None = None, progress: Callable[[int, int], None] | None = None,
               meta: dict | None = None, force: bool = False, cluster: str | None = None) -> pd.DataFrame:
    """Run ``work(landmarker, chunk) -> DataFrame`` for every chunk not already done, in ``workers``
    processes (each builds ``make_landmarker(*landmarker_args)`` once; ``recycle``: a worker is
    replaced after that many chunks), or in this process with ``landmarker`` when ``workers`` is 1,
    or on the Dask cluster ``cluster`` (``asl.cluster``: an address or ``local[:N]``; one landmarker
    per Dask worker). Then write all chunks, in order, as one table to ``out`` with ``settings`` and
    ``meta`` in its metadata; returns it. The table does not depend on where the chunks ran. An
    ``out`` made with exactly ``settings`` is returned as it is, unless ``force``. One run at a time
    per ``out`` (``asl.locks``): a second is refused at once."""
    with output_lock(out):
        if cluster is not None:
            from functools import partial as bind

            from asl.cluster import run_on_cluster

            def runner(todo):  # the workers run this module's own worker functions
                return run_on_cluster(cluster, todo, bind(run_chunk, work),
                                      bind(init_worker, make_landmarker, landmarker_args))
        else:
            def runner(todo):
                return _run(todo, work, workers, make_landmarker, landmarker_args, landmarker, recycle)
        return _run_chunks(out, settings, chunks, schema, runner, progress, meta, force)


def _run_chunks(out, settings, chunks, schema, runner, progress, meta, force) -> pd.DataFrame:
    if out.is_file() and not force:
        cached = cached_table(out, settings)
        if cached is not None:
            shutil.rmtree(partial_path(out), ignore_errors=True)  # left by a run killed between writing out and this
            if progress:
                progress(len(cached), len(cached))
            return cached
    partial = partial_path(out)
    _prepare_partial(partial, settings)
    total = sum(c.size for c in chunks)
    todo = [c for c in chunks if not (partial / c.name).exists()]
    clock = partial / "seconds.txt"  # wall time spent so far, summed over interrupted runs
    try:
        spent = float(clock.read_text())
    except (OSError, ValueError):  # missing, or cut short by a kill
        spent = 0.0
    started = time.perf_counter() - spent
    done = total - sum(c.size for c in todo)
    results = runner(todo)  # a cluster connects here: an unreachable one fails before any progress
    if progress:
        progress(done, total)
    try:
        for chunk, frame in results:
            write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), partial / chunk.name)
            seconds = f"{time.perf_counter() - started:.2f}"
            write_atomic(clock, lambda tmp: tmp.write_text(seconds))
            done += chunk.size
            if progress:
                progress(done, total)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: {done} of {total} images done and kept in {partial}/; "
                          "run the same command again to resume") from None
    table = pa.concat_tables([pq.read_table(partial / c.name, schema=schema) for c in chunks])
    info = {**settings, **(meta or {}), "rows": table.num_rows, "seconds": round(time.perf_counter() - started, 1)}
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(info)})
    write_table(table, out)
    shutil.rmtree(partial)
    return table.to_pandas()
