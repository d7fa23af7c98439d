"""`asl compare`: the landmark Random Forest, the ResNet50 and their hybrid, scored on the same images."""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from asl.dataset import LETTERS, load_split, split_path
from asl.errors import AslError, Interrupted
from asl.modelfile import load_cnn_model, load_model
from asl.provenance import code_version, machine, peak_memory_mib, sha256_of
from asl.training import predict_table
from classifiers import NO_HAND, hybrid_letters, score_predictions, use_landmarks

MODELS = ("random_forest", "resnet50", "hybrid")
TITLES = {"random_forest": "Random Forest on landmarks", "resnet50": "ResNet50 on pixels",
          "hybrid": "Hybrid (the surer of the two; landmarks need a hand)"}


@dataclass
class Evaluation:
    """Every model's letters for one set of labelled images, and their scores."""

    name: str
    truth: np.ndarray
    letters: dict[str, np.ndarray]
    hand: np.ndarray  # where the landmark pipeline found a hand: the same images for every model
    used_landmarks: np.ndarray  # where the hybrid took the landmark model's letter
    seconds_per_image: dict[str, float] = field(default_factory=dict)

    def scores(self) -> dict[str, dict]:
        """Per model: score_predictions plus accuracy on the images where a hand was found."""
        out = {}
        for model, letters in self.letters.items():
            scores = score_predictions(self.truth, letters, LETTERS)
            correct = self.truth == letters
            scores["accuracy_where_hand_found"] = float(correct[self.hand].mean()) if self.hand.any() else None
            out[model] = scores
        return out


def evaluate_test_split(images: np.ndarray, truth: np.ndarray, rf_path: Path, cnn_path: Path, table: pd.DataFrame,
                        table_meta: dict, device: str = "cpu") -> Evaluation:
    """All three models on every test image (``images``, letters ``truth``): the Random Forest on
    the (cached) crop-mode landmarks, the ResNet50 on the pixels."""
    payload = load_model(rf_path)
    if payload["landmarker"] != table_meta["landmarker"]:
        raise AslError(f"{rf_path} was trained on landmarks made with other settings than {table_meta['landmarker']}; "
                       "retrain it with `asl train-rf`")
    test = table[table["split"] == "test"].sort_values("row")
    if len(test) != len(images) or not np.array_equal(test["letter"].to_numpy(), truth):
        raise AslError("the landmark table's test rows do not match the test CSV; "
                       "re-extract with `asl extract-landmarks --force`")
    rf_letters, rf_confidence = predict_table(payload["pipeline"], test)
    started = time.perf_counter()
    cnn = load_cnn_model(cnn_path, device)
    probabilities = cnn.predict_proba(images)
    cnn_seconds = (time.perf_counter() - started) / len(images)
    cnn_letters = cnn.classes_[probabilities.argmax(axis=1)]
    hybrid, used = hybrid_letters(rf_letters, rf_confidence, cnn_letters, probabilities.max(axis=1))
    return Evaluation("test", truth, {"random_forest": rf_letters, "resnet50": cnn_letters, "hybrid": hybrid},
                      hand=rf_letters != NO_HAND, used_landmarks=used,
                      seconds_per_image={"resnet50": cnn_seconds})


def evaluate_photos(photos: list[tuple[Path, str]], rf_path: Path, cnn_path: Path,
                    progress: Callable[[str], Callable[[int, int], None]] | None = None) -> Evaluation:
    """All three models on labelled photos, each finding the hand itself (auto mode), timed per photo."""
    from asl.cnn_predict import CnnPredictor, HybridPredictor
    from asl.predict import LandmarkPredictor

    predictors = {
        "random_forest": lambda: LandmarkPredictor(rf_path, mode="auto", top_k=1),
        "resnet50": lambda: CnnPredictor(cnn_path, mode="auto", top_k=1),
        "hybrid": lambda: HybridPredictor(rf_path, cnn_path, mode="auto", top_k=1),
    }
    truth = np.array([letter for _, letter in photos], dtype=object)
    letters, confidence, seconds = {}, {}, {}
    for model, make in predictors.items():
        predictor = make()
        update = progress(f"photos, {model}") if progress else None
        if update:
            update(0, len(photos))
        found, probability = [], []
        started = time.perf_counter()
        for prediction in predictor.predict_paths(path for path, _ in photos):
            found.append(prediction.letter or NO_HAND)
            probability.append(prediction.probability or 0.0)
            if update:
                update(len(found), len(photos))
        seconds[model] = (time.perf_counter() - started) / len(photos)
        letters[model] = np.array(found, dtype=object)
        confidence[model] = np.array(probability)
    rf_letters = letters["random_forest"]
    return Evaluation("photos", truth, letters, hand=rf_letters != NO_HAND,
                      used_landmarks=use_landmarks(rf_letters, confidence["random_forest"], confidence["resnet50"]),
                      seconds_per_image=seconds)


