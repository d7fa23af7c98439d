"""Sign Language MNIST: finding, validating and loading the two Kaggle CSVs."""

from __future__ import annotations

import csv
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from asl.errors import AslError

if TYPE_CHECKING:  # numpy is imported where it is used: `asl --help` needs none of it
    import numpy as np

SPLITS = {"train": "sign_mnist_train.csv", "test": "sign_mnist_test.csv"}
LETTERS = tuple(chr(ord("A") + i) for i in range(25) if i != 9)  # A-Y without J
HEADER = ["label"] + [f"pixel{i}" for i in range(1, 785)]
DEFAULT_DATA_DIR = Path("data/raw")
SIDE = 28


def resolve_data_dir(data_dir: Path | None = None) -> Path:
    """``data_dir`` if given, else ``$ASL_DATA_DIR``, else ``data/raw``."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get("ASL_DATA_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


def split_path(data_dir: Path, split: str) -> Path:
    """The CSV of ``split`` in ``data_dir``; a one-line error if it is missing."""
    path = Path(data_dir) / SPLITS[split]
    if path.is_dir():
        raise AslError(f"{path} is a folder, not the CSV file; point --data-dir / ASL_DATA_DIR at the folder that "
                       "holds the two CSVs")
    if not path.is_file():
        raise AslError(
            f"{path} not found: run `asl download`, or put the Kaggle CSVs there, "
            "or point --data-dir / ASL_DATA_DIR at the folder that holds them"
        )
    return path


def label_to_letter(labels: np.ndarray) -> np.ndarray:
    """Kaggle labels (0-24, no 9) to letters A-Y."""
    import numpy as np

    return np.array([chr(ord("A") + int(v)) for v in labels], dtype=object)


def load_split(data_dir: Path, split: str, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) uint8 and letters (n,) of one split, validated; ``limit`` keeps the first rows."""
    path = split_path(data_dir, split)
    clean = _read_clean(path) if limit is None else None
    if clean is None:  # limited, or something to report: pandas, row by row, names it
        values = read_csv_checked(path, limit).to_numpy()
        clean = values[:, 1:], values[:, 0]
    pixels, labels = clean
    return pixels.reshape(-1, SIDE, SIDE).astype("uint8", copy=False), label_to_letter(labels)


def _read_clean(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The CSV's pixels (rows x 784 uint8) and labels read by Arrow's parallel reader (about 4x faster
    than pandas; the pixels are converted straight to bytes, so a value outside 0-255 fails the
    conversion), or None where it finds anything amiss (a header, field count, value or range that
    ``read_csv_checked`` would refuse): that reader then reads the file again and says what."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    _check_header(path)
    _check_no_nul(path)
    types = {**dict.fromkeys(HEADER[1:], pa.uint8()), HEADER[0]: pa.int64()}
    try:
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
                               convert_options=pacsv.ConvertOptions(column_types=types))
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    if table.column_names != HEADER or table.num_rows == 0 or any(c.null_count for c in table.columns):
        return None
    import numpy as np

    labels = table.column(0).to_numpy()
    if _bad_labels(labels).any():
        return None
    return np.column_stack([c.to_numpy() for c in table.columns[1:]]), labels


def _bad_pixels(pixels: np.ndarray) -> np.ndarray:
    return (pixels < 0) | (pixels > 255)


def _bad_labels(labels: np.ndarray) -> np.ndarray:
    return (labels < 0) | (labels > 24) | (labels == 9)


