"""Shared fixtures: the real data in ../shared (tests that need it skip cleanly without it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MNIST_DIR = SHARED / "sign-language-mnist"
PHOTOS_DIR = SHARED / "asl-photos-dev"

needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "sign_mnist_test.csv").is_file(), reason="../shared data absent")
needs_photos = pytest.mark.skipif(not PHOTOS_DIR.is_dir(), reason="../shared photos absent")


def write_csv(path: Path, labels, images=None, header: str | None = None) -> Path:
    """A Sign Language MNIST-style CSV with the given labels and 28x28 images (random if None)."""
    from asl.dataset import HEADER

    rng = np.random.default_rng(0)
    if images is None:
        images = rng.integers(0, 256, (len(labels), 784))
    lines = [header if header is not None else ",".join(HEADER)]
    lines += [",".join(map(str, [label, *np.asarray(img).reshape(-1)])) for label, img in zip(labels, images)]
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


@pytest.fixture(scope="session")
def mnist_test_rows():
    """The first 300 real test images (28x28 uint8) and their letters."""
    if not (MNIST_DIR / "sign_mnist_test.csv").is_file():
        pytest.skip("../shared data absent")
    from asl.dataset import load_split

    return load_split(MNIST_DIR, "test", limit=300)


@pytest.fixture(scope="session")
def small_mnist_dir(tmp_path_factory):
    """A data folder with the first 400 train and 200 test rows of the real CSVs."""
    if not (MNIST_DIR / "sign_mnist_test.csv").is_file():
        pytest.skip("../shared data absent")
    folder = tmp_path_factory.mktemp("mnist-small")
    for name, rows in (("sign_mnist_train.csv", 400), ("sign_mnist_test.csv", 200)):
        with open(MNIST_DIR / name, newline="") as src, open(folder / name, "w", newline="") as dst:
            for _ in range(rows + 1):
                dst.write(src.readline())
    return folder
