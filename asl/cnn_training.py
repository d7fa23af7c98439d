"""`asl train-cnn`: train the ResNet50 baseline on the pixels, score it on the test split, save it.

An epoch's checkpoint is kept in ``<model>.partial``; after Ctrl-C the same command resumes
from the last completed epoch, and the checkpoint goes when the model is saved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from asl.classifiers import score_predictions
from asl.dataset import LETTERS, load_split, split_path
from asl.errors import AslError, Interrupted
from asl.files import sha256_of, write_atomic
from asl.modelfile import cnn_model_writer
from asl.provenance import PACKAGES, versions
from asl.trained import TrainingResult, save_trained

CNN_PACKAGES = PACKAGES + ("torch", "torchvision")


def train_cnn(
    data_dir: Path,
    model_path: Path,
    settings,
    device: str = "auto",
    limit: int | None = None,
    on_batch: Callable | None = None,
    log: Callable[[str], None] = print,
) -> TrainingResult:
    """Fit ``cnn_baseline.ResNetClassifier(settings)`` on the train split (first ``limit`` rows),
    score every test image (first ``limit``), save the model and its metrics JSON; returns the record."""
    import torch

    from asl.cnn_baseline import DeviceUnavailable, ResNetClassifier, WeightsUnavailable

    model_path = Path(model_path)
    sources = {split: split_path(data_dir, split) for split in ("train", "test")}
    train_images, train_letters = load_split(data_dir, "train", limit)
    test_images, test_letters = load_split(data_dir, "test", limit)
    stamp = {"settings": settings.as_dict(), "data_sha256": sha256_of(sources), "limit": limit}
    checkpoint_path = model_path.with_name(model_path.name + ".partial")
    resume = _read_checkpoint(checkpoint_path, stamp, log)

    def save_checkpoint(state: dict) -> None:
        write_atomic(checkpoint_path, lambda tmp: torch.save({**stamp, "state": state}, tmp))

    if device in ("auto", "cuda"):  # deterministic cuBLAS (the library asks the caller to set it)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    classifier = ResNetClassifier(settings, device)
    try:
        classifier.fit(train_images, train_letters, on_batch=on_batch, on_epoch=save_checkpoint, resume=resume)
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
