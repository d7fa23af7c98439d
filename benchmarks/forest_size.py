"""How big the Random Forest must be: trees x leaf size against size on disk and accuracy (issue 13).

Usage: python benchmarks/forest_size.py --landmarks TABLE [--extra ASL_HG] [--photos DEV] --out JSON

For each recipe (Sign Language MNIST alone; with --extra, Sign Language MNIST + those photos, as
`asl train-rf --extra` trains it, with its forest of the crops alone) and each ``min_samples_leaf``, one forest of the most trees is
fitted; a forest of its first k trees is the forest `train-rf --n-estimators k` would grow (each
tree's seed is drawn in order from the same seed), so every tree count is scored without fitting
again. Each is saved as `asl train-rf` saves it (.skops) to measure its size on disk, and scored on
the Sign Language MNIST test split and on the development photos (read as `asl predict` reads
them with that model, through a cached photo table: the box upright for the photo model, as it is
for the Sign Language MNIST-only one, ``landmarks.box_upright``; a photo without a hand counts as
wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from asl.classifiers import DEFAULTS, forest_for  # noqa: E402
from asl.classifiers.sources import training_rows  # noqa: E402
from asl.extra import extra_landmarks  # noqa: E402
from asl.extraction import read_table  # noqa: E402
from asl.landmarks.result import COORDINATES  # noqa: E402
from asl.modelfile import COMPILED_FOREST, COMPILED_SETTINGS, landmark_model_writer  # noqa: E402
from asl.training import model_landmarker, predict_table  # noqa: E402


def forests(model) -> list:
    """The Random Forests of a fitted landmark model: a ViewAugmentedClassifier's one, or a
    CropBlendClassifier's two (the photo model's and the crops')."""
    inner = [model.estimator_, model.crops_] if hasattr(model, "crops_") else [model]
    return [m.estimator_.steps[-1][1] if hasattr(m, "estimator_") else m.steps[-1][1] for m in inner if m is not None]


def first_trees(model, k: int) -> list:
    """``model``'s forests cut to their first ``k`` trees, in place; returns their full lists to put back."""
    kept = []
    for forest in forests(model):
        kept.append(forest.estimators_)
        forest.estimators_, forest.n_estimators = forest.estimators_[:k], k
    return kept


def all_trees(model, kept: list) -> None:
    """Put back what ``first_trees`` cut."""
    for forest, trees in zip(forests(model), kept):
        forest.estimators_, forest.n_estimators = trees, len(trees)


def size_on_disk(model, landmarker: dict) -> tuple[int, int]:
    """Bytes of the model file `asl train-rf` writes, and of its compiled forest inside (compressed)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rf.skops"
        landmark_model_writer(model, landmarker)(path)
        with zipfile.ZipFile(path) as archive:
            compiled = sum(i.compress_size for i in archive.infolist() if i.filename in (COMPILED_FOREST, COMPILED_SETTINGS))
        return path.stat().st_size, compiled


def photos_read_by(folder: Path, landmarker: dict, work: Path):
    """``folder``'s photo rows read as a model with ``landmarker`` settings reads them: the default
    photo table when it reads the box upright (as training photos are read), else a table of its own
    in ``work``."""
    out = None if landmarker["box_upright"] else work / f"photos-{folder.resolve().name}-as-is.parquet"
    return extra_landmarks(folder, landmarker, out=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landmarks", type=Path, required=True, help="crop-mode Sign Language MNIST table, both splits")
    parser.add_argument("--extra", type=Path, help="photos trained on too (ASL-HG): the photo model's recipe")
    parser.add_argument("--photos", type=Path, help="development photos, never trained on")
    parser.add_argument("--trees", default="25,50,100,150,200,300")
    parser.add_argument("--leaf", default="1,2,4")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    trees = sorted(int(t) for t in args.trees.split(","))
    leaves = [int(x) for x in args.leaf.split(",")]

    table, meta = read_table(args.landmarks)
    landmarker = meta["landmarker"]
    train = table[(table["split"] == "train") & table["hand"]]
    test = table[table["split"] == "test"]
    recipes = {"Sign Language MNIST": []}
    if args.extra:
        recipes["Sign Language MNIST + " + args.extra.name] = [extra_landmarks(args.extra, landmarker)]
    rows_out = []
    for recipe, extra in recipes.items():
        saved = model_landmarker(landmarker, photos=bool(extra))  # what the model file records
        photos = photos_read_by(args.photos, saved, args.out.parent) if args.photos else None
        rows = training_rows(train[list(COORDINATES)].to_numpy(), train["letter"].to_numpy(),
                             [(p.X, p.y) for p in extra], share=DEFAULTS.share, augment_base=DEFAULTS.augment and not extra)
        for leaf in leaves:
            settings = replace(DEFAULTS, n_estimators=trees[-1], min_samples_leaf=leaf)
            started = time.perf_counter()
            model = rows.fit(forest_for(settings, photos=bool(extra)))
            fit_seconds = time.perf_counter() - started
            for k in trees:
                kept = first_trees(model, k)
                test_letters, _ = predict_table(model, test)
                size, compiled = size_on_disk(model, saved)
                row = {"recipe": recipe, "min_samples_leaf": leaf, "n_estimators": k,
                       "nodes": int(sum(t.tree_.node_count for f in forests(model) for t in f.estimators_)),
                       "bytes": size, "compiled_bytes": compiled,
                       "test_accuracy": float((test_letters == test["letter"].to_numpy()).mean()),
                       "photos_accuracy": photos.accuracy(model) if photos else None,
                       "fit_seconds_all_trees": round(fit_seconds, 1), "n_train": int(len(rows.X))}
                all_trees(model, kept)
                rows_out.append(row)
                print(f"{recipe} | leaf {leaf} | {k} trees | {row['bytes'] / 2**20:.1f} MiB | test "
                      f"{row['test_accuracy']:.2%} | photos {row['photos_accuracy'] or 0:.2%}", flush=True)
            del model
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows_out, "photos": str(args.photos) if args.photos else None,
                                    "extra": str(args.extra) if args.extra else None,
                                    "settings": DEFAULTS.as_dict()}, indent=1) + "\n")


if __name__ == "__main__":
    main()