def time_inference(model: str, rf_path: Path, cnn_path: Path, images: np.ndarray, repeats: int = 3) -> dict:
    """Run in a fresh process: median milliseconds per image one at a time and in one batch
    (landmark extraction included), and that process's peak memory."""
    from asl.cnn_predict import CnnPredictor, HybridPredictor
    from asl.predict import LandmarkPredictor

    if model == "random_forest":
        predictor = LandmarkPredictor(rf_path, mode="crop", top_k=1)
    elif model == "resnet50":
        predictor = CnnPredictor(cnn_path, mode="crop", top_k=1)
    else:
        predictor = HybridPredictor(rf_path, cnn_path, mode="crop", top_k=1)
    images = list(images)
    predictor.predict_images(images[:2])  # warm up: first calls build kernels and caches
    single = []
    for image in images:
        started = time.perf_counter()
        predictor.predict_images([image])
        single.append(time.perf_counter() - started)
    batch = []
    for _ in range(repeats):
        started = time.perf_counter()
        predictor.predict_images(images)
        batch.append((time.perf_counter() - started) / len(images))
    return {"single_ms": 1000 * statistics.median(single), "batch_ms": 1000 * statistics.median(batch),
            "timed_images": len(images), "peak_memory_mib": peak_memory_mib()}


def time_all(rf_path: Path, cnn_path: Path, images: np.ndarray, log: Callable[[str], None] = print) -> dict[str, dict]:
    """``time_inference`` for each model, each in a fresh process (so peak memory is its own)."""
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


def test_split_sha256(data_dir: Path) -> dict[str, str]:
    """sha256 of the CSVs the comparison read."""
    return sha256_of({split: split_path(data_dir, split) for split in ("train", "test")})


def training_costs(rf_path: Path, cnn_path: Path, table_meta: dict) -> dict[str, dict]:
    """Per model, from the metrics JSON saved beside it: training seconds (the Random Forest's
    includes finding the train images' landmarks), size on disk and training peak memory."""
    metrics = {}
    for model, path in (("random_forest", rf_path), ("resnet50", cnn_path)):
        json_path = Path(path).with_suffix(".json")
        try:
            metrics[model] = json.loads(json_path.read_text())
        except (OSError, ValueError):
            raise AslError(f"{json_path} (the metrics saved with {path}) is missing or unreadable; retrain the model") from None
    costs = {}
    for model, path in (("random_forest", rf_path), ("resnet50", cnn_path)):
        costs[model] = {"training_seconds": metrics[model]["train_seconds"], "model_bytes": os.path.getsize(path),
                        "peak_memory_train_mib": metrics[model].get("peak_memory_mib")}
    rf = costs["random_forest"]
    rf["landmark_seconds"] = None
    if table_meta.get("seconds") is not None:  # the train images' share of the extraction's wall time
        rf["landmark_seconds"] = round(table_meta["seconds"] * metrics["random_forest"]["n_train"] / table_meta["rows"], 1)
        rf["training_seconds"] = round(rf["training_seconds"] + rf["landmark_seconds"], 1)
    peaks = [c["peak_memory_train_mib"] for c in costs.values()]
    costs["hybrid"] = {
        "training_seconds": round(sum(c["training_seconds"] for c in costs.values()), 1),
        "model_bytes": sum(c["model_bytes"] for c in costs.values()),
        "peak_memory_train_mib": max(peaks) if None not in peaks else None,
    }
    return costs


