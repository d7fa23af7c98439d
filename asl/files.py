"""Writing and fingerprinting files: the one atomic writer and the one hasher of the application."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` and move ``tmp`` to ``path``: readers see the old file or the whole new
    one, never part of it. The folder is created if needed; a failed write leaves no ``tmp``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def tmp_path(path: Path) -> Path:
    """Where ``write_atomic`` writes a file before moving it into place."""
    return Path(path).with_name(Path(path).name + ".tmp")


def partial_path(path: Path) -> Path:
    """Where a long job keeps its finished work until ``path`` is whole: a folder of chunks, a
    training checkpoint, a download being unpacked."""
    return Path(path).with_name(Path(path).name + ".partial")


def sha256_file(path: Path) -> str:
    """sha256 of a file, hex."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@cache
def file_sha256(path: Path) -> str:
    """``sha256_file``, cached per path for this process: for the inputs asl reads (data, models it
    ships), which do not change while it runs."""
    return sha256_file(path)


def sha256_of(paths: dict[str, Path]) -> dict[str, str]:
    """sha256 of each named file."""
    return {name: file_sha256(Path(p).resolve()) for name, p in paths.items()}
