"""`asl train-cnn`: train the ResNet50 baseline on the pixels, score it on the test split, save it.

An epoch's checkpoint is kept in ``<model>.partial``; after Ctrl-C the same command resumes
from the last completed epoch, and the checkpoint goes when the model is saved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from asl.classifiers import score_predictions
from asl.classifiers.sources import DEFAULT_SHARE
from asl.dataset import LETTERS, load_split, split_path
from asl.errors import AslError, Interrupted
from asl.files import partial_path, sha256_of, write_atomic
from asl.modelfile import cnn_model_writer
from asl.provenance import PACKAGES, versions
from asl.trained import TrainingResult, metrics_path, save_trained

if TYPE_CHECKING:
    from asl.extra import PhotoPixels

CNN_PACKAGES = PACKAGES + ("torch", "torchvision")


def train_cnn(
    data_dir: Path,
    model_path: Path,
    settings,
    device: str = "auto",
    limit: int | None = None,
    on_batch: Callable | None = None,
    log: Callable[[str], None] = print,
    extra: list[PhotoPixels] | None = None,
    share: float = DEFAULT_SHARE,
) -> TrainingResult:
    """Fit ``cnn_baseline.ResNetClassifier(settings)`` on the train split (first ``limit`` rows)
    plus ``extra``'s photos (each source together weighing ``share`` times the train images, as
    the Random Forest's: ``classifiers.sources``), score every test image (first ``limit``), save
    the model and its metrics JSON; returns the record."""
    import hashlib

    import numpy as np
    import torch

    from asl.classifiers.sources import source_weights
    from asl.cnn_baseline import DeviceUnavailable, ResNetClassifier, WeightsUnavailable

    model_path = Path(model_path)
    sources = {split: split_path(data_dir, split) for split in ("train", "test")}
    train_images, train_letters = load_split(data_dir, "train", limit)
    test_images, test_letters = load_split(data_dir, "test", limit)
    extra = list(extra or [])
    sample_weight, weights = source_weights(len(train_images), [len(p.images) for p in extra], share)
    if extra:
        train_images = np.concatenate([train_images, *[p.images for p in extra]])
        train_letters = np.concatenate([np.asarray(train_letters, dtype=object), *[p.y for p in extra]])
    photos_sha256 = [hashlib.sha256(p.images.tobytes() + "\n".join(p.y).encode()).hexdigest() for p in extra]
    stamp = {"settings": settings.as_dict(), "data_sha256": sha256_of(sources), "limit": limit,
             **({"photos_sha256": photos_sha256, "share": share} if extra else {})}
    checkpoint_path = partial_path(model_path)
    resume = _read_checkpoint(checkpoint_path, stamp, log)

    def save_checkpoint(state: dict) -> None:
        write_atomic(checkpoint_path, lambda tmp: torch.save({**stamp, "state": state}, tmp))

    deterministic_cublas(device)
    classifier = ResNetClassifier(settings, device)
    try:
        classifier.fit(train_images, train_letters, sample_weight=sample_weight if extra else None, on_batch=on_batch,
                       on_epoch=save_checkpoint, resume=resume)
    except KeyboardInterrupt:
        kept = torch.load(checkpoint_path, weights_only=True)["state"]["epoch"] if checkpoint_path.exists() else 0
        raise Interrupted(f"interrupted; {kept} of {settings.epochs} epochs are kept in {checkpoint_path}: "
                          "run the same command to resume") from None
    except WeightsUnavailable as e:
        raise AslError(f"{e}; train from scratch with --weights none") from None
    except DeviceUnavailable:
        raise AslError(f"--device {device} is not available on this machine; use --device cpu or auto") from None
    except ValueError as e:  # too few images for a batch
        raise AslError(str(e)) from None

    started = time.perf_counter()
    predictions = classifier.predict(test_images)
    predict_seconds = time.perf_counter() - started
    result = TrainingResult(
        model="resnet50",
        scores=score_predictions(test_letters, predictions, LETTERS),
        n_train=int(len(train_images)),
        trained_on="Sign Language MNIST" + (" and photos" if extra else " alone"),
        extra=[replace(p.source, weight=round(w, 4), share=share) for p, w in zip(extra, weights)],
        train_seconds=round(sum(epoch.seconds for epoch in classifier.history_), 2),
        predict_seconds_per_image=predict_seconds / len(test_images),
        params={**settings.as_dict(), "device": str(next(classifier.network_.parameters()).device), "limit": limit},
        history=[{"epoch": h.epoch, "loss": round(h.loss, 4), "accuracy": round(h.accuracy, 4),
                  "seconds": round(h.seconds, 1)} for h in classifier.history_],
        data_sha256=stamp["data_sha256"],
        versions=versions(CNN_PACKAGES),
    )
    save_trained(model_path, cnn_model_writer(classifier, {"letters": list(LETTERS)}), result)
    checkpoint_path.unlink(missing_ok=True)
    return result


def deterministic_cublas(device: str) -> None:
    """Deterministic cuBLAS on CUDA (the library asks the caller to set this before it starts)."""
    if device in ("auto", "cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def _read_checkpoint(path: Path, stamp: dict, log: Callable[[str], None]) -> dict | None:
    """The training state in ``path`` if it was made with the same settings and data, else None."""
    import torch

    if not path.exists():
        return None
    try:
        saved = torch.load(path, weights_only=True)
        same = all(saved.get(key) == value for key, value in stamp.items())
        state = saved["state"]
    except Exception:  # a checkpoint cut short or from another version: start over
        log(f"{path} is unreadable; starting over")
        return None
    if not same:
        log(f"{path} was made with other settings or data; starting over")
        return None
    log(f"resuming from {path} (epoch {state['epoch']} of {stamp['settings']['epochs']} done)")
    return state


def run_train_cnn(data_dir: Path, model_path: Path, settings, device: str = "auto", limit: int | None = None,
                  extra_dirs: list[Path] | None = None, share: float = DEFAULT_SHARE, workers: int | None = None,
                  on_batch: Callable | None = None, log: Callable[[str], None] = print,
                  progress: Callable[[str], Callable[[int, int], None]] | None = None) -> TrainingResult:
    """`asl train-cnn`: each of ``extra_dirs``' photos turned into the network's input through its
    cached photo table (made here if missing, as `train-rf --extra` makes it), then ``train_cnn``."""
    from asl.extra import extra_pixels
    from asl.locks import output_lock
    from asl.photos import labelled_photos

    extra_dirs = list(extra_dirs or [])
    for folder in extra_dirs:
        labelled_photos(folder, "--extra")  # a malformed folder fails before any long step
    with output_lock(model_path, also=[metrics_path(model_path)]):  # one training per model file at a time
        extra = []
        for folder in extra_dirs:
            photos = extra_pixels(folder, workers=workers,
                                  progress=progress(f"landmarks (auto, {Path(folder).name})") if progress else None)
            log(f"--extra {folder}: {len(photos.images)} photos, the hand's box in {photos.source.hands}")
            extra.append(photos)
        return train_cnn(data_dir, model_path, settings, device=device, limit=limit, on_batch=on_batch, log=log,
                         extra=extra, share=share)
