"""The ResNet50's folds of `asl evaluate-signers` (five ResNet50s, hours on a 2-core CPU) on a lent
GPU that has PyTorch but not MediaPipe: the inputs are prepared here, where the photo table and the
photos are, and the GPU runs only ``asl.signers.resnet_readings``, the function `asl
evaluate-signers --model resnet50.pt` and `asl compare --signers` run. Its readings carry the same
cache key, so that `asl compare --signers` here reuses them instead of training the folds again.

    python benchmarks/gpu_signers.py prepare BUNDLE [--photos ../shared/data/asl-hg] [--data-dir DIR]
    # on the GPU machine (its own PyTorch, NumPy and pandas; this package alone, offline):
    python3 -m pip install -q --no-deps --no-build-isolation --no-index --target /tmp/asl .
    PYTHONPATH=/tmp/asl python3 benchmarks/gpu_signers.py run BUNDLE OUT --device cuda
    cp OUT/grouped-resnet50-asl-hg.parquet data/processed/               # back here

The bundle is about 25 MB (the photos' network inputs, the train split gzipped). Measured on an
H100 (PyTorch 2.11, NumPy 2.5): five folds in 379 s.

The settings are `asl train-cnn`'s defaults and `--extra-share`'s default, as `make run` trains
models/resnet50-photos.pt; `asl compare` checks them against that model's metrics JSON (the key).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from asl.errors import AslError

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["path", "letter", "group", "error", "sha256"]


def prepare(bundle: Path, photos_dir: Path, data_dir: Path, settings=None, n_folds: int | None = None) -> None:
    """The bundle for ``run``: ``settings`` (a ``TrainSettings``) and ``n_folds`` default to `asl
    compare --signers`' own (`train-cnn`'s defaults, ``SIGNER_FOLDS``)."""
    from asl.classifiers import DEFAULTS
    from asl.cnn_baseline import TrainSettings
    from asl.cnn_baseline.settings import SIGNER_FOLDS
    from asl.dataset import split_path
    from asl.extra import photo_pixels
    from asl.files import sha256_of
    from asl.signers import _folds, _grouped_table, cache_path, resnet_key

    settings, share = settings or TrainSettings(), DEFAULTS.share
    photos = _grouped_table(photos_dir, None, None, None)  # a bad folder is refused before the bundle is made
    bundle.mkdir(parents=True, exist_ok=True)
    folds = _folds(photos["group"].to_numpy(object), n_folds or SIGNER_FOLDS)
    train_csv = split_path(data_dir, "train")
    key = resnet_key(settings, share, folds, photos, sha256_of({"train": train_csv}))
    np.save(bundle / "pixels.npy", photo_pixels(photos, photos_dir).images)
    photos[COLUMNS].to_parquet(bundle / "photos.parquet")
    with open(train_csv, "rb") as src, gzip.open(bundle / "sign_mnist_train.csv.gz", "wb", compresslevel=9) as dst:
        shutil.copyfileobj(src, dst)
    (bundle / "meta.json").write_text(json.dumps({
        "settings": settings.as_dict(), "share": share, "folds": [list(f) for f in folds], "key": key,
        "cache_name": cache_path("resnet50", photos_dir).name}, indent=1))
    print(f"wrote {bundle}: {len(photos)} photos, folds {folds}")


def run(bundle: Path, out: Path, device: str) -> None:
    from asl.cnn_baseline import TrainSettings
    from asl.dataset import load_split
    from asl.progress import epoch_bars
    from asl.signers import resnet_readings

    if not (bundle / "meta.json").is_file():
        raise AslError(f"{bundle}: not a bundle (no meta.json); make one with `gpu_signers.py prepare {bundle}`")
    meta = json.loads((bundle / "meta.json").read_text())
    settings = TrainSettings.from_dict(meta["settings"])
    with tempfile.TemporaryDirectory() as data_dir:
        with gzip.open(bundle / "sign_mnist_train.csv.gz", "rb") as src, open(Path(data_dir) / "sign_mnist_train.csv", "wb") as dst:
            shutil.copyfileobj(src, dst)
        base_images, base_letters = load_split(Path(data_dir), "train")
    photos = pd.read_parquet(bundle / "photos.parquet")
    folds = [tuple(f) for f in meta["folds"]]
    reading = resnet_readings(photos, np.load(bundle / "pixels.npy"), base_images, base_letters, settings,
                              meta["share"], folds, device, meta["key"], out / "partial",
                              on_batch=epoch_bars(settings.epochs))
    reading.save(out / meta["cache_name"], meta["key"])
    right = reading.letters == reading.truth
    print(json.dumps({"pooled": float(right.mean()),
                      "per_signer": {g: float(right[reading.groups == g].mean()) for g in sorted(set(reading.groups))}}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("bundle", type=Path)
    p.add_argument("--photos", type=Path, default=ROOT.parent / "shared/data/asl-hg")
    p.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/sign-language-mnist")
    r = sub.add_parser("run")
    r.add_argument("bundle", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)
    try:
        if args.step == "prepare":
            prepare(args.bundle, args.photos, args.data_dir)
        else:
            run(args.bundle, args.out, args.device)
    except AslError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    sys.exit(main())
