"""The benchmark script resumes: finished steps are kept under a fingerprint of the code and settings."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location("run_benchmarks", ROOT / "benchmarks" / "run_benchmarks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kept_steps_are_reused_only_under_the_same_key_and_command(tmp_path):
    bench = load_script()
    path = tmp_path / "progress.json"
    first = bench.Progress(path, "key-1")
    assert not first.resumed and first.get("train", "asl train-rf") is None
    first.put("train", {"command": "asl train-rf", "seconds": 12.5, "stdout": "{}"})
    assert not list(tmp_path.glob("*.tmp"))  # written through a temporary file, replaced at once

    again = bench.Progress(path, "key-1")
    assert again.resumed and again.started == first.started
    assert again.get("train", "asl train-rf")["seconds"] == 12.5
    assert again.get("train", "asl train-rf --seed 1") is None  # another command: run it again
    assert again.reused == ["train"]

    assert not bench.Progress(path, "key-2").resumed  # other code or settings: start over
    assert bench.Progress(path, "key-1", fresh=True).steps == {}


def test_damaged_progress_starts_over(tmp_path):
    bench = load_script()
    path = tmp_path / "progress.json"
    path.write_text('{"key": "key-1", "steps": {"tra')  # cut short
    progress = bench.Progress(path, "key-1")
    assert not progress.resumed and progress.steps == {}
    progress.put("a", {"command": "x"})
    assert json.loads(path.read_text())["steps"] == {"a": {"command": "x"}}


def test_fingerprint_follows_the_settings_and_the_code():
    bench = load_script()
    one = bench.fingerprint({"quick": False})
    assert one == bench.fingerprint({"quick": False})
    assert one != bench.fingerprint({"quick": True})
