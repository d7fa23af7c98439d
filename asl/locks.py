"""One writer per output: a lock file beside the output holding the writer's pid, so that a second
run on the same table or model fails at once instead of mixing its rows or files with the first's.
A lock left by a process that no longer runs (killed with -9, a crashed machine) is taken over."""

from __future__ import annotations

import os
from collections.abc import Iterator
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
def output_lock(out: Path) -> Iterator[None]:
    """Hold ``<out>.lock`` while writing ``out``; a one-line error if a running process holds it."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
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
        yield
    finally:
        path.unlink(missing_ok=True)
