"""`asl extract-landmarks --images DIR`: a landmark table of a folder of labelled photos (letter
folders at any depth), one row per photo with its signer group, read in parallel, resumable and
cached like the Sign Language MNIST table (``asl.chunks``)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from asl.chunks import Chunk, run_chunks
from asl.errors import AslError
from asl.files import file_sha256
from asl.images import UnreadableImage, read_image
from asl.landmarks import HandResult, box_upright, make_landmarker
from asl.photos import DEFAULT_GROUP_BY, labelled_photos
from asl.provenance import code_version, versions
from asl.tables import HAND_FIELDS, READINGS_FIELD, readings_column, rows_from_results

CHUNK_PHOTOS = 32
RECYCLE_CHUNKS = 8  # a worker is replaced after 256 photos: MediaPipe Hands can hang in long-lived workers (#2314)
SCHEMA = pa.schema([("source", pa.string()), ("row", pa.int32()), ("path", pa.string()), ("letter", pa.string()),
                    ("group", pa.string()), ("sha256", pa.string()), ("error", pa.string()), *HAND_FIELDS,
                    READINGS_FIELD])
DEFAULT_OUT_DIR = Path("data/processed")


def default_photo_out(folder: Path) -> Path:
    """``data/processed/photos-<folder name>.parquet``."""
    return DEFAULT_OUT_DIR / f"photos-{Path(folder).resolve().name}.parquet"


def photo_group(name: str, pattern: re.Pattern | None) -> str | None:
    """The group (signer) of a photo from its file name: the pattern's first group (or whole
    match); None without a pattern or a match."""
    if pattern is None:
        return None
    found = pattern.search(name)
    if not found:
        return None
    return found.group(1) if pattern.groups else found.group(0)


def compile_group_by(group_by: str | None) -> re.Pattern | None:
    if not group_by:
        return None
    try:
        return re.compile(group_by)
    except re.error as e:
        raise AslError(f"--group-by {group_by!r} is not a regular expression ({e})") from None


def _read_chunk(landmarker, chunk: Chunk) -> pa.Table:
    rows = chunk.payload
    results, errors = [], []
    for row in rows:
        try:
            results.append(landmarker(read_image(Path(row["file"]))))
            errors.append(None)
        except UnreadableImage as e:
            results.append(HandResult.none("unreadable"))
            errors.append(str(e))
    return pa.table({
        "source": [r["source"] for r in rows], "row": np.array([r["row"] for r in rows], dtype=np.int32),
        "path": [r["path"] for r in rows], "letter": [r["letter"] for r in rows],
        "group": [r["group"] for r in rows], "sha256": [r["sha256"] for r in rows], "error": errors,
        **rows_from_results(results), "readings": readings_column(results),
    }, schema=SCHEMA)


def extract_photo_landmarks(
    folder: Path,
    out: Path | None = None,
    group_by: str | None = DEFAULT_GROUP_BY,
    workers: int | None = None,
    landmarker_settings: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
    option: str = "--images",
    cluster: str | None = None,
) -> pd.DataFrame:
    """Auto-mode landmarks of every photo in ``folder`` (laid out as ``labelled_photos`` reads it)
    into ``out``; returns the table. ``group_by``: a regular expression on the file name whose
    first group names the photo's group (signer). ``landmarker_settings``: crop mode's settings of
    a landmark table or model (min_presence, views), so that photos are read as its rows were, and
    its ``box_upright`` (``landmarks.box_upright``; upright where it does not say).
    A photo that cannot be read gets a row with its ``error`` and no hand; the others still run.
    An ``out`` made with the same settings from the same files (sha256) is reused, unless ``force``.
    ``cluster``: read the photos on a Dask cluster (``asl.cluster``); its workers read the files."""
    folder = Path(folder)
    photos = labelled_photos(folder, option)
    pattern = compile_group_by(group_by)
    out = Path(out) if out else default_photo_out(folder)
    workers = max(1, workers or os.cpu_count() or 1)
    crop = landmarker_settings or {}
    args = ("auto", crop.get("min_presence"), crop.get("views"), 1, box_upright(crop))
    landmarker = make_landmarker(*args)
    rows, listing = [], hashlib.sha256()
    for i, (path, letter) in enumerate(photos):
        rel = path.relative_to(folder).as_posix()
        try:
            digest = file_sha256(path.resolve())
        except OSError:
            digest = None  # unreadable: reported in its row
        rows.append({"source": folder.resolve().name, "row": i, "path": rel, "file": str(path), "letter": letter,
                     "group": photo_group(path.name, pattern), "sha256": digest})
        listing.update(f"{rel}\t{letter}\t{digest}\n".encode())
    settings = {"landmarker": landmarker.settings(), "images": str(folder.resolve()), "group_by": group_by,
                "files_sha256": listing.hexdigest(), "photos": len(rows), "versions": versions()}
    chunks = [Chunk(f"photos-{start:06d}.parquet", len(rows[start:start + CHUNK_PHOTOS]), rows[start:start + CHUNK_PHOTOS])
              for start in range(0, len(rows), CHUNK_PHOTOS)]
    return run_chunks(out, settings, chunks, _read_chunk, SCHEMA, make_landmarker=make_landmarker,
                      landmarker_args=args, landmarker=landmarker, workers=workers, recycle=RECYCLE_CHUNKS,
                      progress=progress, meta={"code_version": code_version()}, force=force,
                      cluster=cluster)
