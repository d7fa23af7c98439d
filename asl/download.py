"""`asl download`: Sign Language MNIST from Kaggle into data/raw/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from asl.dataset import SPLITS, read_csv_checked
from asl.errors import AslError

KAGGLE_DATASET = "datamunge/sign-language-mnist"
KAGGLE_URL = f"https://www.kaggle.com/datasets/{KAGGLE_DATASET}"


def fetch_from_kaggle() -> Path:
    """Download the data set with kagglehub (or find it in its cache); returns its folder."""
    import kagglehub

    return Path(kagglehub.dataset_download(KAGGLE_DATASET))


def download(dest: Path, fetch=fetch_from_kaggle) -> list[Path]:
    """Put both validated CSVs in ``dest``; each appears there only once complete."""
    files = ", ".join(SPLITS.values())
    try:
        source = fetch()
    except Exception as e:  # kagglehub raises many kinds when offline or unauthorised
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise AslError(
            f"download of {KAGGLE_DATASET} failed ({reason}); get {files} from {KAGGLE_URL} "
            f"and put them in {dest}/"
        ) from None
    found = {}
    for name in SPLITS.values():
        matches = sorted(Path(source).rglob(name))
        if not matches:
            raise AslError(f"the download in {source} has no {name}; get it from {KAGGLE_URL} and put it in {dest}/")
        read_csv_checked(matches[0])
        found[name] = matches[0]
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in found.items():  # both validated before either is written
        target = dest / name
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(path, partial)
        os.replace(partial, target)
        written.append(target)
    return written
