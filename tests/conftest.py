"""Shared fixtures: the real data in ../shared (tests that need it skip cleanly without it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MNIST_DIR = SHARED / "sign-language-mnist"
PHOTOS_DIR = SHARED / "asl-photos-dev"
ASL_HG = SHARED / "asl-hg"

needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "sign_mnist_test.csv").is_file(), reason="../shared data absent")
needs_photos = pytest.mark.skipif(not PHOTOS_DIR.is_dir(), reason="../shared photos absent")
needs_asl_hg = pytest.mark.skipif(not ASL_HG.is_dir(), reason="../shared/data/asl-hg absent")


def load_benchmark(name: str):
    """A script of ``benchmarks/`` (not a package) loaded as a module, e.g. ``load_benchmark("run_benchmarks")``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invoke(*args: str):
    """Run `asl ARGS`; stdout and stderr are kept apart (result.stdout / result.stderr)."""
    from asl.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def assert_clean(result) -> None:
    """No Python exception escaped the command (CliRunner swallows tracebacks, so check it)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def assert_one_line_error(result, *fragments: str, exit_code: int | None = None) -> str:
    """A failed command that printed exactly one 'error: ...' line on stderr, containing ``fragments``."""
    assert_clean(result)
    if exit_code is None:
        assert result.exit_code != 0, result.output
    else:
        assert result.exit_code == exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def rewrite_zip(source: Path, target: Path, members: dict[str, bytes | None]) -> None:
    """Copy the zip ``source`` to ``target``, each member named in ``members`` replaced by its bytes
    (None: left out)."""
    import zipfile

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = members[info.filename] if info.filename in members else src.read(info)
            if data is not None:
                dst.writestr(info, data)


def fresh_python(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter (what a cold command imports); its stdout lines. A
    non-zero exit fails the test with the interpreter's stderr."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def json_lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


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


@pytest.fixture
def grey_image(tmp_path):
    """A plain grey PNG: enough for the tests that never get as far as reading it."""
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((40, 40), 128, np.uint8)).save(path)
    return path


# Shared CLI fixtures: one small real Random Forest, and real test images as files
N_IMAGES = 12


@pytest.fixture(scope="session")
def trained(small_mnist_dir, tmp_path_factory):
    """train-rf on 400 train + 200 test images: extracts the table first (real LiteRT model)."""
    folder = tmp_path_factory.mktemp("trained")
    landmarks, model = folder / "lm.parquet", folder / "rf.skops"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = invoke("train-rf", "--data-dir", small_mnist_dir, "--landmarks", landmarks, "--model", model,
                        "--n-estimators", 30, "--workers", 1)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    return {"landmarks": landmarks, "model": model, "result": result, "folder": folder}


@pytest.fixture(scope="session")
def test_images():
    """The first real test images (28x28 grey) and their letters."""
    if not (MNIST_DIR / "sign_mnist_test.csv").is_file():
        pytest.skip("../shared data absent")
    from asl.dataset import load_split

    return load_split(MNIST_DIR, "test", limit=N_IMAGES)


@pytest.fixture(scope="session")
def image_folder(test_images, tmp_path_factory):
    """The test images as RGB PNGs; returns (folder, {file name: true letter})."""
    folder = tmp_path_factory.mktemp("images")
    images, letters = test_images
    truth = {}
    for i, (image, letter) in enumerate(zip(images, letters)):
        name = f"img{i:02d}.png"
        Image.fromarray(image).convert("RGB").save(folder / name)
        truth[name] = letter
    return folder, truth


@pytest.fixture
def one_image(image_folder):
    folder, truth = image_folder
    return folder / sorted(truth)[0]
