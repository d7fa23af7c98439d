"""Issue 11, ninth round (2026-11-27): the scripts behind `../../photo-experiments.md`, "Ninth round".

Usage (from the repository root; HERE is where tables and results go):
    python benchmarks/experiments/issue11/ninth_round.py tables    # dev photos, box readings, small photos
    python benchmarks/experiments/issue11/ninth_round.py scores    # every recipe: test, dev, leave-one-signer-out
    python benchmarks/experiments/issue11/ninth_round.py turns     # crop mode in four quarter turns

It reads `data/processed/landmarks-crop.parquet` and `data/processed/photos-asl-hg.parquet` (made by
`asl train-rf --extra ../shared/data/asl-hg`) and the photos in ../shared/data. Each recipe is
trained as `asl train-rf --extra` trains it (`training_rows`, the default forest); scores: the Sign
Language MNIST test split, asl-photos-dev, and each ASL-HG signer read by a forest trained without
them (no hand = wrong throughout). Results are appended to HERE/results.jsonl.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from sklearn.base import clone

from asl.classifiers import DEFAULTS, forest_for
from asl.classifiers.sources import training_rows
from asl.images import read_image
from asl.landmarks import COORDINATES, make_landmarker
from asl.landmarks.handcrop import upright_turns
from asl.photos import labelled_photos

HERE = Path("/work/scratch/ninth")
DATA = Path("../shared/data")
DEV, HG = DATA / "asl-photos-dev", DATA / "asl-hg"
C = list(COORDINATES)
FILLS = (0.7, 0.8, 0.9)
SMALL = (32, 48, 64)


def row(path: Path, folder: Path, letter: str, result) -> dict:
    match = re.match(r"^(P\d+)_", path.name)
    points = result.landmarks.ravel() if result.landmarks is not None else np.full(63, np.nan)
    return {"path": path.relative_to(folder).as_posix(), "letter": letter, "group": match.group(1) if match else None,
            "hand": bool(result.found), "found_by": result.mode, **dict(zip(C, points))}


def tables() -> None:
    """Each photo's box read at the fills of FILLS (the hand located once), and asl-photos-dev shrunk to
    SMALL sides read as auto mode read them before (crop mode, whole image) and as it reads them now."""
    auto = make_landmarker("auto")
    for folder, name in ((DEV, "dev"), (HG, "hg")):
        rows = {f: [] for f in FILLS}
        for path, letter in labelled_photos(folder, "--images"):
            rgb = read_image(path)
            located = auto.locate(rgb)
            for f in FILLS:
                auto.fill = f
                rows[f].append(row(path, folder, letter, auto.read_box(rgb, located)))
        auto.fill = 0.8
        for f in FILLS:
            pd.DataFrame(rows[f]).to_parquet(HERE / f"{name}-fill{f}.parquet")
    for side in SMALL:
        before, now = [], []
        for path, letter in labelled_photos(DEV, "--images"):
            rgb = read_image(path)
            h, w = rgb.shape[:2]
            s = side / max(h, w)
            small = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
            before.append(row(path, DEV, letter, auto.crop(small)))
            now.append(row(path, DEV, letter, auto(small)))
        pd.DataFrame(before).to_parquet(HERE / f"dev-small{side}-crop.parquet")
        pd.DataFrame(now).to_parquet(HERE / f"dev-small{side}-photo.parquet")


class Data:
    def __init__(self) -> None:
        crop = pd.read_parquet("data/processed/landmarks-crop.parquet")
        train = crop[(crop.split == "train") & crop.hand]
        self.test = crop[crop.split == "test"].reset_index(drop=True)
        self.Xb, self.yb = train[C].to_numpy(), train.letter.to_numpy(object)
        self.fills = {(name, f): pd.read_parquet(HERE / f"{name}-fill{f}.parquet") for name in ("dev", "hg") for f in FILLS}
        self.dev, self.hg = self.fills["dev", 0.8], self.fills["hg", 0.8]


def fit(d: Data, settings, sources, crops_forest: bool = False):
    return training_rows(d.Xb, d.yb, sources, share=settings.share).fit(clone(forest_for(settings, photos=crops_forest)))


def proba(model, tables: list[pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities summed over several readings of the same photos, and whether any found a hand."""
    total, found = 0.0, np.zeros(len(tables[0]), bool)
    for t in tables:
        h = t.hand.to_numpy(bool)
        p = np.zeros((len(t), len(model.classes_)))
        if h.any():
            p[h] = model.predict_proba(t.loc[h, C].to_numpy())
        total, found = total + p, found | h
    return total, found


def accuracy(model, tables: list[pd.DataFrame]) -> float:
    p, found = proba(model, tables)
    letters = np.where(found, model.classes_[p.argmax(1)], "-")
    return float((letters == tables[0].letter.to_numpy(object)).mean())


