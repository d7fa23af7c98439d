"""Landmark tables: one Parquet row per image (its hand and 21x3 landmarks), the settings that made
it in the file's metadata. Shared by the Sign Language MNIST table and the photo-folder tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from asl.errors import AslError
from asl.landmarks import COORDINATES, NUM_LANDMARKS, HandResult

METADATA_KEY = b"asl"  # the table's settings, as JSON in the Parquet file's metadata

# The columns every landmark table ends with; explicit types, so that a chunk with no hand at all
# (all-null handedness) has the same schema as the others.
HAND_FIELDS = [("hand", pa.bool_()), ("score", pa.float32()), ("handedness", pa.string()), ("found_by", pa.string())]
HAND_FIELDS += [(name, pa.float32()) for name in COORDINATES]


def rows_from_results(results: list[HandResult]) -> dict[str, np.ndarray]:
    """Columns hand, score, handedness, found_by, x0..z20 for a list of results."""
    coords = np.full((len(results), 3 * NUM_LANDMARKS), np.nan, dtype=np.float32)
    for i, r in enumerate(results):
        if r.landmarks is not None:
            coords[i] = r.landmarks.reshape(-1)
    columns = {
        "hand": np.array([r.found for r in results], dtype=bool),
        "score": np.array([r.score for r in results], dtype=np.float32),
        "handedness": np.array([r.handedness for r in results], dtype=object),
        "found_by": np.array([r.mode for r in results], dtype=object),
    }
    columns.update({name: coords[:, j] for j, name in enumerate(COORDINATES)})
    return columns


# A photo table's further readings of each hand (``HandResult.readings``), flattened: 63 numbers each.
READINGS_FIELD = ("readings", pa.list_(pa.float32()))


def readings_column(results: list[HandResult]) -> list[np.ndarray]:
    """``READINGS_FIELD``'s values for a list of results."""
    return [np.concatenate([np.asarray(p, np.float32).reshape(-1) for p in r.readings]) if r.readings
            else np.zeros(0, np.float32) for r in results]


def results_from_rows(table: pd.DataFrame) -> list[HandResult]:
    """The ``HandResult`` of each row (the inverse of ``rows_from_results``, and of ``readings_column``
    where the table has one)."""
    coords = table[list(COORDINATES)].to_numpy(np.float32).reshape(len(table), NUM_LANDMARKS, 3)
    more = table["readings"] if "readings" in table else [None] * len(table)
    names = table["path"] if "path" in table else range(len(table))
    rows = zip(table["hand"], table["score"], table["handedness"], table["found_by"], coords, more, names)
    return [HandResult(found=bool(found), score=float(score), handedness=handedness, mode=mode,
                       landmarks=None if np.isnan(points[:, :2]).all() else points,
                       readings=() if extra is None else _readings(extra, name))
            for found, score, handedness, mode, points, extra, name in rows]


def _readings(values, name) -> tuple[np.ndarray, ...]:
    """A row's ``readings`` (``readings_column``) as 21x3 arrays; a one-line error where they are not
    whole hands (a table asl did not write, or one damaged after)."""
    values = np.asarray(values, np.float32)
    size = NUM_LANDMARKS * 3
    if values.size % size:
        raise AslError(f"the landmark table's row {name} has {values.size} further-reading values, not whole hands "
                       f"of {size}: the table is damaged; delete it and run the command again to extract it again")
    return tuple(values.reshape(-1, NUM_LANDMARKS, 3))


def read_table(path: Path) -> tuple[pd.DataFrame, dict]:
    """A landmark table and its settings metadata; a one-line error if it is not one."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise AslError(f"{path} not found; create it with `asl extract-landmarks`")
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[METADATA_KEY])
    except (pa.ArrowException, OSError, KeyError, ValueError):
        raise AslError(f"{path} is not a landmark table written by asl; recreate it with `asl extract-landmarks`") from None
    return table.to_pandas(), meta


def cached_table(out: Path, settings: dict) -> pd.DataFrame | None:
    """The table in ``out`` if it was made with exactly ``settings``, else None."""
    try:
        table, meta = read_table(out)
    except AslError:
        return None
    settings = json.loads(json.dumps(settings))  # tuples as JSON gives them back
    return table if {k: meta.get(k) for k in settings} == settings else None


def coverage_by_letter(table: pd.DataFrame, by: str = "split") -> pd.DataFrame:
    """Images, hands found and coverage per ``by`` (split, or source) and letter."""
    grouped = table.groupby([by, "letter"])["hand"]
    return pd.DataFrame({"images": grouped.size(), "hands": grouped.sum(), "coverage": grouped.mean()})