def ensure_inputs(data_dir: Path, rf_path: Path, cnn_path: Path, landmarks_path: Path,
                  log: Callable[[str], None] = print) -> None:
    """Make what is missing by running the asl commands as child processes (their progress shows,
    and each training's peak memory is its own): the landmark table (reused when up to date),
    the Random Forest, the ResNet50."""
    steps = [["extract-landmarks", "--split", "all", "--mode", "crop", "--out", str(landmarks_path)]]
    if not Path(rf_path).exists():
        steps.append(["train-rf", "--landmarks", str(landmarks_path), "--model", str(rf_path)])
    if not Path(cnn_path).exists():
        steps.append(["train-cnn", "--model", str(cnn_path)])
    for step in steps:
        command = [sys.executable, "-m", "asl", *step, "--data-dir", str(data_dir)]
        log(f"$ asl {' '.join(command[3:])}")
        code = subprocess.run(command).returncode
        if code != 0:
            error = Interrupted if code == Interrupted.exit_code else AslError
            raise error(f"`asl {step[0]}` stopped (exit code {code}); fix what it reported and run asl compare again")


def run_compare(data_dir: Path, rf_path: Path, cnn_path: Path, landmarks_path: Path, out_dir: Path,
                photos_dir: Path | None, timing_images: int, command: str,
                log: Callable[[str], None] = print,
                progress: Callable[[str], Callable[[int, int], None]] | None = None) -> dict:
    """Score the three models on the test split (and photos), time them, write the report; returns it."""
    from asl.extraction import read_table
    from asl.photos import labelled_photos
    from asl.report import write_report

    photos = labelled_photos(photos_dir, "--photos") if photos_dir else None
    table, table_meta = read_table(landmarks_path)
    log("scoring the three models on the test split")
    images, truth = load_split(data_dir, "test")
    evaluations = [evaluate_test_split(images, truth, rf_path, cnn_path, table, table_meta)]
    if photos:
        evaluations.append(evaluate_photos(photos, rf_path, cnn_path, progress))
    costs = training_costs(rf_path, cnn_path, table_meta)
    timings = time_all(rf_path, cnn_path, timing_sample(images, timing_images), log)
    sections = {}
    for evaluation in evaluations:
        scores = evaluation.scores()
        rows = {}
        for model in MODELS:
            rows[model] = {**scores[model], **costs[model],
                           "peak_memory_inference_mib": timings[model]["peak_memory_mib"]}
            if evaluation.name == "test":
                rows[model].update(inference_batch_ms=timings[model]["batch_ms"],
                                   inference_single_ms=timings[model]["single_ms"])
            else:
                rows[model]["inference_ms_per_photo"] = 1000 * evaluation.seconds_per_image[model]
        n, hands = len(evaluation.truth), int(evaluation.hand.sum())
        title = (f"Sign Language MNIST test split ({n} images)" if evaluation.name == "test"
                 else f"Photos in {photos_dir} ({n} photos)")
        sections[evaluation.name] = {
            "title": title, "n_images": n, "hands_found": hands, "rows": rows,
            "hybrid_used_landmarks": float(evaluation.used_landmarks.mean()),
            "notes": [f"A hand was found in {hands} of {n} images ({hands / n:.2%}); the hybrid took the "
                      f"Random Forest's letter for {evaluation.used_landmarks.mean():.2%} of them all."],
        }
    report = {
        "command": command, "machine": machine(), "written": time.strftime("%Y-%m-%d %H:%M %Z"),
        "code_version": code_version(), "data_sha256": test_split_sha256(data_dir),
        "timed_images": timings["random_forest"]["timed_images"],
        "models": {"random_forest": str(rf_path), "resnet50": str(cnn_path)}, "evaluations": sections,
    }
    written = write_report(out_dir, report, evaluations)
    log("wrote " + ", ".join(str(p) for p in written))
    return report
