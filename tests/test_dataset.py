"""Finding, validating and loading the Sign Language MNIST CSVs (asl/dataset.py)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import MNIST_DIR, needs_mnist, write_csv

from asl import dataset
from asl.dataset import HEADER, LETTERS, load_split, read_csv_checked, resolve_data_dir
from asl.errors import AslError

PIXELS = [7] * 784


def row(label, pixels=PIXELS) -> str:
    return ",".join(map(str, [label, *pixels]))


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def good_lines(n: int = 3) -> list[str]:
    """The header and ``n`` valid rows (file lines 2 .. n+1)."""
    return [",".join(HEADER)] + [row(label) for label in (0, 1, 2, 3, 4)[:n]]


def with_pixel(index: int, value) -> list:
    pixels = list(PIXELS)
    pixels[index] = value
    return pixels


def error_of(path: Path, limit: int | None = None) -> str:
    """The message of the AslError that reading ``path`` must raise; it is one line and names the file.
    ``load_split`` must say the same of the same file: its fast reader (Arrow) hands every file it finds
    amiss to ``read_csv_checked``."""
    with pytest.raises(AslError) as info:
        read_csv_checked(path, limit)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    split = path.parent / "split"
    split.mkdir(exist_ok=True)
    (split / "sign_mnist_test.csv").write_bytes(path.read_bytes())
    with pytest.raises(AslError) as info:
        load_split(split, "test", limit)
    assert str(info.value) == message.replace(str(path), str(split / "sign_mnist_test.csv"))
    return message


# ---- the header -------------------------------------------------------------------------------


def test_wrong_header_column_name(tmp_path):
    header = ",".join(["label", "pixel1", "pixl2", *HEADER[3:]])
    message = error_of(write_lines(tmp_path / "h.csv", [header, row(1)]))
    assert "line 1:" in message
    assert "column 3" in message
    assert "'pixl2'" in message and "'pixel2'" in message


def test_wrong_first_header_column(tmp_path):
    header = ",".join(["letter", *HEADER[1:]])
    message = error_of(write_lines(tmp_path / "h.csv", [header, row(1)]))
    assert "line 1:" in message and "column 1" in message and "'letter'" in message


@pytest.mark.parametrize("columns", [HEADER[:-1], HEADER + ["extra"]])
def test_wrong_header_column_count(tmp_path, columns):
    message = error_of(write_lines(tmp_path / "h.csv", [",".join(columns), row(1)]))
    assert "line 1:" in message
    assert f"{len(columns)} columns" in message
    assert "expected 785" in message


# ---- field counts and missing values ----------------------------------------------------------


def test_row_with_too_many_fields(tmp_path):
    lines = good_lines(3)
    lines[3] = row(2, PIXELS + [5])  # file line 4
    message = error_of(write_lines(tmp_path / "long.csv", lines))
    assert "line 4:" in message
    assert "786 fields" in message and "expected 785" in message


def test_first_data_row_with_too_many_fields(tmp_path):
    """pandas would take the extra column for an index and shift every value; it must be an error."""
    lines = good_lines(3)
    lines[1] = row(0, PIXELS + [5])  # file line 2
    message = error_of(write_lines(tmp_path / "long.csv", lines))
    assert "line 2:" in message
    assert "786 fields" in message


def test_every_row_with_too_many_fields(tmp_path):
    lines = [",".join(HEADER)] + [row(label, PIXELS + [5]) for label in (0, 1, 2)]
    message = error_of(write_lines(tmp_path / "long.csv", lines))
    assert "line 2:" in message and "786 fields" in message


def test_row_with_too_few_fields(tmp_path):
    lines = good_lines(3)
    lines[2] = row(1, PIXELS[:-1])  # file line 3
    message = error_of(write_lines(tmp_path / "short.csv", lines))
    assert "line 3:" in message
    assert "missing" in message


def test_row_with_an_empty_value(tmp_path):
    lines = good_lines(3)
    lines[3] = row(2, with_pixel(5, ""))  # file line 4
    message = error_of(write_lines(tmp_path / "empty-value.csv", lines))
    assert "line 4:" in message
    assert "1 of 785 values empty or missing" in message


def test_row_with_an_empty_label(tmp_path):
    lines = good_lines(3)
    lines[2] = row("")
    message = error_of(write_lines(tmp_path / "empty-label.csv", lines))
    assert "line 3:" in message and "empty or missing" in message


def test_blank_line_in_the_middle(tmp_path):
    lines = good_lines(3)
    lines.insert(2, "")  # file line 3
    message = error_of(write_lines(tmp_path / "blank.csv", lines))
    assert "line 3:" in message and "785 of 785" in message


# ---- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12.5", "abc", "12.0", "1e2"])
def test_non_integer_pixel(tmp_path, value):
    lines = good_lines(3)
    lines[3] = row(2, with_pixel(5, value))  # file line 4, pixel6
    message = error_of(write_lines(tmp_path / "float.csv", lines))
    assert "line 4:" in message
    assert f"pixel6 is '{value}'" in message
    assert "expected an integer" in message


def test_non_integer_label(tmp_path):
    lines = good_lines(3)
    lines[2] = row("B")
    message = error_of(write_lines(tmp_path / "label.csv", lines))
    assert "line 3:" in message and "label is 'B'" in message and "expected an integer" in message


@pytest.mark.parametrize("value", [-1, 256])
def test_pixel_out_of_range(tmp_path, value):
    lines = good_lines(3)
    lines[2] = row(1, with_pixel(783, value))  # file line 3, pixel784
    message = error_of(write_lines(tmp_path / "range.csv", lines))
    assert "line 3:" in message
    assert f"pixel784 is {value}" in message
    assert "expected 0-255" in message


def test_pixel_too_large_for_int64(tmp_path):
    lines = good_lines(3)
    lines[3] = row(2, with_pixel(0, "99999999999999999999999"))
    message = error_of(write_lines(tmp_path / "huge.csv", lines))
    assert "line 4:" in message and "pixel1 is 99999999999999999999999" in message and "0-255" in message


@pytest.mark.parametrize("label, line", [(9, 4), (25, 2), (-1, 3)])
def test_bad_label(tmp_path, label, line):
    lines = good_lines(3)
    lines[line - 1] = row(label)
    message = error_of(write_lines(tmp_path / "label.csv", lines))
    assert f"line {line}:" in message
    assert f"label is {label}" in message
    assert "expected 0-24 without 9 (J)" in message


def test_first_bad_row_is_reported(tmp_path):
    lines = good_lines(5)
    lines[2] = row(1, with_pixel(0, 300))  # line 3
    lines[4] = row(3, with_pixel(0, 400))  # line 5
    assert "line 3:" in error_of(write_lines(tmp_path / "two.csv", lines))


def test_limit_stops_before_a_bad_row(tmp_path):
    lines = good_lines(3) + [row(9)]
    path = write_lines(tmp_path / "late.csv", lines)
    assert len(read_csv_checked(path, limit=3)) == 3
    assert "line 5:" in error_of(path)


# ---- not CSVs at all --------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    message = error_of(path)
    assert "empty file" in message


def test_header_only(tmp_path):
    message = error_of(write_lines(tmp_path / "header.csv", [",".join(HEADER)]))
    assert "no data rows" in message


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\xff\xfe\x00\x81" + np.random.default_rng(0).bytes(4000))
    message = error_of(path)
    assert "not a text CSV" in message


def test_binary_after_a_good_header(tmp_path):
    path = tmp_path / "half.csv"
    path.write_bytes((",".join(HEADER) + "\n").encode() + b"\xff\xfe\x80" * 100)
    assert "not a text CSV" in error_of(path)


def test_missing_file_points_to_download(tmp_path):
    with pytest.raises(AslError) as info:
        load_split(tmp_path, "train")
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "sign_mnist_train.csv") in message
    assert "asl download" in message


# ---- the good path ----------------------------------------------------------------------------


def test_valid_crlf_csv_loads(tmp_path):
    labels = [0, 1, 24, 10, 3]
    images = np.random.default_rng(1).integers(0, 256, (5, 784))
    images[0, :2] = [0, 255]
    path = write_csv(tmp_path / "sign_mnist_test.csv", labels, images)
    assert b"\r\n" in path.read_bytes()
    x, letters = load_split(tmp_path, "test")
    assert x.dtype == np.uint8
    assert x.shape == (5, 28, 28)
    np.testing.assert_array_equal(x.reshape(5, -1), images)
    assert list(letters) == ["A", "B", "Y", "K", "D"]


@pytest.mark.parametrize("text", [
    "{header}\n{a}\n{b}\n",  # LF
    "{header}\r\n{a}\r\n{b}",  # CRLF, no newline at the end
    "{header}\n{a}\n\"{b_first}\",{b_rest}\n",  # a quoted value
    "{header}\n+{a}\n{b}\n",  # a plus sign
    "{header}\n {a}\n{b}\n",  # a space before a value (Arrow refuses it; pandas reads it)
])
def test_both_readers_read_odd_but_valid_files_alike(tmp_path, text):
    """load_split reads a whole file with Arrow and falls back to pandas for what Arrow refuses: the
    images and letters are the same either way (``limit`` always takes the pandas path)."""
    a, b = row(3, with_pixel(5, 255)), row(24, with_pixel(783, 0))
    path = tmp_path / "sign_mnist_test.csv"
    path.write_text(text.format(header=",".join(HEADER), a=a, b=b, b_first=b.split(",")[0],
                                b_rest=b.split(",", 1)[1]), newline="")
    x, letters = load_split(tmp_path, "test")
    x_pandas, letters_pandas = load_split(tmp_path, "test", limit=10)
    np.testing.assert_array_equal(x, x_pandas)
    assert list(letters) == list(letters_pandas) == ["D", "Y"]
    assert x[0].reshape(-1)[5] == 255 and x[1].reshape(-1)[783] == 0


def test_limit_keeps_the_first_rows(tmp_path):
    labels = [0, 1, 2, 3, 4, 5]
    images = np.random.default_rng(2).integers(0, 256, (6, 784))
    write_csv(tmp_path / "sign_mnist_train.csv", labels, images)
    x, letters = load_split(tmp_path, "train", limit=2)
    assert x.shape == (2, 28, 28)
    assert list(letters) == ["A", "B"]
    np.testing.assert_array_equal(x.reshape(2, -1), images[:2])


def test_every_letter_label(tmp_path):
    labels = [i for i in range(25) if i != 9]
    write_csv(tmp_path / "sign_mnist_test.csv", labels)
    _, letters = load_split(tmp_path, "test")
    assert tuple(letters) == LETTERS
    assert "J" not in letters and len(set(letters)) == 24


def test_resolve_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("ASL_DATA_DIR", raising=False)
    assert resolve_data_dir() == Path("data/raw")
    assert resolve_data_dir(None) == dataset.DEFAULT_DATA_DIR
    monkeypatch.setenv("ASL_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_dir(str(tmp_path / "arg")) == tmp_path / "arg"
    monkeypatch.setenv("ASL_DATA_DIR", "")
    assert resolve_data_dir() == Path("data/raw")


# ---- the real data ----------------------------------------------------------------------------


@needs_mnist
def test_real_test_split():
    x, letters = load_split(MNIST_DIR, "test")
    assert x.shape == (7172, 28, 28)
    assert x.dtype == np.uint8
    assert len(letters) == 7172
    assert set(letters) == set(LETTERS)
    assert len(set(letters)) == 24
    assert "J" not in set(letters) and "Z" not in set(letters)
    assert x.min() <= 5 and x.max() >= 250


@needs_mnist
def test_real_split_reads_the_same_with_arrow_and_pandas():
    from asl.dataset import _read_clean

    path = MNIST_DIR / "sign_mnist_test.csv"
    pixels, labels = _read_clean(path)
    assert pixels.dtype == np.uint8 and pixels.flags.c_contiguous
    values = read_csv_checked(path).to_numpy()
    np.testing.assert_array_equal(pixels, values[:, 1:])
    np.testing.assert_array_equal(labels, values[:, 0])


@needs_mnist
def test_real_csv_survives_a_copy_with_limit(tmp_path):
    """read_csv_checked accepts the real file's own first rows unchanged."""
    source = MNIST_DIR / "sign_mnist_test.csv"
    with open(source, newline="") as f:
        head = [next(f) for _ in range(11)]
    (tmp_path / "sign_mnist_test.csv").write_text("".join(head), newline="")
    x, letters = load_split(tmp_path, "test")
    x_limit, letters_limit = load_split(MNIST_DIR, "test", limit=10)
    np.testing.assert_array_equal(x, x_limit)
    assert list(letters) == list(letters_limit)
    assert os.path.getsize(tmp_path / "sign_mnist_test.csv") < os.path.getsize(source)
