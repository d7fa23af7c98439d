"""Issue 11 scratch: leave-one-signer-out (ASL-HG) for photo-weighted Random Forest recipes.

Every variant: train on SL-MNIST train landmarks (crop mode, hand found) + ASL-HG photos of the
other nine signers (auto mode, default order, hand found), photos weighted through
RandomForestClassifier.fit(sample_weight=...), predict the held-out signer's photos (no hand = wrong).
Then one "full" model on SL-MNIST + all 10 signers scores the SL-MNIST test split (7,172, no hand
= wrong) and asl-photos-dev (456, no hand = wrong); its size (joblib, uncompressed and compress=3)
and training time are recorded.

Usage: python loso.py VARIANT [VARIANT ...]   (names in VARIANTS below)
Results appended to results.jsonl; per-photo predictions to preds/<variant>.parquet.
"""
from __future__ import annotations

import json
import os
import sys
import time
from itertools import combinations
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

sys.path.insert(0, "/work/snapshot")
from landmarks.augment import mirror, random_views  # noqa: E402  (the product's augmentation)

HERE = Path("/work/scratch/issue11")
PAIRS = np.array(list(combinations(range(21), 2)))
COLS = [f"{a}{i}" for i in range(21) for a in "xyz"]

# ---------------------------------------------------------------- data


def load():
    crop = pd.read_parquet(HERE / "landmarks-crop.parquet")
    ph = pd.read_parquet(HERE / "photos-auto.parquet")
    ph = ph[ph["order"] == "default"].reset_index(drop=True)
    tr = crop[(crop["split"] == "train") & crop["hand"]]
    te = crop[crop["split"] == "test"]
    hg = ph[ph["dataset"] == "asl-hg"].reset_index(drop=True)
    dev = ph[ph["dataset"] == "asl-photos-dev"].reset_index(drop=True)
    pts = lambda d: d[COLS].to_numpy(np.float64).reshape(-1, 21, 3)
    return dict(
        mn_X=pts(tr), mn_y=tr["letter"].to_numpy(),
        te_X=pts(te), te_y=te["letter"].to_numpy(), te_found=te["hand"].to_numpy(),
        hg_X=pts(hg), hg_y=hg["letter"].to_numpy(), hg_found=hg["found"].to_numpy(), hg_signer=hg["signer"].to_numpy(),
        hg_by=hg["found_by"].to_numpy(), hg_path=hg["path"].to_numpy(),
        dev_X=pts(dev), dev_y=dev["letter"].to_numpy(), dev_found=dev["found"].to_numpy(), dev_by=dev["found_by"].to_numpy(),
        dev_path=dev["path"].to_numpy(),
    )

# ---------------------------------------------------------------- features


def winding(points):
    """Sign of the 2-D winding wrist -> index MCP (5) -> little MCP (17)."""
    a, b = points[:, 5, :2] - points[:, 0, :2], points[:, 17, :2] - points[:, 0, :2]
    return np.sign(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])


def canonical(points):
    """Mirror hands whose winding is negative (label-free handedness canonicalisation)."""
    out = points.copy()
    flip = winding(points) < 0
    out[flip, :, 0] *= -1
    return out


