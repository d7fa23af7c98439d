"""What produced a result: library versions, code version, file hashes."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path



PACKAGES = ("asl", "numpy", "scikit-learn", "pandas", "mediapipe", "ai-edge-litert", "skops")


def versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` (read from metadata, nothing imported) and Python's."""
    from importlib import metadata  # 0.02 s: imported where a version is read, not by a cold `asl predict`

    found = {"python": platform.python_version()}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def code_version() -> str:
    """The git commit of this checkout (with '-dirty' for uncommitted changes), or 'unknown'."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def machine() -> str:
    """A one-line description of this machine."""
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def peak_memory_mib() -> float:
    """This process's peak resident memory so far, in MiB.

    On Linux this is VmHWM: ``ru_maxrss`` would also count the parent's memory at fork, which a
    spawned child inherits."""
    import resource
    import sys

    try:
        with open("/proc/self/status") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        return round(kib / 1024, 1)
    except (OSError, StopIteration, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes on macOS, KiB elsewhere
