"""One writer per output: a lock file beside the output holding the writer's pid, so that a second
run on the same table or model fails at once instead of mixing its rows or files with the first's.
A lock left by a process that no longer runs (killed with -9, a crashed machine) is taken over."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from asl.errors import AslError


def lock_path(out: Path) -> Path:
    return Path(out).with_name(Path(out).name + ".lock")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextmanager
def output_lock(out: Path, also: Iterable[Path] = ()) -> Iterator[None]:
    """Hold ``<out>.lock`` while writing ``out`` (and the files ``also`` written with it); a one-line
    error if a running process holds it. Once held, temporary files a killed run left (``<out>.tmp``,
    ``<also>.tmp``, ``<out>.partial.tmp``, ``*.tmp`` in ``<out>.partial/``) are removed: no other
    process writes them."""
    path = lock_path(out)
    if Path(out).is_dir():
        raise AslError(f"{out} is a folder; give the path of the file to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AslError(f"cannot create the folder {path.parent} for {out} ({e.strerror or e})") from None
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError as e:
            if not isinstance(e, FileExistsError):
                raise AslError(f"cannot write {out} ({e.strerror or e}); choose another path") from None
            try:
                holder = int(path.read_text().split()[0])
            except (OSError, ValueError, IndexError):  # cut short while being written: stale
                holder = None
            if holder is not None and _running(holder):
                raise AslError(f"{out} is being written by another asl run (pid {holder}); wait for it to finish "
                               f"or stop it (a lock left by a process that is gone is taken over: {path})") from None
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        break
    else:
        raise AslError(f"could not take the lock {path}; remove it if no asl run is writing {out}")
    try:
        _remove_leftovers(Path(out), [Path(p) for p in also])
        yield
    finally:
        path.unlink(missing_ok=True)


def _remove_leftovers(out: Path, also: list[Path]) -> None:
    from asl.files import partial_path, tmp_path

    partial = partial_path(out)
    for target in (out, *also, partial):  # the partial: a training checkpoint is written atomically too
        tmp_path(target).unlink(missing_ok=True)
    if partial.is_dir():
        for tmp in partial.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
