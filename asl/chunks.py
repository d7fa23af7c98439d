"""Long extraction jobs as chunks: run in worker processes (one landmarker each, built once),
each finished chunk kept as a Parquet file in ``<out>.partial/`` so that an interrupted run (Ctrl-C
or kill -9) resumes with nothing lost or repeated, and the table written to ``out`` only once whole.
"""

from __future__ import annotations

import hashlib
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


def one_opencv_thread() -> None:
    """OpenCV on one thread in this process. A worker is one of as many processes as there are cores,
    each running its own model: OpenCV's default thread per core would only take turns with the
    other workers' models (crop mode's upsampling: 0.19 -> 0.12 ms an image on 2 cores)."""
    import cv2

    cv2.setNumThreads(1)


def init_worker(make_landmarker: Callable, args: tuple) -> None:
    """Build this worker process's landmarker, once (a local pool's initializer; a Dask worker
    plugin), with OpenCV on one thread (``one_opencv_thread``)."""
    one_opencv_thread()
    _worker_state["landmarker"] = make_landmarker(*args)


def run_chunk(work: Callable, chunk: Chunk) -> tuple[Chunk, pa.Table]:
    """One chunk in a worker process, with the landmarker ``init_worker`` built there."""
    return chunk, work(_worker_state["landmarker"], chunk)


class _Local:
    """Runs chunks in ``workers`` spawned processes (a pool) or, with one worker or one chunk to do,
    in this process with ``landmarker``."""

    def __init__(self, work: Callable, workers: int, make_landmarker: Callable, args: tuple, landmarker,
                 recycle: int | None) -> None:
        self.work, self.workers, self.make_landmarker, self.args = work, workers, make_landmarker, args
        self.landmarker, self.recycle = landmarker, recycle
        self._pool = None

    def start(self, processes: int | None = None) -> None:
        """Start the worker processes now: they import and build their models while this process
        still makes the chunks (reads the CSVs)."""
        if self._pool is None and self.workers > 1:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(min(self.workers, processes or self.workers), initializer=init_worker,
                                      initargs=(self.make_landmarker, self.args), maxtasksperchild=self.recycle)

    def __call__(self, chunks: list[Chunk]) -> Iterator[tuple[Chunk, pa.Table]]:
        if self._pool is None and (self.workers == 1 or len(chunks) <= 1):
            return self._here(chunks)
        from functools import partial as bind

        self.start(len(chunks))
        # the smaller chunks last: they fill the end, where one worker would otherwise wait on another
        return self._pool.imap_unordered(bind(run_chunk, self.work), sorted(chunks, key=lambda c: -c.size))

    def _here(self, chunks: list[Chunk]) -> Iterator[tuple[Chunk, pa.Table]]:
        _worker_state["landmarker"] = self.landmarker if self.landmarker is not None else self.make_landmarker(*self.args)
        for chunk in chunks:
            yield chunk, self.work(_worker_state["landmarker"], chunk)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class _OnCluster:
    """Runs chunks on a Dask cluster (``asl.cluster``); its workers run this module's worker functions."""

    def __init__(self, cluster: str, work: Callable, make_landmarker: Callable, args: tuple) -> None:
        self.cluster, self.work, self.make_landmarker, self.args = cluster, work, make_landmarker, args

    def start(self) -> None:
        pass

    def __call__(self, chunks: list[Chunk]) -> Iterator[tuple[Chunk, pa.Table]]:
        from functools import partial as bind

        from asl.cluster import run_on_cluster

        return run_on_cluster(self.cluster, chunks, bind(run_chunk, self.work),
                              bind(init_worker, self.make_landmarker, self.args))

    def close(self) -> None:
        pass


