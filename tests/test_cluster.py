"""`--cluster`: extraction and training on a real Dask LocalCluster (2 worker processes, 1 thread each)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import assert_one_line_error, invoke, needs_mnist

pytest.importorskip("dask.distributed", reason="asl[cluster] (dask[distributed]) is not installed")
pytestmark = needs_mnist


@pytest.fixture(scope="module")
def local_table(small_mnist_dir, tmp_path_factory):
    from asl.extraction import extract_landmarks

    out = tmp_path_factory.mktemp("local") / "local.parquet"
    return extract_landmarks(small_mnist_dir, split="all", mode="crop", out=out, workers=2)


def same_rows(a, b) -> bool:
    return a.reset_index(drop=True).equals(b.reset_index(drop=True))


def test_the_cluster_table_equals_the_local_table(small_mnist_dir, local_table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("extract-landmarks", "--data-dir", small_mnist_dir, "--split", "all", "--out",
                    tmp_path / "cluster.parquet", "--cluster", "local:2")
    assert result.exit_code == 0, result.output
    from asl.tables import read_table

    table, _ = read_table(tmp_path / "cluster.parquet")
    assert len(table) == 600 and same_rows(table, local_table)


def test_a_worker_killed_mid_run_loses_and_repeats_nothing(small_mnist_dir, local_table, tmp_path, monkeypatch):
    from dask.distributed import Client, LocalCluster

    from asl import extraction

    monkeypatch.setattr(extraction, "CHUNK_ROWS", 40)  # 15 chunks, so the kill lands mid-run
    out = tmp_path / "killed.parquet"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        done: dict = {}
        run = threading.Thread(target=lambda: done.setdefault("table", extraction.extract_landmarks(
            small_mnist_dir, split="all", mode="crop", out=out, cluster=cluster.scheduler_address)))
        run.start()
        partial = tmp_path / "killed.parquet.partial"
        deadline = time.monotonic() + 300
        while len(list(partial.glob("*.parquet"))) < 2 and time.monotonic() < deadline and run.is_alive():
            time.sleep(0.05)
        pids = client.run(os.getpid)
        os.kill(next(iter(pids.values())), signal.SIGKILL)  # a worker dies; its nanny starts another
        run.join(timeout=600)
    assert "table" in done, "the run did not finish after a worker was killed"
    table = done["table"]
    assert len(table) == 600 and not table.duplicated(["split", "row"]).any()
    assert same_rows(table, local_table)


def test_the_client_killed_mid_run_resumes_to_the_same_table(small_mnist_dir, local_table, tmp_path):
    code = ("import sys; from asl import extraction; extraction.CHUNK_ROWS = 40; from asl.cli import main; "
            "sys.argv = ['asl', *sys.argv[1:]]; main()")
    out = tmp_path / "resumed.parquet"
    command = [sys.executable, "-c", code, "extract-landmarks", "--data-dir", str(small_mnist_dir), "--split", "all",
               "--out", str(out), "--cluster", "local:2"]
    log = tmp_path / "first-run.log"  # what the first run said, should it end before the kill
    with open(log, "wb") as said:
        run = subprocess.Popen(command, cwd=tmp_path, stdout=said, stderr=subprocess.STDOUT, start_new_session=True)
    partial = tmp_path / "resumed.parquet.partial"
    deadline = time.monotonic() + 300
    while len(list(partial.glob("*.parquet"))) < 3 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    assert run.poll() is None, f"the first run ended by itself (exit {run.returncode}): {log.read_text()[-2000:]}"
    os.killpg(run.pid, signal.SIGKILL)  # the client, its local cluster and workers: kill -9
    run.wait(timeout=60)
    kept = len(list(partial.glob("*.parquet")))
    assert 0 < kept < 15, "the kill did not land mid-run"
    final = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert final.returncode == 0, final.stderr[-2000:]
    from asl.tables import read_table

    table, _ = read_table(out)
    assert same_rows(table, local_table) and not partial.exists()


def test_an_unreachable_scheduler_is_one_line_naming_it(small_mnist_dir, tmp_path, monkeypatch):
    from asl import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 3)
    monkeypatch.chdir(tmp_path)
    result = invoke("extract-landmarks", "--data-dir", small_mnist_dir, "--split", "test", "--out",
                    tmp_path / "t.parquet", "--cluster", "tcp://127.0.0.1:9")
    assert_one_line_error(result, "tcp://127.0.0.1:9", "cannot reach the Dask scheduler", exit_code=1)
    assert not (tmp_path / "t.parquet").exists()


def test_train_rf_on_the_cluster_grows_the_same_forest(trained, tmp_path, monkeypatch):
    from asl.modelfile import load_model
    from asl.tables import read_table

    monkeypatch.chdir(tmp_path)
    for name, extra in (("local", []), ("cluster", ["--cluster", "local:2"])):
        result = invoke("train-rf", "--landmarks", trained["landmarks"], "--model", tmp_path / f"{name}.skops",
                        "--n-estimators", 12, *extra)
        assert result.exit_code == 0, result.output
    table, _ = read_table(trained["landmarks"])
    from asl.landmarks import COORDINATES

    X = table.loc[table["hand"], list(COORDINATES)].to_numpy()
    local, remote = (load_model(tmp_path / f"{n}.skops")["pipeline"] for n in ("local", "cluster"))
    trees = [m.estimator_.steps[-1][1].estimators_ for m in (local, remote)]
    assert len(trees[0]) == len(trees[1]) == 12
    for a, b in zip(*trees):  # the same trees, split for split
        for field in ("feature", "threshold", "children_left", "children_right", "value"):
            assert np.array_equal(getattr(a.tree_, field), getattr(b.tree_, field)), field
    # the forest sums its trees' probabilities in whatever order its threads finish: equal to the last bits
    np.testing.assert_allclose(local.predict_proba(X), remote.predict_proba(X), rtol=0, atol=1e-12)
    assert np.array_equal(local.predict(X), remote.predict(X))
