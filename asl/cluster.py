"""Extraction and training on a Dask cluster (``pip install asl[cluster]``): `--cluster ADDRESS`
(a ``dask.distributed`` scheduler, e.g. ``tcp://host:8786``) or `--cluster local[:N]` (a
``LocalCluster`` of N single-threaded worker processes here).

Each Dask worker builds its landmarker once, through a worker plugin, and reads whole chunks (the
chunk runner's units: Sign Language MNIST pixels, or the paths of photos, which the workers read
themselves); the client writes each finished chunk into the same ``<out>.partial/`` as a local run,
so a cluster run resumes, and ends in the same table, exactly as a local one. Dask retries the
chunk of a worker that dies on another worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from asl.errors import AslError

LOCAL = re.compile(r"^local(?::(\d+))?$")
CONNECT_SECONDS = 20


def _client_or_fail():
    try:
        from dask.distributed import Client, LocalCluster, WorkerPlugin
    except ImportError:
        raise AslError("--cluster needs Dask: pip install 'asl[cluster]' (dask[distributed])") from None
    return Client, LocalCluster, WorkerPlugin


@contextmanager
def connect(cluster: str):
    """A ``dask.distributed.Client`` for ``cluster``; a ``LocalCluster`` for ``local[:N]`` (N: the
    cores here), closed afterwards; a one-line error naming the address if it cannot be reached."""
    Client, LocalCluster, _ = _client_or_fail()
    local = LOCAL.match(cluster)
    if local:
        import os

        n = int(local.group(1) or os.cpu_count() or 1)
        if n < 1:
            raise AslError(f"--cluster {cluster}: give at least one worker (local:1)")
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
                Client(lc) as client:
            yield client
        return
    try:
        client = Client(cluster, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as e:
        raise AslError(f"--cluster {cluster}: cannot reach the Dask scheduler ({type(e).__name__}: "
                       f"{' '.join(str(e).split())[:160]}); start one with `dask scheduler` or check the address") from None
    try:
        yield client
    finally:
        client.close()


def _plugin(setup: Callable[[], None]):
    _, _, WorkerPlugin = _client_or_fail()

    class WorkerSetup(WorkerPlugin):
        """Runs ``setup`` once in each worker, when it starts (or joins later): builds its landmarker."""

        name = "asl-worker-setup"

        def setup(self, worker):
            setup()

    return WorkerSetup()


def run_on_cluster(cluster: str, chunks: list, run: Callable, setup: Callable[[], None]) -> Iterator:
    """``run(chunk)`` for each chunk on the cluster's workers, each of which ran ``setup()`` once,
    yielded as they finish (``asl.chunks`` gives its own worker functions and keeps each result).
    Connects at once (an unreachable scheduler fails here, before any progress is shown)."""
    if not chunks:
        return iter(())
    from contextlib import ExitStack

    from dask.distributed import as_completed

    stack = ExitStack()
    client = stack.enter_context(connect(cluster))

    def results():
        with stack:
            client.register_plugin(_plugin(setup))
            futures = [client.submit(run, chunk, pure=False, key=f"asl-{chunk.name}") for chunk in chunks]
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                client.cancel(futures)

    return results()


@contextmanager
def joblib_on(cluster: str | None):
    """Inside: scikit-learn's joblib work (the forest's trees) runs on ``cluster``; nothing without one."""
    if cluster is None:
        yield
        return
    import joblib

    with connect(cluster), joblib.parallel_backend("dask"):
        yield
