"""`asl train-rf`: fit the landmark Random Forest, score it on the test split, save it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from asl.dataset import LETTERS
from asl.errors import AslError
from asl.extraction import COORDINATES
from asl.modelfile import save_model, write_metrics
from asl.provenance import code_version, peak_memory_mib, versions
from classifiers import NO_HAND, make_random_forest, score_predictions


def predict_table(pipeline, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Letter and its probability for each row of a landmark table; ``NO_HAND`` and 0 where no
    hand was found."""
    predictions = np.full(len(table), NO_HAND, dtype=object)
    confidence = np.zeros(len(table))
    hand = table["hand"].to_numpy()
    if hand.any():
        probabilities = pipeline.predict_proba(table.loc[hand, COORDINATES].to_numpy())
        predictions[hand] = pipeline.classes_[probabilities.argmax(axis=1)]
        confidence[hand] = probabilities.max(axis=1)
    return predictions, confidence


def train_random_forest(
    table: pd.DataFrame,
    table_meta: dict,
    model_path: Path,
    n_estimators: int = 300,
    seed: int = 0,
    use_z: bool = False,
    augment: bool = True,
    extra: tuple[np.ndarray, np.ndarray, dict] | None = None,
    extra_weight: int = 10,
) -> dict:
    """Fit on the train rows with a hand (plus ``extra`` rows, letters and summary from
    ``asl.extra.extra_landmarks``, each repeated ``extra_weight`` times so that a few photos are
    not drowned by 27,000 training images; with ``augment`` each copy gets its own turned view),
    score on every test row, save model and metrics JSON."""
    train = table[(table["split"] == "train") & table["hand"]]
    test = table[table["split"] == "test"]
    if train.empty or test.empty:
        raise AslError("the landmark table needs train rows with a hand and test rows; extract with --split all")
    if train["letter"].nunique() < 2:
        raise AslError("the train rows hold fewer than two letters; extract more rows (no --limit)")
    pipeline = make_random_forest(n_estimators=n_estimators, seed=seed, use_z=use_z, augment=augment)
    X, y = train[COORDINATES].to_numpy(), train["letter"].to_numpy()
    if extra is not None:
        X = np.concatenate([X, np.repeat(extra[0], extra_weight, axis=0)])
        y = np.concatenate([y, np.repeat(extra[1], extra_weight)])
    started = time.perf_counter()
    pipeline.fit(X, y)
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    predictions, _ = predict_table(pipeline, test)
    predict_seconds = time.perf_counter() - started
    metrics = {
        "model": "random_forest",
        **score_predictions(test["letter"].to_numpy(), predictions, LETTERS),
        "n_train": int(len(X)),
        "trained_on": "Sign Language MNIST" + (" and extra photos" if extra is not None else " alone"),
        **({"extra": {**extra[2], "weight": extra_weight}} if extra is not None else {}),
        "train_seconds": round(train_seconds, 2),
        "predict_seconds_per_image": predict_seconds / len(test),
        "params": {"n_estimators": n_estimators, "seed": seed, "use_z": use_z, "augment": augment},
        "landmarks": table_meta["landmarker"],
        "data_sha256": table_meta["source_sha256"],
        "code_version": code_version(),
        "versions": versions(),
    }
    save_model(model_path, pipeline, table_meta["landmarker"], {"letters": list(LETTERS)})
    metrics["model_bytes"] = os.path.getsize(model_path)
    metrics["peak_memory_mib"] = peak_memory_mib()
    write_metrics(model_path, metrics)
    return metrics