def score(d: Data, name: str, settings=DEFAULTS, train_fills=(0.8,), read_fills=(0.8,), crops_forest=False) -> dict:
    started = time.time()

    def sources(held: str | None):
        parts = [d.fills["hg", f] for f in train_fills]
        parts = [t[t.hand & (t.group != held)] for t in parts]
        return [(np.concatenate([t[C].to_numpy() for t in parts]), np.concatenate([t.letter.to_numpy(object) for t in parts]))]

    model = fit(d, settings, sources(None), crops_forest)
    result = {"name": name, "test": accuracy(model, [d.test]), "dev": accuracy(model, [d.fills["dev", f] for f in read_fills])}
    per = {}
    for g in sorted(d.hg.group.unique()):
        m = fit(d, settings, sources(g), crops_forest)
        per[g] = accuracy(m, [d.fills["hg", f][d.hg.group == g] for f in read_fills])
    result.update(loso_mean=float(np.mean(list(per.values()))), loso_min=min(per.values()), per=per,
                  seconds=round(time.time() - started))
    print(json.dumps(result), flush=True)
    with open(HERE / "results.jsonl", "a") as f:
        f.write(json.dumps(result) + "\n")
    return result


def scores() -> None:
    d = Data()
    score(d, "eighth round (default)")
    score(d, "photos weigh half", replace(DEFAULTS, share=0.5))
    score(d, "three box readings at prediction", read_fills=FILLS)
    score(d, "three box readings in training and prediction", train_fills=FILLS, read_fills=FILLS)
    score(d, "three box readings in training", train_fills=FILLS)
    # the crops' forest: test split by the photo model, the crops' forest, their mean; small photos too
    photo = fit(d, DEFAULTS, [(d.hg.loc[d.hg.hand, C].to_numpy(), d.hg.loc[d.hg.hand, "letter"].to_numpy(object))])
    small = {side: pd.read_parquet(HERE / f"dev-small{side}-crop.parquet") for side in SMALL}
    for side in SMALL:
        now = pd.read_parquet(HERE / f"dev-small{side}-photo.parquet")
        print(f"dev shrunk to {side} px: as crops {accuracy(photo, [small[side]]):.2%}, as photos {accuracy(photo, [now]):.2%}")
    for n, leaf, views in ((50, 2, False), (50, 1, False), (100, 2, False), (100, 1, False), (150, 1, False), (50, 2, True), (50, 1, True)):
        crops = forest_for(replace(DEFAULTS, n_estimators=n, min_samples_leaf=leaf, augment=views)).fit(d.Xb, d.yb)
        line = {"trees": n, "leaf": leaf, "views": views, "test": accuracy(crops, [d.test])}
        for name, t in (("test", d.test), *((f"small{s}", small[s]) for s in SMALL)):
            h = t.hand.to_numpy(bool)
            X = t.loc[h, C].to_numpy()
            pp, pc = photo.predict_proba(X), crops.predict_proba(X)
            crop_rows = np.isnan(X[:, 2])[:, None]
            for how, p in (("photo", pp), ("crops", np.where(crop_rows, pc, pp)), ("mean", np.where(crop_rows, (pc + pp) / 2, pp))):
                letters = np.full(len(t), "-", dtype=object)
                letters[h] = photo.classes_[p.argmax(1)]
                line[f"{name} {how}"] = float((letters == t.letter.to_numpy(object)).mean())
        print(json.dumps(line), flush=True)


def turns() -> None:
    """Crop mode on each image in four quarter turns: which reading the presence picks."""
    from asl.dataset import load_split
    from asl.landmarks.crop import CropLandmarker

    crop = CropLandmarker()
    X, y = load_split(DATA / "sign-language-mnist", "test")
    rng = np.random.default_rng(0)
    idx = np.concatenate([np.flatnonzero(np.isin(y, list("GHPQ"))),
                          rng.choice(np.flatnonzero(~np.isin(y, list("GHPQ"))), 1200, replace=False)])
    d = Data()
    photo = fit(d, DEFAULTS, [(d.hg.loc[d.hg.hand, C].to_numpy(), d.hg.loc[d.hg.hand, "letter"].to_numpy(object))])
    images, letters = [X[i] for i in idx], y[idx]
    reads = [crop.many(images, t) for t in range(4)]
    presence = np.array([[r.score for r in rs] for rs in reads])
    points = np.array([[r.landmarks for r in rs] for rs in reads])
    letters_read = np.array([photo.predict(points[t].reshape(len(idx), -1)) for t in range(4)])
    upright = np.array([[upright_turns(points[t, i]) == t for i in range(len(idx))] for t in range(4)])
    first = np.array([upright_turns(points[0, i]) for i in range(len(idx))])
    for name, choice in (("as now", np.zeros(len(idx), int)), ("highest presence", presence.argmax(0)),
                         ("highest presence, pointing up", np.where(upright, presence, -1).argmax(0)),
                         ("second reading where the first does not point up", first)):
        print(name, f"{(letters_read[choice, np.arange(len(idx))] == letters).mean():.2%}")


if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    {"tables": tables, "scores": scores, "turns": turns}[sys.argv[1]]()
