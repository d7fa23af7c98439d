"""`asl compare`'s report as typed records, and its files: compare.md, compare.json and the figures,
written all together."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from asl.classifiers import Scores
from asl.evaluation import MODELS, TITLES, Evaluation


@dataclass(frozen=True)
class TrainingCost:
    """What training a model cost: seconds (the Random Forest's include finding the train images'
    landmarks, ``landmark_seconds``), size on disk, and the training process's peak memory."""

    training_seconds: float
    model_bytes: int
    peak_memory_train_mib: float | None
    landmark_seconds: float | None = None


@dataclass(frozen=True)
class ReportRow:
    """One model on one set of images."""

    scores: Scores
    accuracy_where_hand_found: float | None
    cost: TrainingCost
    peak_memory_inference_mib: float | None
    inference_batch_ms: float | None = None  # test split: timed on crops, one batch
    inference_single_ms: float | None = None  # test split: one image at a time
    inference_ms_per_photo: float | None = None  # photos: file to letter

    def as_dict(self) -> dict:
        out = {**self.scores.as_dict(), "accuracy_where_hand_found": self.accuracy_where_hand_found,
               **{k: v for k, v in asdict(self.cost).items() if k != "landmark_seconds" or v is not None},
               "peak_memory_inference_mib": self.peak_memory_inference_mib}
        for key in ("inference_batch_ms", "inference_single_ms", "inference_ms_per_photo"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> ReportRow:
        return cls(Scores(**{k: d[k] for k in Scores.__dataclass_fields__}), d["accuracy_where_hand_found"],
                   TrainingCost(**{k: d.get(k) for k in TrainingCost.__dataclass_fields__}),
                   d.get("peak_memory_inference_mib"), d.get("inference_batch_ms"), d.get("inference_single_ms"),
                   d.get("inference_ms_per_photo"))


@dataclass(frozen=True)
class ReportSection:
    """Every model on one set of images."""

    name: str
    title: str
    n_images: int
    hands_found: int
    rows: dict[str, ReportRow]
    hybrid_used_landmarks: float
    notes: list[str]

    @property
    def is_photos(self) -> bool:
        return self.name != "test"

    def as_dict(self) -> dict:
        return {"title": self.title, "n_images": self.n_images, "hands_found": self.hands_found,
                "rows": {model: row.as_dict() for model, row in self.rows.items()},
                "hybrid_used_landmarks": self.hybrid_used_landmarks, "notes": self.notes}

    @classmethod
    def from_dict(cls, name: str, d: dict) -> ReportSection:
        return cls(name, d["title"], d["n_images"], d["hands_found"],
                   {model: ReportRow.from_dict(row) for model, row in d["rows"].items()},
                   d["hybrid_used_landmarks"], d["notes"])


@dataclass
class CompareReport:
    """Everything `asl compare` measured, and what produced it."""

    command: str
    machine: str
    written: str
    code_version: str
    data_sha256: dict[str, str]
    timed_images: int
    models: dict[str, str]
    sections: list[ReportSection]
    figures: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"command": self.command, "machine": self.machine, "written": self.written,
                "code_version": self.code_version, "data_sha256": self.data_sha256,
                "timed_images": self.timed_images, "models": self.models,
                "evaluations": {s.name: s.as_dict() for s in self.sections}, "figures": self.figures}

    @classmethod
    def from_json(cls, d: dict) -> CompareReport:
        return cls(d["command"], d["machine"], d["written"], d["code_version"], d["data_sha256"], d["timed_images"],
                   d["models"], [ReportSection.from_dict(n, s) for n, s in d["evaluations"].items()], d.get("figures", []))


def write_report(out_dir: Path, report: CompareReport, evaluations: list[Evaluation]) -> list[Path]:
    """Write compare.json, compare.md and the figures into ``out_dir``. Files are made in a
    temporary folder first, so an interrupted run leaves the previous report whole."""
    from asl.figures import confusion_figure, per_letter_figure

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".compare-", dir=out_dir))
    try:
        names = []
        for evaluation in evaluations:
            suffix = "" if evaluation.name == "test" else f"-{evaluation.name}"
            for model in MODELS:
                names.append(confusion_figure(staging / f"confusion-{model}{suffix}.png", evaluation, model))
            names.append(per_letter_figure(staging / f"per-letter{suffix}.png", evaluation))
        report.figures = names
        (staging / "compare.json").write_text(json.dumps(report.as_json(), indent=2) + "\n")
        (staging / "compare.md").write_text(markdown(report))
        written = []
        for name in [*names, "compare.json", "compare.md"]:  # the report last: it names the figures
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _mib(value) -> str:
    return "n/a" if value is None else f"{value:,.0f} MiB"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def results_table(section: ReportSection) -> list[str]:
    """One section of the report as Markdown table lines: a row per model."""
    photos = section.is_photos
    timing = "inference per photo (file to letter)" if photos else "inference per image: batch / single"
    lines = [
        f"| model | accuracy (all images) | coverage | accuracy where a hand was found | macro F1 | training time "
        f"| {timing} | size on disk | peak memory: training / inference |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for model in MODELS:
        r = section.rows[model]
        training = _duration(r.cost.training_seconds)
        if r.cost.landmark_seconds:
            training += f" (landmarks {_duration(r.cost.landmark_seconds)})"
        if photos:
            inference = "-" if r.inference_ms_per_photo is None else f"{r.inference_ms_per_photo:.0f} ms"
        else:
            inference = f"{r.inference_batch_ms:.1f} ms / {r.inference_single_ms:.1f} ms"
        lines.append(
            f"| {TITLES[model]} | **{_pct(r.scores.accuracy)}** | {_pct(r.scores.coverage)} | "
            f"{_pct(r.accuracy_where_hand_found)} | {r.scores.macro_f1:.4f} | {training} | {inference} | "
            f"{r.cost.model_bytes / 2**20:.1f} MiB | {_mib(r.cost.peak_memory_train_mib)} / "
            f"{_mib(r.peak_memory_inference_mib)} |"
        )
    return lines


def markdown(report: CompareReport) -> str:
    """The report as Markdown: what ran where, one table per image set, the figures."""
    lines = [
        "# Landmarks + Random Forest vs ResNet50",
        "",
        f"- Command: `{report.command}`",
        f"- Machine: {report.machine}; written {report.written}",
        f"- Code: {report.code_version}",
        f"- Data: {', '.join(f'{k} sha256 {v[:12]}' for k, v in report.data_sha256.items())}",
        "- Hybrid: both models read every image; the Random Forest's letter where it found a hand and its "
        "probability is at least the ResNet50's probability for the ResNet50's letter, else the ResNet50's.",
        "",
    ]
    for section in report.sections:
        lines += [f"## {section.title}", "", *results_table(section), ""]
        lines += [f"- {note}" for note in section.notes] + [""]
    lines += [
        "Coverage: share of images given a letter (the landmark model gives none where it finds no hand; "
        "such an image counts as wrong). \"Where a hand was found\": the images in which the landmark "
        "pipeline found a hand, the same images for every row. Times are medians on this machine; the "
        "landmark rows include finding the landmarks (inference: median over "
        f"{report.timed_images} test images, one at a time and as one batch, in one process). Peak memory: resident set of the training process, "
        "and of a fresh process timing inference.",
        "",
        "## Figures",
        "",
    ]
    lines += [f"![{name}]({name})" for name in report.figures]
    return "\n".join(lines) + "\n"
