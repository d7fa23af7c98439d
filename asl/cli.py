"""The `asl` command line: thin commands over the libraries and the jobs in asl/."""

from __future__ import annotations

import functools
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from asl.errors import AslError

app = typer.Typer(
    help="Read ASL fingerspelling letters from images via MediaPipe hand landmarks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_NO_HAND = 3
EXIT_UNREADABLE = 4


class Split(str, Enum):
    train = "train"
    test = "test"
    all = "all"


class Mode(str, Enum):
    crop = "crop"
    detect = "detect"
    auto = "auto"


DataDir = Annotated[
    Optional[Path],
    typer.Option("--data-dir", help="Folder with the two CSVs [default: $ASL_DATA_DIR, else data/raw]"),
]


def one_line_errors(command):
    """Report AslError as one line on stderr with its exit code, no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AslError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(e.exit_code) from None

    return wrapper


def progress_bar(description: str):
    """A progress(done, total) callback drawing a tqdm bar in images per second."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, initial=done, desc=description, unit="img", file=sys.stderr,
                       dynamic_ncols=True, smoothing=0.1)
        else:
            bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


@app.command()
@one_line_errors
def download(data_dir: DataDir = None) -> None:
    """Download Sign Language MNIST from Kaggle (kagglehub) into data/raw/."""
    from asl.dataset import resolve_data_dir
    from asl.download import download as fetch

    for path in fetch(resolve_data_dir(data_dir)):
        typer.echo(f"wrote {path}")


def run_extraction(data_dir, split, mode, out, workers, limit, min_presence, force=False):
    """Extract with a progress bar and print the coverage per letter; returns (table, path)."""
    from asl.dataset import resolve_data_dir
    from asl.extraction import coverage_by_letter, default_out, extract_landmarks

    out = out or default_out(mode, split)
    table = extract_landmarks(resolve_data_dir(data_dir), split=split, mode=mode, out=out, workers=workers,
                              limit=limit, min_presence=min_presence, force=force,
                              progress=progress_bar(f"landmarks ({mode})"))
    coverage = coverage_by_letter(table)
    for split_name, rows in coverage.groupby(level="split"):
        cells = "  ".join(f"{letter} {c:.0%}" for (_, letter), c in rows["coverage"].items())
        share = rows["hands"].sum() / rows["images"].sum()
        typer.echo(f"{split_name}: hand found in {share:.1%} of {rows['images'].sum()} images | {cells}")
    typer.echo(f"wrote {out}")
    return table, out


@app.command("extract-landmarks")
@one_line_errors
def extract_landmarks_command(
    split: Annotated[Split, typer.Option(help="Which split to extract")] = Split.all,
    mode: Annotated[Mode, typer.Option(help="crop: image is a hand crop; detect: MediaPipe Hands; auto: find the hand, then crop mode on its box")] = Mode.crop,
    workers: Annotated[Optional[int], typer.Option(help="Processes, one model each [default: all cores]")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Parquet file [default: data/processed/landmarks-<mode>[-<split>].parquet]")] = None,
    data_dir: DataDir = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N rows of each split")] = None,
    min_presence: Annotated[Optional[float], typer.Option(help="Crop mode's hand-presence threshold")] = None,
    force: Annotated[bool, typer.Option(help="Recompute even if OUT is up to date")] = False,
) -> None:
    """Turn every image into 21 hand landmarks; one Parquet row per image.

    Resumes if interrupted; an OUT made with the same settings from the same CSVs is reused.
    """
    run_extraction(data_dir, split.value, mode.value, out, workers, limit, min_presence, force)


@app.command("train-rf")
@one_line_errors
def train_rf(
    landmarks: Annotated[Path, typer.Option(help="Landmark table (extracted first if missing)")] = Path("data/processed/landmarks-crop.parquet"),
    model: Annotated[Path, typer.Option(help="Where to save the model; metrics go beside it as .json")] = Path("models/rf.joblib"),
    n_estimators: Annotated[int, typer.Option(min=1, help="Trees in the forest")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same model)")] = 0,
    data_dir: DataDir = None,
    workers: Annotated[Optional[int], typer.Option(help="Extraction processes if the table is missing")] = None,
    extra: Annotated[Optional[Path], typer.Option(help="Your own photos, DIR/<LETTER>/*, added to the training rows")] = None,
    augment: Annotated[bool, typer.Option(help="Also train on mirrored and randomly turned views of each hand")] = True,
    use_z: Annotated[bool, typer.Option(help="Use landmark depth (z) as a feature")] = False,
) -> None:
    """Train the Random Forest on train landmarks, score it on the test split, save it."""
    from asl.extra import extra_landmarks, find_extra_photos
    from asl.extraction import read_table
    from asl.training import train_random_forest

    if extra is not None:
        find_extra_photos(extra)  # a malformed folder fails before any long step
    if not landmarks.exists():
        typer.echo(f"{landmarks} is missing; extracting landmarks first (crop mode, both splits)")
        run_extraction(data_dir, "all", "crop", landmarks, workers, None, None)
    table, meta = read_table(landmarks)
    extra_rows = None
    if extra is not None:
        extra_rows = extra_landmarks(extra, meta["landmarker"])
        typer.echo(f"--extra: hand found in {extra_rows[2]['hands']} of {extra_rows[2]['photos']} photos")
    metrics = train_random_forest(table, meta, model, n_estimators=n_estimators, seed=seed, use_z=use_z,
                                  augment=augment, extra=extra_rows)
    typer.echo(
        f"test split: accuracy {metrics['accuracy']:.2%} over {metrics['n_images']} images, "
        f"hand found in {metrics['coverage']:.2%}, accuracy where found {metrics['accuracy_on_hand']:.2%}, "
        f"macro F1 {metrics['macro_f1']:.4f}; trained in {metrics['train_seconds']:.1f} s"
    )
    typer.echo(f"wrote {model} and {model.with_suffix('.json')}")


@app.command()
@one_line_errors
def predict(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders (PNG, JPEG, ...; any size)")],
    model: Annotated[Path, typer.Option(help="A model from asl train-rf")] = Path("models/rf.joblib"),
    mode: Annotated[Mode, typer.Option(help="auto: find the hand (photo or crop), then crop mode on its square box")] = Mode.auto,
    top_k: Annotated[int, typer.Option(help="How many letters to list per image")] = 3,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    overlay: Annotated[Optional[Path], typer.Option(help="Folder for each image as a PNG with its landmarks and letter drawn on it")] = None,
) -> None:
    """Print the letter signed in each image.

    Exit code 0: every image read; 3: some images had no hand; 4: some files could not be read.
    """
    from asl.predict import LandmarkPredictor

    predictor = LandmarkPredictor(model, mode=mode.value, top_k=top_k, overlay=overlay)
    no_hand = unreadable = 0
    for p in predictor.predict_paths(paths):
        if p.error:
            unreadable += 1
            typer.echo(f"error: {p.error}", err=True)
        elif not p.hand:
            no_hand += 1
        if json_lines:
            typer.echo(json.dumps(p.as_json()))
        elif p.error is None:
            if p.hand:
                others = ", ".join(f"{l} {q:.2f}" for l, q in p.top[1:])
                typer.echo(f"{p.path}: {p.letter} {p.probability:.2f}" + (f" (then {others})" if others else ""))
            else:
                typer.echo(f"{p.path}: no hand found")
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    if no_hand:
        raise typer.Exit(EXIT_NO_HAND)


def main() -> None:
    """Console-script entry point."""
    app()