def read_csv_checked(path: Path, limit: int | None = None):
    """Read a Sign Language MNIST CSV, failing with the file, the line and what is wrong."""
    import numpy as np
    import pandas as pd

    _check_header(path)
    _check_no_nul(path)
    try:
        with warnings.catch_warnings():
            # index_col=False: a first data row with an extra field must not silently become the
            # index (shifting every column); pandas then only warns, so make that an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, nrows=limit, skip_blank_lines=False, index_col=False)
    except pd.errors.ParserWarning:
        line, saw = _first_long_row(path)
        raise AslError(f"{path} line {line}: {saw} fields, expected {len(HEADER)}") from None
    except pd.errors.ParserError as e:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if found:
            expected, line, saw = found.groups()
            raise AslError(f"{path} line {line}: {saw} fields, expected {expected}") from None
        raise AslError(f"{path}: not a readable CSV ({str(e).strip().splitlines()[0]})") from None
    except UnicodeDecodeError:
        raise AslError(f"{path}: not a text CSV file (undecodable bytes)") from None
    if frame.empty:
        raise AslError(f"{path}: no data rows after the header")
    missing = frame.isna().any(axis=1).to_numpy()
    if missing.any():
        row = int(np.argmax(missing))
        count = int(frame.iloc[row].isna().sum())
        raise AslError(f"{path} line {row + 2}: {count} of {len(HEADER)} values empty or missing")
    for column in frame.columns:
        if not pd.api.types.is_integer_dtype(frame[column]):
            _report_non_integer(path, column, limit)
    pixels = frame.iloc[:, 1:].to_numpy()
    bad = _bad_pixels(pixels)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise AslError(f"{path} line {row + 2}: {HEADER[col + 1]} is {pixels[row, col]}, expected 0-255")
    labels = frame["label"].to_numpy()
    bad_label = _bad_labels(labels)
    if bad_label.any():
        row = int(np.argmax(bad_label))
        raise AslError(f"{path} line {row + 2}: label is {labels[row]}, expected 0-24 without 9 (J)")
    return frame


def _check_no_nul(path: Path) -> None:
    """A NUL byte inside a field (``1\\x002``) is read by pandas as the digits before it: refuse the file."""
    import mmap

    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at = data.find(b"\0")
            if at >= 0:
                line = data[:at].count(b"\n") + 1
                raise AslError(f"{path} line {line}: a NUL byte inside a value; the file is damaged, download it again")


def _check_header(path: Path) -> None:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            header = f.readline().strip().split(",")
    except UnicodeDecodeError:
        raise AslError(f"{path}: not a text CSV file (undecodable bytes)") from None
    if header == [""]:
        raise AslError(f"{path}: empty file; expected the header label,pixel1,...,pixel784")
    if header == HEADER:
        return
    if len(header) != len(HEADER):
        raise AslError(f"{path} line 1: header has {len(header)} columns, expected {len(HEADER)} (label,pixel1..pixel784)")
    i = next(i for i, (a, b) in enumerate(zip(header, HEADER)) if a != b)
    raise AslError(f"{path} line 1: header column {i + 1} is {header[i]!r}, expected {HEADER[i]!r}")


def _first_long_row(path: Path) -> tuple[int, int]:
    """The file line and field count of the first data row with more fields than the header."""
    with open(path, encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            if number > 1 and len(row) > len(HEADER):
                return number, len(row)
    return 2, len(HEADER) + 1  # not reached: pandas only warns when such a row exists


_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


def _report_non_integer(path: Path, column: str, limit: int | None) -> None:
    """Name the first value of ``column`` that is not an integer in range (pandas found one)."""
    import pandas as pd

    texts = pd.read_csv(path, usecols=[column], dtype=str, nrows=limit, skip_blank_lines=False, index_col=False)[column]
    for row, text in enumerate(texts):
        if not _INTEGER.fullmatch(text):
            raise AslError(f"{path} line {row + 2}: {column} is {text.strip()!r}, expected an integer")
    # All integers, yet not an integer column: some value is too large for int64.
    expected = "0-24 without 9 (J)" if column == "label" else "0-255"
    high = 24 if column == "label" else 255
    row = next((row for row, text in enumerate(texts) if not 0 <= int(text) <= high), 0)
    raise AslError(f"{path} line {row + 2}: {column} is {texts.iloc[row].strip()}, expected {expected}")
