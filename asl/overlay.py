"""`asl predict --overlay OUT_DIR`: each image with its landmarks and predicted letter drawn on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asl.errors import AslError
from asl.files import write_atomic
from asl.landmarks import HandResult
from asl.landmarks.draw import draw_hand


class OverlayWriter:
    """Writes ``OUT_DIR/<image name>.png``; a name already written gets ``-2``, ``-3``, ... ."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise AslError(f"--overlay {self.folder}: cannot create the folder ({e.strerror or e})") from None
        for left in self.folder.glob("*.png.tmp"):  # an overlay a killed run was writing
            left.unlink(missing_ok=True)
        self._used: set[str] = set()

    def write(self, source: Path, image: np.ndarray, result: HandResult, letter: str | None,
              probability: float | None) -> Path:
        """Draw and write one image's overlay (atomically); returns its path."""
        from PIL import Image

        label = f"{letter} {probability:.2f} ({result.mode})" if result.found else "no hand found"
        drawn = draw_hand(image, result.landmarks if result.found else None, label)
        stem, n = Path(source).stem, 1
        while f"{stem}{'' if n == 1 else f'-{n}'}" in self._used:
            n += 1
        name = f"{stem}{'' if n == 1 else f'-{n}'}"
        self._used.add(name)
        out = self.folder / f"{name}.png"
        try:
            write_atomic(out, lambda tmp: Image.fromarray(drawn).save(tmp, format="PNG"))
        except OSError as e:
            raise AslError(f"--overlay: cannot write {out} ({e.strerror or e})") from None
        return out
