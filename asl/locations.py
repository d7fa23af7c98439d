"""Where the command line reads and writes by default (relative to the working directory)."""

from __future__ import annotations

from pathlib import Path

from asl.errors import AslError

LANDMARKS = Path("data/processed/landmarks-crop.parquet")  # Sign Language MNIST, crop mode, both splits
RF_MODEL = Path("models/rf.skops")  # Sign Language MNIST alone: the benchmark of `asl compare`
PHOTO_MODEL = Path("models/rf-photos.skops")  # Sign Language MNIST + ASL-HG: what `asl predict` reads photos with
CNN_MODEL = Path("models/resnet50.pt")


def default_predict_model() -> tuple[Path, str | None]:
    """The model `asl predict` reads with when none is given: the photo model, else the Sign
    Language MNIST model (with a line saying so); a one-line error when neither exists."""
    if PHOTO_MODEL.is_file():
        return PHOTO_MODEL, None
    if RF_MODEL.is_file():
        return RF_MODEL, (f"note: {PHOTO_MODEL} is missing; reading with {RF_MODEL}, trained on Sign Language MNIST "
                          "alone (make run trains the photo model)")
    raise AslError(f"no model: neither {PHOTO_MODEL} nor {RF_MODEL} exists; run `make run`, or "
                   f"`asl train-rf --extra PHOTOS --model {PHOTO_MODEL}`, or give --model")