def run_chunks(out: Path, settings: dict, chunks: list[Chunk] | Callable[[], list[Chunk]], work: Callable,
               schema: pa.Schema, *,
               make_landmarker: Callable, landmarker_args: tuple = (), landmarker=None, workers: int = 1,
               recycle: int | None = None, progress: Callable[[int, int], None] | None = None,
               meta: dict | None = None, force: bool = False, cluster: str | None = None) -> pd.DataFrame:
    """Run ``work(landmarker, chunk) -> pa.Table`` (the chunk's rows, with ``schema``: built where it
    runs, so the table crosses from a worker as Arrow buffers) for every chunk not already done, in ``workers``
    processes (each builds ``make_landmarker(*landmarker_args)`` once; ``recycle``: a worker is
    replaced after that many chunks), or in this process with ``landmarker`` when ``workers`` is 1,
    or on the Dask cluster ``cluster`` (``asl.cluster``: an address or ``local[:N]``; one landmarker
    per Dask worker). Then write all chunks, in order, as one table to ``out`` with ``settings`` and
    ``meta`` in its metadata; returns it. The table does not depend on where the chunks ran. An
    ``out`` made with exactly ``settings`` is returned as it is, unless ``force``. ``chunks`` may be a
    function that makes them: it is called only when the table must be made, after the local worker
    processes are started (they start in about a second, which then overlaps reading the input). One
    run at a time per ``out`` (``asl.locks``): a second is refused at once."""
    with output_lock(out):
        if cluster is not None:
            runner = _OnCluster(cluster, work, make_landmarker, landmarker_args)
        else:
            runner = _Local(work, workers, make_landmarker, landmarker_args, landmarker, recycle)
        try:
            return _run_chunks(out, settings, chunks, schema, runner, progress, meta, force)
        finally:
            runner.close()


def _run_chunks(out, settings, chunks, schema, runner, progress, meta, force) -> pd.DataFrame:
    if out.is_file() and not force:
        cached = cached_table(out, settings)
        if cached is not None:
            shutil.rmtree(partial_path(out), ignore_errors=True)  # left by a run killed between writing out and this
            if progress:
                progress(len(cached), len(cached))
            return cached
    if callable(chunks):
        runner.start()
        chunks = chunks()
    partial = partial_path(out)
    # the chunks' names and sizes are part of the stamp: a partial folder of another chunking starts over
    _prepare_partial(partial, {**settings, "chunks": hashlib.sha256(
        "".join(f"{c.name}\t{c.size}\n" for c in chunks).encode()).hexdigest()})
    total = sum(c.size for c in chunks)
    todo = [c for c in chunks if not (partial / c.name).exists()]
    clock = partial / "seconds.txt"  # wall time spent so far, summed over interrupted runs
    try:
        spent = float(clock.read_text())
    except (OSError, ValueError):  # missing, or cut short by a kill
        spent = 0.0
    started = time.perf_counter() - spent
    done = total - sum(c.size for c in todo)
    done_now: dict[str, pa.Table] = {}  # this run's chunks, kept: only earlier runs' are read back
    results = runner(todo)  # a cluster connects here: an unreachable one fails before any progress
    if progress:
        progress(done, total)
    try:
        for chunk, rows in results:
            if rows.schema != schema:
                raise TypeError(f"chunk {chunk.name}: its table's schema is not the table's ({rows.schema})")
            write_table(rows, partial / chunk.name)
            done_now[chunk.name] = rows
            seconds = f"{time.perf_counter() - started:.2f}"
            write_atomic(clock, lambda tmp: tmp.write_text(seconds))
            done += chunk.size
            if progress:
                progress(done, total)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: {done} of {total} images done and kept in {partial}/; "
                          "run the same command again to resume") from None
    table = pa.concat_tables([done_now[c.name] if c.name in done_now else pq.read_table(partial / c.name, schema=schema)
                             for c in chunks])
    info = {**settings, **(meta or {}), "rows": table.num_rows, "seconds": round(time.perf_counter() - started, 1)}
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(info)})
    write_table(table, out)
    shutil.rmtree(partial)
    return table.to_pandas()
