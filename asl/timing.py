"""How fast each model reads images, each timed in a fresh process so that its peak memory is its own."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asl.evaluation import MODELS


@dataclass(frozen=True)
class InferenceTiming:
    """Median milliseconds per image read one at a time and as one batch (landmarks included), over
    ``timed_images`` images, and the timing process's peak memory."""

    single_ms: float
    batch_ms: float
    timed_images: int
    peak_memory_mib: float


def model_files(model: str, rf_path: Path, cnn_path: Path) -> list[Path]:
    """The model files of one of ``MODELS``, as ``load_predictor`` takes them."""
    return {"random_forest": [rf_path], "resnet50": [cnn_path], "hybrid": [rf_path, cnn_path]}[model]


def time_inference(model: str, rf_path: Path, cnn_path: Path, images: np.ndarray, repeats: int = 3) -> InferenceTiming:
    """Time one model on ``images`` (crop mode: they are hand crops) in this process."""
    from asl.predictors import load_predictor
    from asl.provenance import peak_memory_mib

    predictor = load_predictor(model_files(model, rf_path, cnn_path), mode="crop", top_k=1)
    images = list(images)
    predictor.read(images[:2])  # warm up: first calls build kernels and caches
    single = []
    for image in images:
        started = time.perf_counter()
        predictor.read([image])
        single.append(time.perf_counter() - started)
    batch = []
    for _ in range(repeats):
        started = time.perf_counter()
        predictor.read(images)
        batch.append((time.perf_counter() - started) / len(images))
    return InferenceTiming(single_ms=1000 * statistics.median(single), batch_ms=1000 * statistics.median(batch),
                           timed_images=len(images), peak_memory_mib=peak_memory_mib())


def time_all(rf_path: Path, cnn_path: Path, images: np.ndarray,
             log: Callable[[str], None] = print) -> dict[str, InferenceTiming]:
    """``time_inference`` for each model, each in a fresh process."""
    spawn = multiprocessing.get_context("spawn")
    timings = {}
    for model in MODELS:
        log(f"timing {model} on {len(images)} test images (one at a time, then as one batch)")
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            timings[model] = pool.submit(time_inference, model, rf_path, cnn_path, images).result()
    return timings


def timing_sample(images: np.ndarray, n: int) -> np.ndarray:
    """``n`` of ``images`` spread evenly over them."""
    return images[np.linspace(0, len(images) - 1, min(n, len(images))).astype(int)]
