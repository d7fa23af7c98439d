"""`asl compare`'s figures: a confusion matrix per model, and the errors per letter side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asl.classifiers import NO_HAND
from asl.dataset import LETTERS
from asl.evaluation import MODELS, TITLES, Evaluation


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion_figure(path: Path, evaluation: Evaluation, model: str) -> str:
    """Each true letter's images by the letter read (or none); returns the file's name."""
    plt = _pyplot()
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


def per_letter_figure(path: Path, evaluation: Evaluation) -> str:
    """The share of each letter's images read wrong, per model: errors, not accuracy, so that the
    differences between models near 100% can be seen (the axis ends a little above the largest
    error); each bar is labelled with its count of wrong images. Returns the file's name."""
    plt = _pyplot()
    letters = [letter for letter in LETTERS if (evaluation.truth == letter).any()]
    totals = np.array([(evaluation.truth == letter).sum() for letter in letters])
    x = np.arange(len(letters))
    width = 0.8 / len(MODELS)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    top = 0.0
    for i, model in enumerate(MODELS):
        wrong = np.array([((evaluation.truth == letter) & (evaluation.letters[model] != letter)).sum()
                          for letter in letters])
        rates = wrong / totals
        top = max(top, float(rates.max()))
        accuracy = float(np.mean(evaluation.truth == evaluation.letters[model]))
        bars = ax.bar(x + (i - (len(MODELS) - 1) / 2) * width, rates, width,
                      label=f"{TITLES[model]} (accuracy {accuracy:.2%})")
        ax.bar_label(bars, labels=[str(n) if n else "" for n in wrong], fontsize=6, padding=1)
    ax.set_xticks(x, letters)
    ax.set_ylim(0, max(top * 1.15, 0.01))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}" if top > 0.05 else f"{v:.1%}")
    ax.set_ylabel("share of the letter's images read wrong")
    ax.set_title(f"Errors per letter: {evaluation.name} ({len(evaluation.truth)} images; bar labels: wrong images)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(MODELS), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path.name