def features(points, kind="base", photo=True):
    """base = LandmarkFeatures(use_z=False) without its 21 all-zero z columns: wrist-relative x, y
    scaled by |wrist - middle MCP| + 210 2-D joint distances (252 columns)."""
    p = points[:, :, :2].copy()
    p -= p[:, :1]
    if kind.startswith("palm"):  # palm size: mean of the 2-D wrist-index MCP, wrist-little MCP, index-little MCP, wrist-middle MCP
        s = (np.linalg.norm(p[:, 5], axis=1) + np.linalg.norm(p[:, 17], axis=1)
             + np.linalg.norm(p[:, 5] - p[:, 17], axis=1) + np.linalg.norm(p[:, 9], axis=1)) / 4
    else:
        s = np.linalg.norm(p[:, 9], axis=1)
    p /= np.where(s > 1e-9, s, 1.0)[:, None, None]
    d = np.linalg.norm(p[:, PAIRS[:, 0]] - p[:, PAIRS[:, 1]], axis=2)
    out = [p.reshape(len(p), -1), d]
    if kind.endswith("angles"):  # finger-state: 2-D bend at each of the 15 finger joints (cos), + finger direction vs hand axis
        chains = [(0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20)]
        cos = []
        axis = p[:, 9] / np.maximum(np.linalg.norm(p[:, 9], axis=1, keepdims=True), 1e-9)
        for c in chains:
            for a, b, e in zip(c[:-2], c[1:-1], c[2:]):
                u, v = p[:, b] - p[:, a], p[:, e] - p[:, b]
                nu, nv = np.linalg.norm(u, axis=1), np.linalg.norm(v, axis=1)
                cos.append((u * v).sum(1) / np.maximum(nu * nv, 1e-9))
            f = p[:, c[-1]] - p[:, c[1]]
            f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-9)
            cos.append((f * axis).sum(1))
            cos.append(f[:, 0] * axis[:, 1] - f[:, 1] * axis[:, 0])
        out.append(np.stack(cos, 1))
    if "zphoto" in kind:  # wrist-relative z on the x, y scale for photo rows; NaN (missing) for SL-MNIST rows
        z = (points[:, :, 2] - points[:, :1, 2]) / np.where(s > 1e-9, s, 1.0)[:, None]
        out.append(z if photo else np.full_like(z, np.nan))
    return np.hstack(out).astype(np.float32)

# ---------------------------------------------------------------- augmentation


def augment(points, labels, how, seed):
    """'full' = mirror + one turned view of each (the product's ViewAugmentedClassifier),
    'mirror' = mirror only, 'view' = one turned view (no mirror), 'none'. Returns points, labels, index into input."""
    idx = np.arange(len(points))
    if how in ("full", "mirror"):
        points, labels, idx = np.concatenate([points, mirror(points)]), np.concatenate([labels, labels]), np.concatenate([idx, idx])
    if how in ("full", "view", "view2"):
        rng = np.random.default_rng(seed)
        k = 2 if how == "view2" else 1
        views = [random_views(points, rng, 30.0, 20.0, 15.0, 0.07, 0.02) for _ in range(k)]
        points = np.concatenate([points, *views])
        labels, idx = np.tile(labels, 1 + k), np.tile(idx, 1 + k)
    return points, labels, idx

# ---------------------------------------------------------------- variants

BASE = dict(trees=30, weight=("fixed", 5.0), crop_aug="full", photo_aug="full", canon=False, feats="base",
            leaf=1, max_leaf_nodes=None, max_samples=0.2, class_weight=None, max_features="sqrt", seed=0)
