"""Issue 13, eleventh round: the photo model (the default recipe: 50 trees, leaves of 2) scored on
the development photos for several forest seeds, trained on one crop table, as
`benchmarks/forest_size.py` scores it (photos read through a cached photo table).

    python benchmarks/experiments/issue13/seeds.py TABLE WORK [--signers DIR] [--photos DIR] [--seeds 0,1,2,3]

Run it in the checkout whose crop reading made TABLE (cheap_view.patch, measured in the eleventh round,
is in the code since the twelfth; 09fe10e reads crops as before it).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from asl.classifiers import DEFAULTS, forest_for  # noqa: E402
from asl.classifiers.sources import training_rows  # noqa: E402
from asl.extra import extra_landmarks  # noqa: E402
from asl.extraction import read_table  # noqa: E402
from asl.landmarks.result import COORDINATES  # noqa: E402
from asl.training import model_landmarker  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path, help="crop-mode Sign Language MNIST table, both splits")
    parser.add_argument("work", type=Path, help="folder for the cached photo table")
    parser.add_argument("--signers", type=Path, default=ROOT.parent / "shared/data/asl-hg")
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared/data/asl-photos-dev")
    parser.add_argument("--seeds", default="0,1,2,3")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("forest_size", ROOT / "benchmarks" / "forest_size.py")
    forest_size = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(forest_size)

    table, meta = read_table(args.table)
    train = table[(table["split"] == "train") & table["hand"]]
    extra = [extra_landmarks(args.signers, meta["landmarker"])]
    photos = forest_size.photos_read_by(args.photos, model_landmarker(meta["landmarker"], photos=True), args.work)
    rows = training_rows(train[list(COORDINATES)].to_numpy(), train["letter"].to_numpy(), [(p.X, p.y) for p in extra],
                         share=DEFAULTS.share, augment_base=False)
    for seed in (int(s) for s in args.seeds.split(",")):
        model = rows.fit(forest_for(replace(DEFAULTS, seed=seed), photos=True))
        print(f"{args.table} seed {seed}: development photos {photos.accuracy(model):.2%}", flush=True)


if __name__ == "__main__":
    main()
