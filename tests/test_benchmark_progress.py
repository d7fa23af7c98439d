"""The benchmark script resumes: finished steps are kept under a fingerprint of the code and settings."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import load_benchmark


def load_script():
    return load_benchmark("run_benchmarks")


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


def test_new_sections_render_their_targets():
    bench = load_script()
    forest = bench.render_forest_size({"rows": [
        {"recipe": "Sign Language MNIST", "min_samples_leaf": 2, "n_estimators": 50, "nodes": 123456,
         "bytes": 4_200_000, "test_accuracy": 0.985, "photos_accuracy": 0.62},
        {"recipe": "Sign Language MNIST + asl-hg", "min_samples_leaf": 2, "n_estimators": 50, "nodes": 1000,
         "bytes": 5_000_000, "test_accuracy": 0.98, "photos_accuracy": None}]},
        {"command": "python benchmarks/forest_size.py", "seconds": 600})
    text = "\n".join(forest)
    assert "| 2 | 50 | 123,456 | 4.2 MB | 98.50% | 62.00% |" in text and "| 2 | 50 | 1,000 | 5.0 MB | 98.00% | - |" in text
    start = "\n".join(bench.render_startup({
        "crop": {"command": "asl predict x.png", "seconds": 0.8, "peak_mib": 300, "target": 0.9,
                 "parts": {"imports": 0.3, "model_load": 0.2, "first_image": 0.1, "warm_image_median": 0.01}},
        "help": {"command": "asl --help", "seconds": 0.45, "peak_mib": 60, "target": 0.3}}))
    assert "| 0.80 | 0.9 | met | 0.300 | 0.200 | 0.100 | 0.010 |" in start
    assert "| 0.45 | 0.3 | NOT met | - | - | - | - |" in start
    large = "\n".join(bench.render_large_images({"folder": {"command": "asl predict f", "seconds": 9, "peak_mib": 700},
                                                 "huge": {"command": "asl predict h", "seconds": 3, "peak_mib": 1500}}))
    assert "| 700 | met |" in large and "| 1500 | NOT met |" in large


def test_the_default_mode_section_renders_each_models_agreement():
    bench = load_script()
    rows = {"random_forest": {"accuracy": 0.9877, "compare": 0.9877}, "resnet50": {"accuracy": 0.9650, "compare": 0.9665}}
    steps = {f"{bench.PHOTO_DEFAULT}{name}": {"command": f"asl predict t --model {name}"} for name in rows}
    text = "\n".join(bench.render_default_mode(rows, steps, bench.PHOTO_DEFAULT, ": the photo models"))
    assert "does: the photo models" in text
    assert "| random_forest | 98.77% | 98.77% | 0.00 | met | `asl predict t --model random_forest` |" in text
    assert "| resnet50 | 96.50% | 96.65% | 0.15 | NOT met |" in text


def test_the_serve_load_section_renders():
    bench = load_script()
    text = "\n".join(bench.render_serve_load(
        {"clients": 4, "seconds": 60, "photos": 20, "memory_mib_after": {"100": 800.0, "10000": 801.5},
         "load": {"1": {"requests": 600, "requests_per_second": 10.0, "median_ms": 390.0, "p99_ms": 700.0, "errors": 0}}},
        {"command": "python benchmarks/load_serve.py"}))
    assert "| 1 | 600 | 10.0 | 390.0 | 700.0 | 0 |" in text and "from 100 to 10000 requests: +1.5 MiB" in text


def test_the_cluster_section_renders():
    bench = load_script()
    text = "\n".join(bench.render_cluster({
        "local pool (2 processes)": {"images": 1000, "seconds": 10.0, "images_per_second": 100.0, "command": "a"},
        "LocalCluster, 2 workers": {"images": 1000, "seconds": 12.0, "images_per_second": 83.3, "command": "b"}}))
    assert "| LocalCluster, 2 workers | 1000 | 12.0 | 83.3 | +2.00 ms | `b` |" in text


def test_the_small_photos_section_renders():
    bench = load_script()
    row = {"accuracy": 0.75, "coverage": 0.9, "seconds": 30.0, "command": "python -m asl predict x --json"}
    text = "\n".join(bench.render_small_photos({"sides": [64], "photos": 456, "model": "m.skops", "rows": {
        "64_auto": row, "64_crop": {**row, "accuracy": 0.4321, "coverage": 0.8}}}))
    assert "| 64 px | **75.00%** | 90.00% | 43.21% | 80.00% | 30.0 |" in text and "`python -m asl predict x --json`" in text


def test_spelling_is_scored_by_edit_distance_and_rendered():
    rb = load_script()

    assert rb.edit_distance("ALL", "ALL") == 0 and rb.edit_distance("AL", "ALL") == 1
    assert rb.edit_distance("ARE", "AM") == 2 and rb.edit_distance("", "BUT") == 3
    row = lambda file, label, text, signed=None: {  # noqa: E731
        "file": file, "label": label, "signed": signed or label, "text": text, "frames": 30, "frames_with_hand": 30,
        "seconds": 0.5, "video_seconds": 1.0, "letters": [(c, 0.0, 1.0, 0.9, "held") for c in text]}
    words = {"videos": [row("AM.mp4", "AM", "ARE", "ARE"), row("ALL.mp4", "ALL", "ALL")], "command": "asl spell --model m --json a",
             "wall_seconds": 3.0, "peak_mib": 500, "frames": 60, "frames_per_second": 60.0, "realtime": 2.0,
             "letter_error_rate_label": 0.5, "exact_label": 1, "letter_error_rate_signed": 0.0, "exact_signed": 2}
    letters = {"videos": [row("J.mp4", "J", "J")], "command": "asl spell --model m --json b", "wall_seconds": 1.0,
               "peak_mib": 400, "frames": 30, "frames_per_second": 30.0, "realtime": 1.0, "named": 1, "exact": 1,
               "motion_in_static": 0}
    text = "\n".join(rb.render_spell({"words": words, "letters": letters}))
    assert "| AM.mp4 | AM (signed: ARE) | ARE |" in text and "50.0% by the file names" in text
    assert "NOT met" in text  # 1 of 2 words exact, against 9
    scored = [row("AT.mp4", "AT", "AL"), row("ALL.mp4", "ALL", "AL"), row("AM.mp4", "AM", "AM")]
    assert rb.score_words(scored) == {"letter_error_rate_label": round((1 / 2 + 1 / 3 + 0) / 3, 4), "exact_label": 1,
                                      "letter_error_rate_signed": round((0 + 1 / 3 + 2 / 3) / 3, 4), "exact_signed": 1}
    assert [r["signed"] for r in scored] == ["AL", "ALL", "ARE"]  # the letters the videos show (SIGNED_WORDS)


def test_extraction_pace_sets_each_run_between_its_ceilings_and_reports_the_median():
    bench = load_script()
    bench.inferences_per_image = lambda data_dir: 1.1
    bench.paired_share = lambda data_dir, workers: {"share": 0.95, "runs": 10, "images": 8, "block": 4, "workers": 2}
    runs = [{"seconds": 100.0, "images": 13000, "command": "asl extract-landmarks", "peak_mib": 300},  # 143 runs/s
            {"seconds": 100.0, "images": 14000, "command": "asl extract-landmarks (2)"},  # 154 runs/s
            {"seconds": 100.0, "images": 12000, "command": "asl extract-landmarks (3)"}]  # 132 runs/s
    ceilings = [{"command": "ceiling", "images_per_second": c} for c in (150.0, 170.0, 150.0, 140.0)]
    pace = bench.extraction_pace(runs, Path("unused"), ceilings)
    assert [r["share"] for r in pace["runs"]] == [0.8938, 0.9625, 0.9103]
    assert [r["ceilings"] for r in pace["runs"]] == [[150.0, 170.0], [170.0, 150.0], [150.0, 140.0]]
    assert pace["ceilings"] == [150.0, 140.0] and pace["images_per_second"] == 120.0  # the median run: the third
    assert pace["extract_command"] == "asl extract-landmarks"
    text = "\n".join(bench.render_extraction_pace(pace))
    assert "NOT met (91.0%, the median run)" in text and "**91.0%**" in text
    assert "| 2 | 100.0 | 140.0 | - | 170.0 / 150.0 | 96.2% |" in text and "| 1 | 100.0 | 130.0 | 300 | 150.0 / 170.0 |" in text
