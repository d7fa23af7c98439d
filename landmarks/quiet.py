"""Quiet native libraries: MediaPipe, LiteRT and absl write lines such as ``INFO: Created
TensorFlow Lite XNNPACK delegate`` and ``W0000 ... inference_feedback_manager.cc`` straight to the
process's stderr (file descriptor 2) when a model is built and first run. None of them reads a
setting that turns this off (``TF_CPP_MIN_LOG_LEVEL`` and ``GLOG_minloglevel`` were tried, and
absl's C++ log level has no environment variable), so the descriptor itself is pointed at
/dev/null for those moments. ``ASL_NATIVE_LOGS=1`` in the environment keeps them (``asl --verbose``).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

ENV = "ASL_NATIVE_LOGS"


def native_logs_wanted() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


@contextmanager
def native_stderr_silenced():
    """Inside the block, what native code writes to file descriptor 2 is dropped (Python's own
    ``sys.stderr`` is flushed first and restored after, so nothing of ours is lost)."""
    if native_logs_wanted():
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real descriptor 2 (embedded, closed)
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