VARIANTS = {
    "baseline-w5": {},
    "share0.25": dict(weight=("share", 0.25)),
    "share0.5": dict(weight=("share", 0.5)),
    "share1": dict(weight=("share", 1.0)),
    "share2": dict(weight=("share", 2.0)),
    "w1": dict(weight=("fixed", 1.0)),
    "w0": dict(weight=("fixed", 0.0)),
    "share0.5-photo-mirror": dict(weight=("share", 0.5), photo_aug="mirror"),
    "share0.5-photo-none": dict(weight=("share", 0.5), photo_aug="none"),
    "share0.5-photo-view2": dict(weight=("share", 0.5), photo_aug="view2"),
    "share0.5-canon": dict(weight=("share", 0.5), canon=True, crop_aug="view", photo_aug="view"),
    "share0.5-canon-noview": dict(weight=("share", 0.5), canon=True, crop_aug="view", photo_aug="none"),
    "share0.5-palm": dict(weight=("share", 0.5), feats="palm"),
    "share0.5-angles": dict(weight=("share", 0.5), feats="base+angles"),
    "share0.5-zphoto": dict(weight=("share", 0.5), feats="base+zphoto"),
    "share0.5-leaf2": dict(weight=("share", 0.5), leaf=2),
    "share0.5-leaf5": dict(weight=("share", 0.5), leaf=5),
    "share0.5-balanced": dict(weight=("share", 0.5), class_weight="balanced"),
    # parts for "+" combos
    "photoview2": dict(photo_aug="view2"), "seed1": dict(seed=1), "ms0.3": dict(max_samples=0.3), "msall": dict(max_samples=None),
    "cropmirror": dict(crop_aug="mirror"), "cropnone": dict(crop_aug="none"), "cropview": dict(crop_aug="view"), "photomirror": dict(photo_aug="mirror"), "photonone": dict(photo_aug="none"),
    "canon": dict(canon=True, crop_aug="view", photo_aug="view"), "canon-noview": dict(canon=True, crop_aug="none", photo_aug="none"),
    "zphoto": dict(feats="base+zphoto"), "angles": dict(feats="base+angles"), "palm": dict(feats="palm"),
    "palmangles": dict(feats="palm+angles"), "balanced": dict(class_weight="balanced"),
    "t50": dict(trees=50), "t100": dict(trees=100), "ms0.5": dict(max_samples=0.5), "ms0.1": dict(max_samples=0.1), "t200": dict(trees=200), "t300": dict(trees=300),
    "leaf2": dict(leaf=2), "leaf3": dict(leaf=3), "leaf5": dict(leaf=5), "leaf10": dict(leaf=10),
    "mln2000": dict(max_leaf_nodes=2000), "mln256": dict(max_leaf_nodes=256), "mln4000": dict(max_leaf_nodes=4000), "mln1000": dict(max_leaf_nodes=1000),
}


def spec(name):
    s = dict(BASE)
    for part in name.split("+"):  # "share0.5+leaf5" style combos: later parts override
        s.update(VARIANTS[part])
    return s


def build_train(D, s, photo_mask):
    """Features, labels, weights for SL-MNIST train + the ASL-HG photos in photo_mask (hand found)."""
    cache = build_train.cache
    key = ("mn", s["crop_aug"], s["canon"], s["feats"])
    if key not in cache:
        P = canonical(D["mn_X"]) if s["canon"] else D["mn_X"]
        P, y, _ = augment(P, D["mn_y"], s["crop_aug"], 0)
        cache[key] = (features(P, s["feats"], photo=False), y)
    Xm, ym = cache[key]
    keyp = ("hg", s["photo_aug"], s["canon"], s["feats"])
    if keyp not in cache:
        P = canonical(D["hg_X"]) if s["canon"] else D["hg_X"]
        P = np.nan_to_num(P)
        P, y, idx = augment(P, D["hg_y"], s["photo_aug"], 1)
        cache[keyp] = (features(P, s["feats"]), y, idx)
    Xp, yp, idxp = cache[keyp]
    sel = (photo_mask & D["hg_found"])[idxp]
    Xp, yp = Xp[sel], yp[sel]
    kind, v = s["weight"]
    wp = v if kind == "fixed" else v * len(Xm) / max(len(Xp), 1)
    X = np.concatenate([Xm, Xp])
    y = np.concatenate([ym, yp])
    w = np.concatenate([np.ones(len(Xm)), np.full(len(Xp), wp)])
    return X, y, w, wp


build_train.cache = {}


def predict(model, D, s, X, found, photo=True):
    pred = np.full(len(X), "-", dtype=object)
    proba = np.zeros(len(X))
    if found.any():
        P = canonical(X[found]) if s["canon"] else X[found]
        pr = model.predict_proba(features(P, s["feats"], photo))
        pred[found] = model.classes_[pr.argmax(1)]
        proba[found] = pr.max(1)
    return pred, proba


def forest(s, seed=0):
    return RandomForestClassifier(n_estimators=s["trees"], random_state=seed, n_jobs=1, max_samples=s["max_samples"],
                                  min_samples_leaf=s["leaf"], max_leaf_nodes=s["max_leaf_nodes"],
                                  class_weight=s["class_weight"], max_features=s["max_features"])


