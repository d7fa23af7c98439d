"""`asl download`: Sign Language MNIST from Kaggle into data/raw/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from asl.dataset import SPLITS, read_csv_checked
from asl.errors import AslError
from asl.files import partial_path
from asl.photos import ASL_HG_CREDIT

DATASETS = ("sign-language-mnist", "asl-hg")  # what `asl download` fetches
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
        partial = partial_path(target)
        shutil.copyfile(path, partial)
        os.replace(partial, target)
        written.append(target)
    return written


# ASL-HG: real photos of ten signers (CC BY 4.0), from Mendeley Data ---------------------------------

ASL_HG_URL = "https://data.mendeley.com/datasets/j4y5w2c8w9/1"
ASL_HG_FILES_API = "https://data.mendeley.com/public-api/datasets/j4y5w2c8w9/files?folder_id=root&version=1"
ASL_HG_ZIP = "ASL_Raw_Images.zip"
DEFAULT_ASL_HG_DIR = Path("data/raw/asl-hg")


def fetch_asl_hg_zip(cache: Path) -> Path:
    """Download ``ASL_Raw_Images.zip`` into ``cache`` with pooch, checked against the sha256 that
    Mendeley Data's file list gives for it (a download already in ``cache`` with that hash is kept)."""
    import pooch
    import requests

    response = requests.get(ASL_HG_FILES_API, timeout=30)
    response.raise_for_status()
    entry = next((f for f in response.json() if f.get("filename") == ASL_HG_ZIP), None)
    if entry is None:
        raise FileNotFoundError(f"Mendeley Data lists no {ASL_HG_ZIP}")
    details = entry["content_details"]
    return Path(pooch.retrieve(details["download_url"], known_hash=f"sha256:{details['sha256_hash']}",
                               fname=ASL_HG_ZIP, path=cache, progressbar=True))


def download_asl_hg(dest: Path = DEFAULT_ASL_HG_DIR, fetch=fetch_asl_hg_zip, cache: Path | None = None) -> Path:
    """Put ASL-HG's photos of the 24 static letters in ``dest``/<LETTER>/ (file names as in the zip,
    which start with the signer, ``P<k>_``); ``dest`` appears only once complete."""
    import zipfile

    from asl.dataset import LETTERS

    dest = Path(dest)
    cache = Path(cache) if cache else dest.parent / ".downloads"
    try:
        archive = fetch(cache)
    except Exception as e:  # requests, pooch and the API raise many kinds when offline
        import requests

        if isinstance(e, requests.ConnectionError):
            reason = "cannot reach data.mendeley.com; offline?"
        else:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise AslError(
            f"download of ASL-HG failed ({reason}); get {ASL_HG_ZIP} from {ASL_HG_URL}, unzip it and put its "
            f"letter folders (A-Y) in {dest}/"
        ) from None
    partial = partial_path(dest)
    shutil.rmtree(partial, ignore_errors=True)
    count = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = Path(info.filename).parts
                if info.is_dir() or len(parts) < 2 or any(p.startswith((".", "__MACOSX")) for p in parts):
                    continue
                letter = parts[-2].upper()
                if letter not in LETTERS or Path(parts[-1]).suffix.lower() not in (".jpg", ".jpeg", ".png"):
                    continue  # J, Z (motion) and the digits are not static letters
                target = partial / letter / parts[-1]
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                count += 1
    except (zipfile.BadZipFile, OSError) as e:
        shutil.rmtree(partial, ignore_errors=True)
        raise AslError(f"{archive} is not a readable zip ({e}); delete it and run asl download asl-hg again") from None
    if count == 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise AslError(f"{archive} holds no letter folders (A-Y) of photos; get {ASL_HG_ZIP} from {ASL_HG_URL}")
    (partial / "README.md").write_text(f"# ASL-HG\n\n{count} photos of the 24 static letters from {ASL_HG_ZIP}.\n\n"
                                       f"Credit: {ASL_HG_CREDIT}. {ASL_HG_URL}\n")
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(partial, dest)
    return dest
