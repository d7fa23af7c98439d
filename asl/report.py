"""`asl compare`'s report: compare.md, compare.json and PNG figures, written all together."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from asl.compare import MODELS, TITLES, Evaluation
from asl.dataset import LETTERS
from classifiers import NO_HAND


def write_report(out_dir: Path, report: dict, evaluations: list[Evaluation]) -> list[Path]:
    """Write compare.json, compare.md and the figures into ``out_dir``. Files are made in a
    temporary folder first, so an interrupted run leaves the previous report whole."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".compare-", dir=out_dir))
    try:
        names = []
        for evaluation in evaluations:
            suffix = "" if evaluation.name == "test" else f"-{evaluation.name}"
            for model in MODELS:
                names.append(_confusion_figure(staging / f"confusion-{model}{suffix}.png", evaluation, model))
            names.append(_per_letter_figure(staging / f"per-letter{suffix}.png", evaluation))
        report = {**report, "figures": names}
        (staging / "compare.json").write_text(json.dumps(report, indent=2) + "\n")
        (staging / "compare.md").write_text(markdown(report))
        written = []
        for name in [*names, "compare.json", "compare.md"]:  # the report last: it names the figures
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _confusion_figure(path: Path, evaluation: Evaluation, model: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = [*LETTERS, NO_HAND]
    index = {letter: i for i, letter in enumerate(columns)}
    counts = np.zeros((len(LETTERS), len(columns)))
    for truth, letter in zip(evaluation.truth, evaluation.letters[model]):
        counts[index[truth], index[letter]] += 1
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(8.5, 7.5))
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(columns)), [*LETTERS, "none"], fontsize=8)
    ax.set_yticks(range(len(LETTERS)), LETTERS, fontsize=8)
    ax.set_xlabel("predicted (none: no hand found)")
    ax.set_ylabel("true letter")
    accuracy = float(np.mean(evaluation.truth == evaluation.letters[model]))
    ax.set_title(f"{TITLES[model]}: {evaluation.name}, accuracy {accuracy:.2%}", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.04, label="share of the true letter's images")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path.name


def _per_letter_figure(path: Path, evaluation: Evaluation) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = evaluation.scores()
    letters = [letter for letter in LETTERS if letter in scores[MODELS[0]]["per_letter_accuracy"]]
    x = np.arange(len(letters))
    width = 0.8 / len(MODELS)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for i, model in enumerate(MODELS):
        values = [scores[model]["per_letter_accuracy"][letter] for letter in letters]
        ax.bar(x + (i - (len(MODELS) - 1) / 2) * width, values, width, label=TITLES[model])
    ax.set_xticks(x, letters)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("accuracy")
    ax.set_title(f"Accuracy per letter: {evaluation.name} ({len(evaluation.truth)} images)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(MODELS), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path.name


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _mib(value) -> str:
    return "n/a" if value is None else f"{value:,.0f} MiB"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def results_table(rows: dict[str, dict], photos: bool) -> list[str]:
    """One section of the report as Markdown table lines: a row per model."""
    timing = "inference per photo (file to letter)" if photos else "inference per image: batch / single"
    lines = [
        f"| model | accuracy (all images) | coverage | accuracy where a hand was found | macro F1 | training time "
        f"| {timing} | size on disk | peak memory: training / inference |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for model in MODELS:
        r = rows[model]
        training = _duration(r["training_seconds"])
        if r.get("landmark_seconds"):
            training += f" (landmarks {_duration(r['landmark_seconds'])})"
        inference = (f"{r['inference_ms_per_photo']:.0f} ms" if photos
                     else f"{r['inference_batch_ms']:.1f} ms / {r['inference_single_ms']:.1f} ms")
        lines.append(
            f"| {TITLES[model]} | **{_pct(r['accuracy'])}** | {_pct(r['coverage'])} | "
            f"{_pct(r['accuracy_where_hand_found'])} | {r['macro_f1']:.4f} | {training} | {inference} | "
            f"{r['model_bytes'] / 2**20:.1f} MiB | {_mib(r['peak_memory_train_mib'])} / "
            f"{_mib(r['peak_memory_inference_mib'])} |"
        )
    return lines


def markdown(report: dict) -> str:
    """The report as Markdown: what ran where, one table per image set, the figures."""
    lines = [
        "# Landmarks + Random Forest vs ResNet50",
        "",
        f"- Command: `{report['command']}`",
        f"- Machine: {report['machine']}; written {report['written']}",
        f"- Code: {report['code_version']}",
        f"- Data: {', '.join(f'{k} sha256 {v[:12]}' for k, v in report['data_sha256'].items())}",
        "- Hybrid: both models read every image; the Random Forest's letter where it found a hand and its "
        "probability is at least the ResNet50's probability for the ResNet50's letter, else the ResNet50's.",
        "",
    ]
    for name, section in report["evaluations"].items():
        lines += [f"## {section['title']}", "", *results_table(section["rows"], photos=name != "test"), ""]
        lines += [f"- {note}" for note in section["notes"]] + [""]
    lines += [
        "Coverage: share of images given a letter (the landmark model gives none where it finds no hand; "
        "such an image counts as wrong). \"Where a hand was found\": the images in which the landmark "
        "pipeline found a hand, the same images for every row. Times are medians on this machine; the "
        "landmark rows include finding the landmarks (inference: median over "
        f"{report['timed_images']} test images, one at a time and as one batch, in one process). Peak memory: resident set of the training process, "
        "and of a fresh process timing inference.",
        "",
        "## Figures",
        "",
    ]
    lines += [f"![{name}]({name})" for name in report["figures"]]
    return "\n".join(lines) + "\n"
