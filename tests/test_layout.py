"""The shape of the code: who imports whom, one registry of predictor kinds, quiet output.
None of these needs the data sets."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, assert_clean, invoke, json_lines
from PIL import Image

LIBRARIES = {"landmarks": "asl.landmarks", "classifiers": "asl.classifiers", "cnn_baseline": "asl.cnn_baseline"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (absolute names)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def app_modules() -> dict[str, Path]:
    return {f"asl.{p.relative_to(ROOT / 'asl').with_suffix('').as_posix().replace('/', '.')}".removesuffix(".__init__"): p
            for p in (ROOT / "asl").rglob("*.py")}


def test_no_library_imports_the_application():
    for folder, package in LIBRARIES.items():
        for path in (ROOT / folder).rglob("*.py"):
            for name in imported_modules(path):
                if name == "asl" or name.startswith("asl."):
                    assert any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES.values()), (path, name)


def test_the_application_has_no_import_cycle():
    modules = app_modules()
    graph = {m: {n for n in imported_modules(p) if n in modules and n != m} for m, p in modules.items()}
    # asl.X.Y imports asl.X's __init__ first; a package importing its own submodules is not a cycle
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for other in graph[module]:
            if other.startswith(module + "."):
                continue
            assert state.get(other) != 1, " -> ".join([*stack, module, other])
            if other not in state:
                visit(other, [*stack, module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_compare_does_not_run_the_command_line():
    imports = imported_modules(ROOT / "asl" / "compare.py")
    assert "subprocess" not in imports and not any(n.startswith("asl.cli") for n in imports)


def test_the_cli_choices_are_the_libraries_lists():
    from asl.cli import Device, Mode, Split, Weights
    from asl.cnn_baseline.settings import DEVICES, WEIGHTS
    from asl.dataset import SPLITS
    from asl.landmarks.modes import MODES

    assert [m.value for m in Mode] == list(MODES) and [w.value for w in Weights] == list(WEIGHTS)
    assert [d.value for d in Device] == list(DEVICES) and [s.value for s in Split] == [*SPLITS, "all"]


def test_a_new_predictor_kind_is_one_class_registered_in_one_place(tmp_path, monkeypatch):
    """What the README's layout section shows: a class with accepts/load/read, added to KINDS,
    and `asl predict` reads with it."""
    import asl.predictors as predictors
    from asl.landmarks import HandResult
    from asl.predictors import Predictor, Reading

    class Always(Predictor):
        kind = "always"

        @classmethod
        def accepts(cls, paths):
            return len(paths) == 1 and paths[0].suffix == ".always"

        @classmethod
        def load(cls, paths, mode="auto", top_k=3):
            return cls()

        def read(self, images):
            return [Reading(HandResult.none("none"), (("B", 1.0),)) for _ in images]

    monkeypatch.setattr(predictors, "KINDS", (*predictors.KINDS, Always))
    image = tmp_path / "x.png"
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(image)
    result = invoke("predict", image, "--model", tmp_path / "m.always", "--json")
    assert_clean(result)
    assert [row["letter"] for row in json_lines(result)] == ["B"]


def test_no_kind_takes_the_model_files_is_one_line(tmp_path):
    from asl.errors import AslError
    from asl.predictors import load_predictor

    with pytest.raises(AslError, match="give one landmark model"):
        load_predictor([tmp_path / "a.joblib", tmp_path / "b.joblib"])


def test_help_imports_no_heavy_library():
    code = ("import sys; from asl.cli import app; from typer.testing import CliRunner; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in ('torch', 'sklearn', 'mediapipe', 'pandas', 'cv2', 'matplotlib', 'fastapi', 'uvicorn',"
            " 'skops', 'dask', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_progress_in_a_log_writes_a_few_lines_not_every_update(monkeypatch):
    from asl import progress

    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    update = progress.progress_bar("landmarks (crop)")
    for done in range(0, 20001, 10):
        update(done, 20000)
    lines = [line for line in log.getvalue().replace("\r", "\n").splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, lines  # the first and the last state; at most one per LOG_INTERVAL between
    assert "20000/20000" in lines[-1]


def test_native_logs_are_silenced_unless_asked_for(tmp_path):
    code = ("import numpy as np; from asl.landmarks import make_landmarker; "
            "make_landmarker('auto')(np.zeros((64, 64, 3), np.uint8)); print('done')")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert quiet.stdout.strip() == "done" and quiet.stderr == "", quiet.stderr
    loud = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**__import__("os").environ, "ASL_NATIVE_LOGS": "1"})
    assert "XNNPACK" in loud.stderr or "W0000" in loud.stderr or "absl" in loud.stderr


def test_the_wheel_lists_every_package_and_the_page():
    """setuptools is given the packages by name (the libraries' folders are mapped under asl): every
    folder of Python modules must be on that list, or a non-editable install lacks it."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {"asl": ROOT / "asl", **{name: ROOT / folder for name, folder in config["package-dir"].items()}}
    expected = set()
    for name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                expected.add(".".join([name, *init.parent.relative_to(folder).parts]))
    assert set(config["packages"]) == expected
    web = {p.name for p in (ROOT / "asl" / "web").iterdir()}
    patterns = config["package-data"]["asl"]
    assert all(any(Path("web", f).match(pattern) for pattern in patterns) for f in web), web
