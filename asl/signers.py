"""`asl evaluate-signers`: how well the landmark Random Forest reads a stranger's hand. Each photo
of a folder with signer groups (ASL-HG) is read by a forest trained on Sign Language MNIST and the
other signers' photos only (leave-one-signer-out); a photo without a hand counts as wrong."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from asl.classifiers import NO_HAND, make_random_forest, score_predictions
from asl.dataset import LETTERS
from asl.errors import AslError
from asl.files import write_atomic
from asl.landmarks import COORDINATES
from asl.photo_table import compile_group_by, default_photo_out, extract_photo_landmarks, photo_group
from asl.photos import DEFAULT_GROUP_BY, credit_for, labelled_photos
from asl.provenance import code_version, machine, versions
from asl.tables import read_table
from asl.training import DEFAULT_EXTRA_WEIGHT, DEFAULT_TREES


@dataclass
class SignerEvaluation:
    """Per signer: photos and accuracy (no hand counts as wrong), by models that never saw them."""

    photos_dir: str
    per_signer: dict[str, float]
    photos_per_signer: dict[str, int]
    mean: float  # over signers
    pooled: float  # over photos
    worst_signer: str
    per_letter_accuracy: dict[str, float]
    params: dict
    credit: str | None
    seconds: float
    code_version: str
    machine: str
    versions: dict

    def as_json(self) -> dict:
        return asdict(self)


def evaluate_by_signer(landmarks_path: Path, photos_dir: Path, n_estimators: int = DEFAULT_TREES, seed: int = 0,
                       weight: float = DEFAULT_EXTRA_WEIGHT, workers: int | None = None, log: Callable[[str], None] = print,
                       progress: Callable[[str], Callable[[int, int], None]] | None = None) -> SignerEvaluation:
    """Leave-one-signer-out over the groups of ``photos_dir``'s photo table (made or reused here),
    each fold's forest trained as `asl train-rf --extra` trains it."""
    from asl.classifiers.grouped import leave_one_group_out

    started = time.perf_counter()
    pattern = compile_group_by(DEFAULT_GROUP_BY)
    named = sorted({photo_group(path.name, pattern) for path, _ in labelled_photos(photos_dir, "PHOTOS")} - {None})
    if len(named) < 2:  # known from the file names: say so before any long step
        raise AslError(f"{photos_dir}: photos of at least two signers are needed (file names like P1_A_1.jpg); found "
                       + (", ".join(named) or "none"))
    table, meta = read_table(landmarks_path)
    train = table[(table["split"] == "train") & table["hand"]]
    photos = extract_photo_landmarks(photos_dir, default_photo_out(photos_dir), workers=workers,
                                     landmarker_settings=meta["landmarker"],
                                     progress=progress(f"landmarks (auto, {Path(photos_dir).name})") if progress else None)
    grouped = photos[photos["group"].notna()]
    signers = sorted(grouped["group"].unique())
    hands = grouped[grouped["hand"]]
    model = make_random_forest(n_estimators=n_estimators, seed=seed)
    done = []

    def on_fold(held: str, _trained) -> None:
        done.append(held)
        log(f"signer {held} ({len(done)} of {len(signers)}): training on Sign Language MNIST and the other signers")

    letters = leave_one_group_out(model, train[list(COORDINATES)].to_numpy(), train["letter"].to_numpy(),
                                  hands[list(COORDINATES)].to_numpy(), hands["letter"].to_numpy(),
                                  hands["group"].to_numpy(dtype=object), weight=weight, on_fold=on_fold)
    read = np.full(len(grouped), NO_HAND, dtype=object)
    read[grouped["hand"].to_numpy()] = letters
    truth = grouped["letter"].to_numpy(dtype=object)
    group = grouped["group"].to_numpy(dtype=object)
    per_signer = {s: float((read[group == s] == truth[group == s]).mean()) for s in signers}
    worst = min(per_signer, key=per_signer.get)
    return SignerEvaluation(
        photos_dir=str(Path(photos_dir).resolve()), per_signer=per_signer,
        photos_per_signer={s: int((group == s).sum()) for s in signers},
        mean=float(np.mean(list(per_signer.values()))), pooled=float((read == truth).mean()), worst_signer=worst,
        per_letter_accuracy=score_predictions(truth, read, LETTERS).per_letter_accuracy,
        params={"n_estimators": n_estimators, "seed": seed, "weight": weight, "landmarks": str(landmarks_path)},
        credit=credit_for(photos_dir), seconds=round(time.perf_counter() - started, 1), code_version=code_version(),
        machine=machine(), versions=versions(),
    )


def write_signer_report(path: Path, evaluation: SignerEvaluation) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(json.dumps(evaluation.as_json(), indent=2) + "\n"))
