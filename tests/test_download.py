"""`asl download` (asl/download.py) with a fake fetch, and once for real while offline."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest
from conftest import write_csv

from asl.dataset import load_split
from asl.download import KAGGLE_URL, download
from asl.errors import AslError

NAMES = ("sign_mnist_train.csv", "sign_mnist_test.csv")


def fetched_folder(root, names=NAMES, bad: str | None = None):
    """A folder laid out as kagglehub leaves it: each CSV in a subfolder of its own name."""
    root.mkdir()
    for k, name in enumerate(names):
        sub = root / name.removesuffix(".csv")
        sub.mkdir()
        labels = [0, 1, 24, 10][: 3 + k]
        images = np.random.default_rng(k).integers(0, 256, (len(labels), 784))
        path = write_csv(sub / name, labels, images)
        if name == bad:
            data = path.read_bytes()
            assert b"\r\n1," in data
            path.write_bytes(data.replace(b"\r\n1,", b"\r\n9,", 1))  # label 9 (J) on line 3
    return root


def single_line_error(call) -> str:
    with pytest.raises(AslError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_both_files_land_in_dest(tmp_path):
    source = fetched_folder(tmp_path / "kaggle")
    dest = tmp_path / "data" / "raw"  # does not exist yet
    written = download(dest, fetch=lambda: source)
    assert sorted(p.name for p in written) == sorted(NAMES)
    assert sorted(p.name for p in dest.iterdir()) == sorted(NAMES)  # no .partial leftovers
    for name in NAMES:
        assert (dest / name).read_bytes() == (source / name.removesuffix(".csv") / name).read_bytes()
    x, letters = load_split(dest, "test")
    assert x.shape == (4, 28, 28) and list(letters) == ["A", "B", "Y", "K"]
    x, letters = load_split(dest, "train")
    assert list(letters) == ["A", "B", "Y"]


def test_fetch_may_return_a_string(tmp_path):
    source = fetched_folder(tmp_path / "kaggle")
    download(tmp_path / "dest", fetch=lambda: str(source))
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == sorted(NAMES)


def test_download_replaces_old_files(tmp_path):
    source = fetched_folder(tmp_path / "kaggle")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "sign_mnist_test.csv").write_text("stale")
    download(dest, fetch=lambda: source)
    assert (dest / "sign_mnist_test.csv").read_bytes() == (source / "sign_mnist_test" / "sign_mnist_test.csv").read_bytes()
    assert not list(dest.glob("*.partial"))


def fail(exc):
    def fetch():
        raise exc

    return fetch


@pytest.mark.parametrize("exc", [ConnectionError("offline"), OSError("line one\nline two"), RuntimeError()])
def test_failed_fetch_says_where_to_put_the_files(tmp_path, exc):
    dest = tmp_path / "raw"
    message = single_line_error(lambda: download(dest, fetch=fail(exc)))
    assert "download" in message and "failed" in message
    assert str(dest) in message
    assert "sign_mnist_train.csv" in message and "sign_mnist_test.csv" in message
    assert KAGGLE_URL in message
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    assert reason in message
    assert not dest.exists()


def test_failed_fetch_leaves_existing_files_alone(tmp_path):
    dest = tmp_path / "raw"
    dest.mkdir()
    (dest / "sign_mnist_train.csv").write_text("mine")
    single_line_error(lambda: download(dest, fetch=fail(ConnectionError("offline"))))
    assert (dest / "sign_mnist_train.csv").read_text() == "mine"


@pytest.mark.parametrize("missing", NAMES)
def test_fetched_folder_without_one_csv(tmp_path, missing):
    source = fetched_folder(tmp_path / "kaggle", names=[n for n in NAMES if n != missing])
    dest = tmp_path / "dest"
    message = single_line_error(lambda: download(dest, fetch=lambda: source))
    assert missing in message
    assert str(dest) in message
    assert not (dest / missing).exists()
    assert not list(dest.glob("*.partial"))


@pytest.mark.parametrize("bad", NAMES)
def test_malformed_fetched_csv_is_not_written(tmp_path, bad):
    source = fetched_folder(tmp_path / "kaggle", bad=bad)
    dest = tmp_path / "dest"
    message = single_line_error(lambda: download(dest, fetch=lambda: source))
    assert bad in message and "line 3:" in message and "label is 9" in message
    assert not (dest / bad).exists()
    assert not list(dest.glob("*.partial"))


def test_garbage_fetched_csv_is_not_written(tmp_path):
    source = fetched_folder(tmp_path / "kaggle")
    (source / "sign_mnist_train" / "sign_mnist_train.csv").write_bytes(b"\xff\xfe\x00garbage")
    dest = tmp_path / "dest"
    message = single_line_error(lambda: download(dest, fetch=lambda: source))
    assert "sign_mnist_train.csv" in message
    assert not (dest / "sign_mnist_train.csv").exists()


def _kaggle_resolves() -> bool:
    try:
        socket.getaddrinfo("api.kaggle.com", 443)
    except OSError:
        return False
    return True


def test_real_fetch_offline_fails_cleanly(tmp_path, monkeypatch):
    """kagglehub really tries; offline it must end in one AslError, quickly."""
    if _kaggle_resolves():
        pytest.skip("api.kaggle.com resolves: this test checks the offline path")
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub-cache"))  # no cached copy, no writes to ~
    dest = tmp_path / "raw"
    start = time.monotonic()
    message = single_line_error(lambda: download(dest))
    elapsed = time.monotonic() - start
    assert elapsed < 60, f"kagglehub took {elapsed:.0f} s to give up offline"
    assert "failed" in message and str(dest) in message
    assert "sign_mnist_train.csv" in message and "sign_mnist_test.csv" in message
    assert not dest.exists()
