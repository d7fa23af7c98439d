"""`asl compare`: the landmark Random Forest, the ResNet50 and their hybrid, scored on the same
images. Orchestration only: make what is missing (by the training jobs), read the images with each
model, hand the letters to ``asl.evaluation``, time the models (``asl.timing``), write the report
(``asl.report``)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd

from asl.classifiers import NO_HAND
from asl.dataset import SPLITS, load_split, split_path
from asl.errors import AslError, Interrupted
from asl.evaluation import MODELS, TITLES, Evaluation, evaluate
from asl.files import sha256_of
from asl.provenance import code_version, machine
from asl.report import CompareReport, ReportRow, ReportSection, TrainingCost, write_report
from asl.timing import InferenceTiming, model_files, time_all, timing_sample

Progress = Callable[[str], Callable[[int, int], None]]


def evaluate_test_split(images: np.ndarray, truth: np.ndarray, rf_path: Path, cnn_path: Path, table: pd.DataFrame,
                        table_meta: dict, device: str = "cpu") -> Evaluation:
    """All three models on every test image: the Random Forest on the (cached) crop-mode landmarks,
    the ResNet50 on the pixels, the hybrid from both."""
    from asl.modelfile import load_cnn_model, load_model
    from asl.training import predict_table, trained_on_table

    payload = load_model(rf_path)
    if not trained_on_table(payload["landmarker"], table_meta["landmarker"]):
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
    return evaluate("test", f"Sign Language MNIST test split ({len(images)} images)", truth, rf_letters,
                    rf_confidence, cnn.classes_[probabilities.argmax(axis=1)], probabilities.max(axis=1),
                    seconds_per_image={"resnet50": cnn_seconds})


def evaluate_photos(photos: list[tuple[Path, str]], title: str, rf_path: Path, cnn_path: Path,
                    progress: Progress | None = None) -> Evaluation:
    """All three models on labelled photos, each reading every photo file as `asl predict` does
    (auto mode), timed per photo."""
    from asl.predict import predict_files
    from asl.predictors import load_predictor

    letters, confidence, seconds = {}, {}, {}
    for model in MODELS:
        predictor = load_predictor(model_files(model, rf_path, cnn_path), mode="auto", top_k=1)
        update = progress(f"photos, {model}") if progress else None
        if update:
            update(0, len(photos))
        found, probability = [], []
        started = time.perf_counter()
        for prediction in predict_files(predictor, (path for path, _ in photos)):
            found.append(prediction.letter or NO_HAND)
            probability.append(prediction.probability or 0.0)
            if update:
                update(len(found), len(photos))
        seconds[model] = (time.perf_counter() - started) / len(photos)
        letters[model], confidence[model] = found, probability
    return evaluate("photos", title, [letter for _, letter in photos], letters["random_forest"],
                    confidence["random_forest"], letters["resnet50"], confidence["resnet50"],
                    hybrid=letters["hybrid"], seconds_per_image=seconds)


def training_costs(rf_path: Path, cnn_path: Path, table_meta: dict) -> dict[str, TrainingCost]:
    """Per model, from the metrics saved beside it: training seconds (the Random Forest's include
    its share of the landmark extraction), size on disk and training peak memory."""
    from asl.trained import saved_result

    results = {model: saved_result(path) for model, path in (("random_forest", rf_path), ("resnet50", cnn_path))}
    rf, cnn = results["random_forest"], results["resnet50"]
    landmark_seconds = None
    if table_meta.get("seconds") is not None:  # the train images' share of the extraction's wall time
        landmark_seconds = round(table_meta["seconds"] * rf.n_train / table_meta["rows"], 1)
    costs = {
        "random_forest": TrainingCost(round(rf.train_seconds + (landmark_seconds or 0.0), 1), rf.model_bytes,
                                      rf.peak_memory_mib, landmark_seconds),
        "resnet50": TrainingCost(cnn.train_seconds, cnn.model_bytes, cnn.peak_memory_mib),
    }
    peaks = [c.peak_memory_train_mib for c in costs.values()]
    costs["hybrid"] = TrainingCost(round(sum(c.training_seconds for c in costs.values()), 1),
                                   sum(c.model_bytes for c in costs.values()), max(peaks) if None not in peaks else None)
    return costs


def _in_fresh_process(job: Callable, *args, **kwargs):
    """Run ``job`` in a spawned process (its peak memory is its own; its progress shows on stderr)."""
    spawn = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            return pool.submit(job, *args, **kwargs).result()
    except KeyboardInterrupt:
        raise Interrupted("interrupted; finished steps are kept: run asl compare again to resume") from None
    except BrokenProcessPool:
        raise AslError(f"the {job.__name__} step died (out of memory?); run asl compare again") from None


def _extract(data_dir: Path, landmarks_path: Path) -> None:
    from asl.extraction import extract_landmarks
    from asl.progress import progress_bar

    extract_landmarks(data_dir, split="all", mode="crop", out=landmarks_path, progress=progress_bar("landmarks (crop)"))


def _train_rf(data_dir: Path, landmarks_path: Path, rf_path: Path, extra_dirs: list[Path]) -> None:
    from asl.progress import progress_bar
    from asl.training import run_train_rf

    run_train_rf(landmarks_path, rf_path, data_dir, extra_dirs=extra_dirs, progress=progress_bar)


def _train_cnn(data_dir: Path, cnn_path: Path, extra_dirs: list[Path]) -> None:
    from asl.cnn_baseline import TrainSettings
    from asl.cnn_training import run_train_cnn
    from asl.progress import epoch_bars, progress_bar

    settings = TrainSettings()
    run_train_cnn(data_dir, cnn_path, settings, extra_dirs=extra_dirs, on_batch=epoch_bars(settings.epochs),
                  progress=progress_bar)


def _grouped(kind: str, model_path: Path, data_dir: Path, landmarks_path: Path, signers_dir: Path):
    """The grouped readings of one model kind on ``signers_dir`` (cached), its folds trained as the
    model at ``model_path`` was trained."""
    from asl.progress import epoch_bars, progress_bar
    from asl.signers import grouped_forest, grouped_resnet, settings_of

    _, settings, share = settings_of(model_path)
    if kind == "random_forest":
        return grouped_forest(landmarks_path, signers_dir, settings, progress=progress_bar)
    return grouped_resnet(data_dir, signers_dir, settings, share, progress=progress_bar,
                          on_batch=epoch_bars(settings.epochs))


def ensure_inputs(data_dir: Path, rf_path: Path, cnn_path: Path, landmarks_path: Path,
                  log: Callable[[str], None] = print, extra_dirs: list[Path] | None = None) -> None:
    """Make what is missing, each step by its job in a fresh process: the landmark table (reused when
    up to date), the Random Forest, the ResNet50 (with `train-cnn`'s defaults), each trained on
    Sign Language MNIST plus ``extra_dirs``' photos."""
    extra_dirs = list(extra_dirs or [])
    log(f"landmark table {landmarks_path}: extracting, or reusing it if up to date")
    _in_fresh_process(_extract, data_dir, landmarks_path)
    if not Path(rf_path).exists():
        log(f"{rf_path} is missing: training the Random Forest")
        _in_fresh_process(_train_rf, data_dir, landmarks_path, rf_path, extra_dirs)
    if not Path(cnn_path).exists():
        log(f"{cnn_path} is missing: training the ResNet50")
        _in_fresh_process(_train_cnn, data_dir, cnn_path, extra_dirs)


def evaluate_signers(data_dir: Path, rf_path: Path, cnn_path: Path, landmarks_path: Path, signers_dir: Path,
                     log: Callable[[str], None] = print) -> tuple[Evaluation, dict]:
    """Every photo of ``signers_dir`` read by models that never saw its signer (``asl.signers``):
    the Random Forest leave-one-signer-out, the ResNet50 in folds of signers, each trained as the
    compared model was; the hybrid from both. Also each model's ``SignerEvaluation`` (per signer)."""
    from asl.signers import summarize

    readings, seconds = {}, {}
    for kind, path in (("random_forest", rf_path), ("resnet50", cnn_path)):
        log(f"{kind}: reading each signer of {signers_dir} with models trained without them (cached when done)")
        started = time.perf_counter()
        readings[kind] = _in_fresh_process(_grouped, kind, path, data_dir, landmarks_path, signers_dir)
        seconds[kind] = time.perf_counter() - started
    rf, cnn = readings["random_forest"], readings["resnet50"]
    if not np.array_equal(rf.paths, cnn.paths):
        raise AslError(f"the two models' grouped readings of {signers_dir} are of different photos; run again")
    n_signers = len(set(rf.groups))
    evaluation = evaluate("signers", f"Signers never seen: {signers_dir} ({len(rf.paths)} photos of {n_signers} "
                          "signers, each read by models trained without its signer)", rf.truth, rf.letters,
                          rf.probability, cnn.letters, cnn.probability)
    evaluation.notes = [f"{TITLES[kind]}: {len(r.folds)} folds ({'; '.join(', '.join(f) for f in r.folds)}), each "
                        "trained as the compared model was" for kind, r in readings.items()]
    return evaluation, {kind: summarize(r, signers_dir, seconds[kind]) for kind, r in readings.items()}


def _section(evaluation: Evaluation, costs: dict[str, TrainingCost], timings: dict[str, InferenceTiming]) -> ReportSection:
    rows = {}
    for model, scored in evaluation.scores().items():
        timing = timings[model]
        rows[model] = ReportRow(
            scored.scores, scored.accuracy_where_hand_found, costs[model], timing.peak_memory_mib,
            **({"inference_ms_per_photo": 1000 * evaluation.seconds_per_image[model]
                if model in evaluation.seconds_per_image else None} if evaluation.is_photos
               else {"inference_batch_ms": timing.batch_ms, "inference_single_ms": timing.single_ms}))
    n, hands = len(evaluation.truth), int(evaluation.hand.sum())
    used = float(evaluation.used_landmarks.mean())
    return ReportSection(evaluation.name, evaluation.title, n, hands, rows, used,
                         [f"A hand was found in {hands} of {n} images ({hands / n:.2%}); the hybrid took the "
                          f"Random Forest's letter for {used:.2%} of them all.", *evaluation.notes])


def run_compare(data_dir: Path, rf_path: Path, cnn_path: Path, landmarks_path: Path, out_dir: Path,
                photos_dir: Path | None, timing_images: int, command: str,
                log: Callable[[str], None] = print, progress: Progress | None = None,
                signers_dir: Path | None = None) -> CompareReport:
    """Score the three models on the test split (and photos, and signers never seen), time them,
    write the report; returns it."""
    from asl.extraction import read_table
    from asl.photos import labelled_photos

    photos = labelled_photos(photos_dir, "--photos") if photos_dir else None
    table, table_meta = read_table(landmarks_path)
    log("scoring the three models on the test split")
    images, truth = load_split(data_dir, "test")
    evaluations = [evaluate_test_split(images, truth, rf_path, cnn_path, table, table_meta)]
    if photos:
        evaluations.append(evaluate_photos(photos, f"Photos in {photos_dir} ({len(photos)} photos)", rf_path,
                                           cnn_path, progress))
    per_signer = {}
    if signers_dir:
        evaluation, per_signer = evaluate_signers(data_dir, rf_path, cnn_path, landmarks_path, signers_dir, log)
        evaluations.append(evaluation)
    costs = training_costs(rf_path, cnn_path, table_meta)
    timings = time_all(rf_path, cnn_path, timing_sample(images, timing_images), log)
    report = CompareReport(
        command=command, machine=machine(), written=time.strftime("%Y-%m-%d %H:%M %Z"), code_version=code_version(),
        data_sha256=sha256_of({split: split_path(data_dir, split) for split in SPLITS}),
        timed_images=timings["random_forest"].timed_images,
        models={"random_forest": str(rf_path), "resnet50": str(cnn_path)},
        sections=[_section(evaluation, costs, timings) for evaluation in evaluations],
    )
    written = write_report(out_dir, report, evaluations)
    if per_signer:
        from asl.signers import write_signer_report

        written += [write_signer_report(Path(out_dir) / f"signers-{kind}.json", e) for kind, e in per_signer.items()]
    log("wrote " + ", ".join(str(p) for p in written))
    return report
