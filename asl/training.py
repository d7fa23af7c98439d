"""`asl train-rf`: fit the landmark Random Forest, score it on the test split, save it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from asl.classifiers import DEFAULTS, NO_HAND, ForestSettings, forest_for, score_predictions
from asl.classifiers.sources import training_rows
from asl.dataset import LETTERS
from asl.errors import AslError
from asl.extra import PhotoRows
from asl.landmarks.result import COORDINATES
from asl.modelfile import landmark_model_writer
from asl.trained import TrainingResult, metrics_path, save_trained


def predict_table(pipeline, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Letter and its probability for each row of a landmark table; ``NO_HAND`` and 0 where no
    hand was found."""
    predictions = np.full(len(table), NO_HAND, dtype=object)
    confidence = np.zeros(len(table))
    hand = table["hand"].to_numpy()
    if hand.any():
        probabilities = pipeline.predict_proba(table.loc[hand, list(COORDINATES)].to_numpy())
        predictions[hand] = pipeline.classes_[probabilities.argmax(axis=1)]
        confidence[hand] = probabilities.max(axis=1)
    return predictions, confidence


def train_random_forest(
    table: pd.DataFrame,
    table_meta: dict,
    model_path: Path,
    settings: ForestSettings = DEFAULTS,
    extra: list[PhotoRows] | None = None,
    cluster: str | None = None,
) -> TrainingResult:
    """Fit on the train rows with a hand plus ``extra``'s photo rows (``classifiers.sources``: each
    source together weighing ``settings.share`` times the train rows, through scikit-learn's
    ``sample_weight``; with photos, only the photos get mirrored and turned views), score on every
    test row, save the model and its metrics JSON. ``cluster``: the trees are grown on a Dask
    cluster (``asl.cluster``, joblib's Dask backend); the same seed gives the same forest."""
    train = table[(table["split"] == "train") & table["hand"]]
    test = table[table["split"] == "test"]
    if train.empty or test.empty:
        raise AslError("the landmark table needs train rows with a hand and test rows; extract with --split all")
    if train["letter"].nunique() < 2:
        raise AslError("the train rows hold fewer than two letters; extract more rows (no --limit)")
    extra = list(extra or [])
    rows = training_rows(train[list(COORDINATES)].to_numpy(), train["letter"].to_numpy(),
                         [(photos.X, photos.y) for photos in extra], share=settings.share,
                         augment_base=settings.augment and not extra)
    # each photo's readings (HandResult.readings) together weigh what the source gives a photo
    sources = [replace(photos.source, weight=round(w * len(photos.X) / max(1, photos.source.hands), 4),
                       share=settings.share)
               for photos, w in zip(extra, rows.photo_weights)]
    from asl.cluster import joblib_on

    started = time.perf_counter()
    with joblib_on(cluster):
        pipeline = rows.fit(forest_for(settings, photos=bool(extra)))
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    predictions, _ = predict_table(pipeline, test)
    predict_seconds = time.perf_counter() - started
    landmarker = model_landmarker(table_meta["landmarker"], photos=bool(extra))
    result = TrainingResult(
        model="random_forest",
        scores=score_predictions(test["letter"].to_numpy(), predictions, LETTERS),
        n_train=int(len(rows.X)),
        trained_on="Sign Language MNIST" + (" and photos" if extra else " alone"),
        extra=sources,
        train_seconds=round(train_seconds, 2),
        predict_seconds_per_image=predict_seconds / len(test),
        params=settings.as_dict(),
        landmarks=landmarker,
        data_sha256=table_meta["source_sha256"],
    )
    return save_trained(model_path, landmark_model_writer(pipeline, landmarker, {"letters": list(LETTERS)}), result)


def model_landmarker(table_landmarker: dict, photos: bool) -> dict:
    """The landmarker settings a model saves: its landmark table's (crop mode's), and whether it
    reads a hand's box upright (``landmarks.box_upright``): as its training photos were read when it
    has any, as it is when it learned from Sign Language MNIST's crops alone."""
    return {**table_landmarker, "box_upright": photos}


def trained_on_table(model_landmarker: dict, table_landmarker: dict) -> bool:
    """Whether a model with these landmarker settings was trained on landmarks made as the table's."""
    return all(model_landmarker.get(key) == value for key, value in table_landmarker.items())


def run_train_rf(landmarks_path: Path, model_path: Path, data_dir: Path, settings: ForestSettings = DEFAULTS,
                 workers: int | None = None, extra_dirs: list[Path] | None = None, log: Callable[[str], None] = print,
                 progress: Callable[[str], Callable[[int, int], None]] | None = None,
                 cluster: str | None = None) -> TrainingResult:
    """`asl train-rf`: extract the landmark table first if it is missing (crop mode, both splits),
    read each of ``extra_dirs``' photos (through its cached photo table), train, score, save."""
    from asl.extra import extra_landmarks
    from asl.extraction import extract_landmarks, read_table
    from asl.locks import output_lock
    from asl.photos import labelled_photos

    extra_dirs = list(extra_dirs or [])
    for folder in extra_dirs:
        labelled_photos(folder, "--extra")  # a malformed folder fails before any long step
    with output_lock(model_path, also=[metrics_path(model_path)]):  # one training per model file at a time
        if not Path(landmarks_path).exists():
            log(f"{landmarks_path} is missing; extracting landmarks first (crop mode, both splits)")
            extract_landmarks(data_dir, split="all", mode="crop", out=landmarks_path, workers=workers,
                              progress=progress("landmarks (crop)") if progress else None, cluster=cluster)
        table, meta = read_table(landmarks_path)
        extra = []
        for folder in extra_dirs:
            rows = extra_landmarks(folder, meta["landmarker"], workers=workers,
                                   progress=progress(f"landmarks (auto, {Path(folder).name})") if progress else None,
                                   cluster=cluster)
            source = rows.source
            log(f"--extra {folder}: hand found in {source.hands} of {source.photos} photos"
                + (f" ({source.unreadable} could not be read)" if source.unreadable else "")
                + (f"; {source.groups} signers" if source.groups else ""))
            extra.append(rows)
        return train_random_forest(table, meta, model_path, settings, extra=extra, cluster=cluster)
