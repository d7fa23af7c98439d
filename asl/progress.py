"""Progress bars on stderr: live on a terminal; in a file or pipe (a log), one line at most every
``LOG_INTERVAL`` seconds, so that a long run's log stays a few kilobytes."""

from __future__ import annotations

import sys
from collections.abc import Callable

LOG_INTERVAL = 30.0  # seconds between updates when stderr is not a terminal


def _bar(**kwargs):
    from tqdm import tqdm

    live = sys.stderr.isatty()
    return tqdm(file=sys.stderr, dynamic_ncols=live, ncols=None if live else 100, smoothing=0.1,
                mininterval=0.1 if live else LOG_INTERVAL, maxinterval=10.0 if live else 10 * LOG_INTERVAL,
                **kwargs)


def progress_bar(description: str, unit: str = "img") -> Callable[[int, int | None], None]:
    """A ``progress(done, total)`` callback drawing a bar in ``unit`` per second (no total: a count)."""
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = _bar(total=total, initial=done, desc=description, unit=unit)
        else:
            bar.update(done - bar.n)
        if total is not None and done >= total:
            bar.close()

    return update


def epoch_bars(epochs: int) -> Callable:
    """An ``on_batch(EpochStats)`` callback drawing one bar per epoch: loss, accuracy, images/s."""
    bar = None

    def update(stats) -> None:
        nonlocal bar
        if bar is None or bar.desc != f"epoch {stats.epoch}/{epochs}":
            bar = _bar(total=stats.total, desc=f"epoch {stats.epoch}/{epochs}", unit="img")
        bar.set_postfix(loss=f"{stats.loss:.3f}", acc=f"{stats.accuracy:.2%}", refresh=False)
        bar.update(stats.images - bar.n)
        if stats.images >= stats.total:
            bar.close()

    return update