def run(D, name, full=True):
    s = spec(name)
    t_all = time.time()
    signers = sorted(set(D["hg_signer"]), key=lambda p: int(p[1:]))
    pred = np.full(len(D["hg_y"]), "-", dtype=object)
    prob = np.zeros(len(D["hg_y"]))
    fit_times = []
    m0 = None
    for sg in signers:
        held = D["hg_signer"] == sg
        if s["weight"] == ("fixed", 0.0):  # no photos: every fold's model is the same SL-MNIST-only forest
            X, y, w, wp = build_train(D, s, np.zeros(len(held), bool))
            if m0 is None:
                t = time.time()
                m0 = forest(s, s["seed"]).fit(X, y, sample_weight=w)
                fit_times.append(time.time() - t)
            m = m0
        else:
            X, y, w, wp = build_train(D, s, ~held)
            t = time.time()
            m = forest(s, s["seed"]).fit(X, y, sample_weight=w)
            fit_times.append(time.time() - t)
        pred[held], prob[held] = predict(m, D, s, D["hg_X"][held], D["hg_found"][held])
        acc = np.mean(pred[held] == D["hg_y"][held])
        print(f"  {name} {sg}: {acc:.3f} (fit {fit_times[-1]:.0f}s, photo w {wp:.2f})", flush=True)
        del m
    right = pred == D["hg_y"]
    per = {sg: float(right[D["hg_signer"] == sg].mean()) for sg in signers}
    res = dict(variant=name, spec={k: v for k, v in s.items()}, loso_mean=float(np.mean(list(per.values()))),
               loso_pooled=float(right.mean()), loso_min=min(per.values()), loso_min_signer=min(per, key=per.get),
               per_signer=per, fit_s_mean=float(np.mean(fit_times)))
    out = pd.DataFrame(dict(path=D["hg_path"], letter=D["hg_y"], signer=D["hg_signer"], found_by=D["hg_by"],
                            found=D["hg_found"], pred=pred, proba=prob))
    if full:
        X, y, w, wp = build_train(D, s, np.ones(len(D["hg_y"]), bool))
        t = time.time()
        m = forest(s, s["seed"]).fit(X, y, sample_weight=w)
        res["full_train_s"] = time.time() - t
        res["full_rows"] = len(X)
        tp, _ = predict(m, D, s, D["te_X"], D["te_found"], photo=False)
        res["mnist_test"] = float(np.mean(tp == D["te_y"]))
        dp, dprob = predict(m, D, s, D["dev_X"], D["dev_found"])
        res["dev"] = float(np.mean(dp == D["dev_y"]))
        out_dev = pd.DataFrame(dict(path=D["dev_path"], letter=D["dev_y"], signer="dev", found_by=D["dev_by"],
                                    found=D["dev_found"], pred=dp, proba=dprob))
        out = pd.concat([out, out_dev])
        f = HERE / "tmp-model.joblib"
        joblib.dump(m, f)
        res["size_mb"] = os.path.getsize(f) / 1e6
        joblib.dump(m, f, compress=3)
        res["size_mb_z3"] = os.path.getsize(f) / 1e6
        f.unlink()
        res["nodes_mean"] = float(np.mean([e.tree_.node_count for e in m.estimators_]))
        del m
    res["total_s"] = time.time() - t_all
    (HERE / "preds").mkdir(exist_ok=True)
    out.to_parquet(HERE / "preds" / f"{name}.parquet")
    with open(HERE / "results.jsonl", "a") as fh:
        fh.write(json.dumps(res) + "\n")
    print(json.dumps({k: v for k, v in res.items() if k != "spec"}), flush=True)
    return res


if __name__ == "__main__":
    D = load()
    print({k: getattr(v, "shape", None) for k, v in D.items()}, flush=True)
    for name in sys.argv[1:]:
        run(D, name)
