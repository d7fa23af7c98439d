"""Issue 11 scratch: auto-mode landmarks of ASL-HG + asl-photos-dev photos and the first 2,000
SL-MNIST test images, for BOTH auto-mode path orders in one pass:

  default    : detect -> crop(whole, span>=0.6) -> detect-low -> detect-padded -> crop-small  (landmarks/photo.py)
  crop-first : crop(whole, span>=0.6) -> detect -> detect-low -> detect-padded -> crop-small  (CropFirstLandmarker)

Each path's raw result (detect, whole-image crop, ...) is computed once per image and both
orders' answers are derived from it, then read_box is applied as in PhotoLandmarker.__call__.
`--check N` verifies on N images that this equals PhotoLandmarker / CropFirstLandmarker called directly.

Out: photos-auto.parquet, mnist-test2000-auto.parquet (one row per image and order).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from asl.images import read_image
from landmarks import make_landmarker
from landmarks.image import as_rgb
from landmarks.photo import PhotoLandmarker

OUT = Path("/work/scratch/issue11")
HG = Path("/work/shared/data/asl-hg")
DEV = Path("/work/shared/data/asl-photos-dev")
MNIST_TEST = Path("/work/shared/data/sign-language-mnist/sign_mnist_test.csv")
LETTERS = "ABCDEFGHIKLMNOPQRSTUVWXY"


class CropFirstLandmarker(PhotoLandmarker):
    """Auto mode with the whole-image `crop` path tried first (then detect, detect-low, ...)."""

    def locate(self, image):
        rgb = as_rgb(image)
        whole = self.crop(rgb)
        if whole.found and np.ptp(whole.landmarks[:, :2], axis=0).max() >= self.crop_span * max(rgb.shape[:2]):
            return whole
        result = self.detect(rgb)
        if result.found:
            return result
        result = self.detect_low(rgb)
        if result.found:
            return replace(result, mode="detect-low")
        k = int(round(self.border * max(rgb.shape[:2])))
        result = self.detect_low(cv2.copyMakeBorder(rgb, k, k, k, k, cv2.BORDER_REPLICATE))
        if result.found:
            return replace(result, mode="detect-padded", landmarks=result.landmarks - np.float32([k, k, 0]))
        return replace(whole, mode="crop-small")


def both_orders(lm: PhotoLandmarker, image):
    rgb = as_rgb(image)
    det = lm.detect(rgb)
    whole = lm.crop(rgb)
    whole_ok = bool(whole.found and np.ptp(whole.landmarks[:, :2], axis=0).max() >= lm.crop_span * max(rgb.shape[:2]))
    tail_cache = {}

    def tail():
        if "r" not in tail_cache:
            r = lm.detect_low(rgb)
            if r.found:
                r = replace(r, mode="detect-low")
            else:
                k = int(round(lm.border * max(rgb.shape[:2])))
                r = lm.detect_low(cv2.copyMakeBorder(rgb, k, k, k, k, cv2.BORDER_REPLICATE))
                if r.found:
                    r = replace(r, mode="detect-padded", landmarks=r.landmarks - np.float32([k, k, 0]))
                else:
                    r = replace(whole, mode="crop-small")
            tail_cache["r"] = r
        return tail_cache["r"]

    loc_d = det if det.found else (whole if whole_ok else tail())
    loc_c = whole if whole_ok else (det if det.found else tail())
    res_d = lm.read_box(rgb, loc_d)
    res_c = res_d if loc_c is loc_d else lm.read_box(rgb, loc_c)
    return res_d, res_c, det.found, whole_ok


def row(meta, order, r):
    d = dict(meta, order=order, found=bool(r.found), score=float(r.score), handedness=r.handedness, found_by=r.mode)
    pts = r.landmarks if r.landmarks is not None else np.full((21, 3), np.nan, np.float32)
    for i in range(21):
        for j, a in enumerate("xyz"):
            d[f"{a}{i}"] = float(pts[i, j])
    return d


def photo_items():
    for p in sorted(HG.glob("*/*.jpg")):
        yield dict(dataset="asl-hg", path=str(p), letter=p.parent.name.upper(), signer=p.name.split("_")[0]), lambda p=p: read_image(p)
    for p in sorted(DEV.glob("*/*")):
        if p.suffix.lower() in (".jpg", ".jpeg", ".png"):
            yield dict(dataset="asl-photos-dev", path=str(p), letter=p.parent.name.upper(), signer=""), lambda p=p: read_image(p)


def mnist_items(n=2000):
    df = pd.read_csv(MNIST_TEST, nrows=n)
    labels = df.pop("label").to_numpy()
    pix = df.to_numpy(np.uint8).reshape(-1, 28, 28)
    for i in range(len(pix)):
        rgb = np.repeat(pix[i][:, :, None], 3, axis=2)
        yield dict(dataset="sl-mnist-test", path=str(i), letter=LETTERS[labels[i] - (labels[i] > 9)], signer=""), lambda rgb=rgb: rgb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["photos", "mnist", "check"])
    ap.add_argument("--n", type=int, default=2000)
    a = ap.parse_args()
    lm = make_landmarker("auto")
    if a.what == "check":
        cf = CropFirstLandmarker(lm.crop)
        items = list(photo_items())
        rng = np.random.default_rng(0)
        pick = [items[i] for i in rng.choice(len(items), a.n, replace=False)] + list(mnist_items(a.n))[: a.n]
        bad = 0
        for meta, load in pick:
            img = load()
            rd, rc, _, _ = both_orders(lm, img)
            d, c = lm(img), cf(img)
            for x, y in ((rd, d), (rc, c)):
                same = x.found == y.found and x.mode == y.mode and (x.landmarks is None or np.allclose(x.landmarks, y.landmarks, atol=1e-3))
                if not same:
                    bad += 1
                    print("MISMATCH", meta["path"], x.mode, y.mode, x.found, y.found)
        print(f"checked {2 * len(pick)} results, mismatches {bad}")
        return
    items = photo_items() if a.what == "photos" else mnist_items(a.n)
    out = OUT / ("photos-auto.parquet" if a.what == "photos" else f"mnist-test{a.n}-auto.parquet")
    rows, t0 = [], time.time()
    for k, (meta, load) in enumerate(items):
        rd, rc, det_found, whole_ok = both_orders(lm, load())
        meta = dict(meta, detect_found=det_found, whole_crop_ok=whole_ok)
        rows += [row(meta, "default", rd), row(meta, "crop-first", rc)]
        if k % 200 == 0:
            print(k, f"{time.time() - t0:.0f}s", flush=True)
    pd.DataFrame(rows).to_parquet(out)
    print("wrote", out, len(rows), f"{time.time() - t0:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
