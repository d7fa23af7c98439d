"""The `asl` command line: thin commands over the libraries and the jobs in asl/."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from asl.classifiers.settings import DEFAULTS as FOREST
from asl.classifiers.settings import ForestSettings
from asl.cnn_baseline.settings import DEVICES, SIGNER_FOLDS, WEIGHTS
from asl.dataset import SPLITS
from asl.download import DATASETS
from asl.errors import AslError
from asl.images import LIMITS as IMAGE_LIMITS
from asl.landmarks.modes import MODES
from asl.locations import CNN_MODEL, LANDMARKS, PHOTO_MODEL, RF_MODEL
from asl.landmarks.quiet import ENV as NATIVE_LOGS_ENV
from asl.photos import DEFAULT_GROUP_BY

class OneLineUsageErrors(TyperGroup):
    """Usage errors (a bad option value, a missing argument) as one line on stderr, exit 2, as every
    other error of asl is reported, instead of Typer's boxed multi-line panel."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer import Abort
        from typer._click.exceptions import NoArgsIsHelpError, UsageError

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:  # `asl` alone: the help
            e.show()
            code = e.exit_code
        except UsageError as e:
            where = f" (see `{e.ctx.command_path} --help`)" if e.ctx is not None else ""
            typer.echo(f"error: {' '.join(e.format_message().split())}{where}", err=True)
            code = e.exit_code
        except Abort:
            typer.echo("error: aborted", err=True)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="asl",
    cls=OneLineUsageErrors,
    help="Read ASL fingerspelling letters from images via MediaPipe hand landmarks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: it prints at once (rich costs 0.1 s of `asl --help`) and reads well in a log
    add_completion=False,
)

EXIT_NO_HAND = 3
EXIT_UNREADABLE = 4
# The libraries' lists, as the choices of the options (each written once, where it is used).
Split = Enum("Split", {name: name for name in (*SPLITS, "all")}, type=str)
Mode = Enum("Mode", {name: name for name in MODES}, type=str)
Weights = Enum("Weights", {name: name for name in WEIGHTS}, type=str)
Device = Enum("Device", {name: name for name in DEVICES}, type=str)
Dataset = Enum("Dataset", {name: name for name in DATASETS}, type=str)

def finite(value: float | None) -> float | None:
    """Refuse NaN and infinities at parse time (typer's ranges let NaN through)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


def positive(value: float | None) -> float | None:
    """A finite number above 0."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"{value} is not a number above 0")
    return value


SEED_MAX = 2**32 - 1  # numpy's and scikit-learn's seeds are 32-bit
ExtraShare = Annotated[
    float,
    typer.Option("--extra-share", min=0.0, callback=finite, help="Each photo folder together weighs this many times the Sign Language MNIST rows (sample_weight)"),
]
Cluster = Annotated[Optional[str], typer.Option(help="Run on a Dask cluster: a scheduler address (tcp://host:8786) or local[:N] (N worker processes here); needs asl[cluster]")]
MinLeaf = Annotated[int, typer.Option(min=1, help="The fewest training rows in a leaf (larger: a smaller forest)")]
CropShare = Annotated[float, typer.Option(min=0.0, max=1.0, callback=finite, help="With --extra: a hand crop (no depth, as Sign Language MNIST's) is also read by a forest of the crops alone, this part of its vote (0: none)")]
Workers = Annotated[Optional[int], typer.Option(min=1, help="Processes, one model each [default: all cores]")]
DataDir = Annotated[
    Optional[Path],
    typer.Option("--data-dir", help="Folder with the two CSVs [default: $ASL_DATA_DIR, else data/raw]"),
]


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show the log lines of MediaPipe and LiteRT")] = False,
) -> None:
    """Read ASL fingerspelling letters from images via MediaPipe hand landmarks."""
    if verbose:
        os.environ[NATIVE_LOGS_ENV] = "1"  # inherited by the worker processes too


def one_line_errors(command):
    """Report AslError as one line on stderr with its exit code, no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AslError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(e.exit_code) from None
        except OSError as e:  # the disk filled up, a file vanished or turned read-only mid-run
            where = f" ({e.filename})" if e.filename else ""
            typer.echo(f"error: {e.strerror or e}{where}; check the path and free space, then run again", err=True)
            raise typer.Exit(1) from None

    return wrapper


@app.command()
@one_line_errors
def download(
    dataset: Annotated[Dataset, typer.Argument(help="sign-language-mnist: the Kaggle CSVs; asl-hg: ASL-HG's photos of ten signers (Mendeley Data, CC BY 4.0)")] = "sign-language-mnist",
    data_dir: DataDir = None,
    dest: Annotated[Optional[Path], typer.Option(help="asl-hg: the folder to fill [default: data/raw/asl-hg]")] = None,
) -> None:
    """Download a data set: Sign Language MNIST from Kaggle (kagglehub) into data/raw/, or ASL-HG."""
    from asl.dataset import resolve_data_dir
    from asl.download import ASL_HG_CREDIT, DEFAULT_ASL_HG_DIR, download_asl_hg
    from asl.download import download as fetch

    if Dataset(dataset).value == "asl-hg":
        folder = download_asl_hg(dest or DEFAULT_ASL_HG_DIR)
        typer.echo(f"wrote {folder} ({ASL_HG_CREDIT})")
        return
    for path in fetch(resolve_data_dir(data_dir)):
        typer.echo(f"wrote {path}")


@app.command("extract-landmarks")
@one_line_errors
def extract_landmarks_command(
    split: Annotated[Split, typer.Option(help="Which split to extract")] = "all",
    mode: Annotated[Mode, typer.Option(help="crop: image is a hand crop; detect: MediaPipe Hands; auto: find the hand, then crop mode on its box")] = "crop",
    images: Annotated[Optional[Path], typer.Option(help="A folder of labelled photos (letter folders A-Y at any depth) instead of Sign Language MNIST; auto mode")] = None,
    group_by: Annotated[str, typer.Option(help="With --images: regular expression on the file name whose first group is the photo's group (signer); '' for none")] = DEFAULT_GROUP_BY,
    workers: Workers = None,
    out: Annotated[Optional[Path], typer.Option(help="Parquet file [default: data/processed/landmarks-<mode>[-<split>].parquet; with --images: data/processed/photos-<folder>.parquet]")] = None,
    data_dir: DataDir = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N rows of each split")] = None,
    min_presence: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, callback=finite, help="Crop mode's hand-presence threshold")] = None,
    force: Annotated[bool, typer.Option(help="Recompute even if OUT is up to date")] = False,
    cluster: Cluster = None,
) -> None:
    """Turn every image into 21 hand landmarks; one Parquet row per image.

    Resumes if interrupted; an OUT made with the same settings from the same files is reused.
    """
    from asl.progress import progress_bar

    if images is not None:
        from asl.photo_table import default_photo_out, extract_photo_landmarks

        out = out or default_photo_out(images)
        table = extract_photo_landmarks(images, out, group_by=group_by or None, workers=workers,
                                        landmarker_settings={"min_presence": min_presence}, force=force,
                                        progress=progress_bar("landmarks (auto, photos)"), cluster=cluster)
        _report_coverage(table, "source")
        groups = sorted(g for g in table["group"].dropna().unique())
        typer.echo(f"groups: {len(groups)} ({', '.join(groups[:12])}{', ...' if len(groups) > 12 else ''})"
                   if groups else "groups: none (no file name matched --group-by)")
        failed = table[table["error"].notna()]
        if len(failed):
            typer.echo(f"{len(failed)} photo(s) could not be read and have no hand:", err=True)
            for error in failed["error"].head(20):
                typer.echo(f"  {error}", err=True)
        typer.echo(f"wrote {out}")
        return
    from asl.dataset import resolve_data_dir
    from asl.extraction import default_out, extract_landmarks

    split, mode = Split(split).value, Mode(mode).value
    out = out or default_out(mode, split)
    table = extract_landmarks(resolve_data_dir(data_dir), split=split, mode=mode, out=out, workers=workers,
                              limit=limit, min_presence=min_presence, force=force,
                              progress=progress_bar(f"landmarks ({mode})"), cluster=cluster)
    _report_coverage(table, "split")
    typer.echo(f"wrote {out}")


def _report_coverage(table, by: str) -> None:
    """One line per split (or photo source): the share of images with a hand, and per letter."""
    from asl.tables import coverage_by_letter

    for name, rows in coverage_by_letter(table, by).groupby(level=by):
        cells = "  ".join(f"{letter} {c:.0%}" for (_, letter), c in rows["coverage"].items())
        share = rows["hands"].sum() / rows["images"].sum()
        typer.echo(f"{name}: hand found in {share:.1%} of {rows['images'].sum()} images | {cells}")


@app.command("train-rf")
@one_line_errors
def train_rf(
    landmarks: Annotated[Path, typer.Option(help="Landmark table (extracted first if missing)")] = LANDMARKS,
    model: Annotated[Path, typer.Option(help="Where to save the model; metrics go beside it as .json")] = RF_MODEL,
    n_estimators: Annotated[int, typer.Option(min=1, help="Trees in the forest")] = FOREST.n_estimators,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed (same seed, same model)")] = FOREST.seed,
    data_dir: DataDir = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Extraction processes if the table is missing")] = None,
    extra: Annotated[Optional[list[Path]], typer.Option(help="Photos to train on too, DIR/<LETTER>/* (your own, or ASL-HG's); repeat for several folders")] = None,
    extra_share: ExtraShare = FOREST.share,
    augment: Annotated[bool, typer.Option(help="Also train on mirrored and randomly turned views (of the photos; of every hand without --extra)")] = FOREST.augment,
    use_z: Annotated[bool, typer.Option(help="Use landmark depth (z) as a feature where a hand has one (photos, not 28x28 crops)")] = FOREST.use_z,
    max_samples: Annotated[float, typer.Option(min=0.01, max=1.0, callback=finite, help="Fraction of the rows each tree draws")] = FOREST.max_samples,
    min_samples_leaf: MinLeaf = FOREST.min_samples_leaf,
    crop_share: CropShare = FOREST.crop_share,
    cluster: Cluster = None,
) -> None:
    """Train the Random Forest on train landmarks, score it on the test split, save it."""
    from asl.dataset import resolve_data_dir
    from asl.progress import progress_bar
    from asl.trained import metrics_path
    from asl.training import run_train_rf

    settings = ForestSettings(n_estimators=n_estimators, seed=seed, use_z=use_z, augment=augment,
                              max_samples=max_samples, share=extra_share, min_samples_leaf=min_samples_leaf,
                              crop_share=crop_share)
    result = run_train_rf(landmarks, model, resolve_data_dir(data_dir), settings, workers=workers, extra_dirs=extra,
                          cluster=cluster,
                          log=typer.echo, progress=progress_bar)
    s = result.scores
    typer.echo(
        f"test split: accuracy {s.accuracy:.2%} over {s.n_images} images, hand found in {s.coverage:.2%}, "
        f"accuracy where found {s.accuracy_on_hand:.2%}, macro F1 {s.macro_f1:.4f}; "
        f"trained in {result.train_seconds:.1f} s"
    )
    typer.echo(f"wrote {model} and {metrics_path(model)}")


@app.command("train-cnn")
@one_line_errors
def train_cnn_command(
    model: Annotated[Path, typer.Option(help="Where to save the model; metrics go beside it as .json")] = CNN_MODEL,
    weights: Annotated[Weights, typer.Option(help="imagenet: torchvision's ImageNet weights (cached or downloaded); none: from scratch")] = "none",
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the train split")] = 10,
    batch_size: Annotated[int, typer.Option(min=2, help="Images per step")] = 128,
    lr: Annotated[float, typer.Option(callback=positive, help="Peak learning rate (SGD, one-cycle schedule)")] = 0.1,
    img_size: Annotated[int, typer.Option(min=16, help="Side the 28x28 images are resized to (32 suits a CPU; 224 a GPU)")] = 32,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed (same seed and device, same metrics)")] = 0,
    device: Annotated[Device, typer.Option(help="auto: CUDA, else MPS, else CPU")] = "auto",
    amp: Annotated[bool, typer.Option(help="bfloat16 autocast where the device has it natively")] = True,
    data_dir: DataDir = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N rows of each split")] = None,
    extra: Annotated[Optional[list[Path]], typer.Option(help="Photos to train on too, DIR/<LETTER>/*, each read as asl predict reads it (the hand's box); repeatable")] = None,
    extra_share: ExtraShare = FOREST.share,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Processes that find the hands in --extra photos (once; cached)")] = None,
) -> None:
    """Train ResNet50 on the pixels, score it on the test split, save it.

    Resumes from the last finished epoch if interrupted (checkpoint: MODEL.partial).
    """
    from asl.cnn_baseline.settings import TrainSettings
    from asl.cnn_training import run_train_cnn
    from asl.dataset import resolve_data_dir
    from asl.progress import epoch_bars, progress_bar
    from asl.trained import metrics_path

    settings = TrainSettings(weights=Weights(weights).value, epochs=epochs, batch_size=batch_size, lr=lr,
                             img_size=img_size, seed=seed, amp=amp)
    result = run_train_cnn(resolve_data_dir(data_dir), model, settings, device=Device(device).value, limit=limit,
                           extra_dirs=extra, share=extra_share, workers=workers, on_batch=epoch_bars(epochs),
                           log=typer.echo, progress=progress_bar)
    typer.echo(
        f"test split: accuracy {result.scores.accuracy:.2%} over {result.scores.n_images} images, "
        f"macro F1 {result.scores.macro_f1:.4f}; trained in {result.train_seconds / 60:.1f} min "
        f"on {result.params['device']}"
    )
    typer.echo(f"wrote {model} and {metrics_path(model)}")


@app.command()
@one_line_errors
def predict(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders (PNG, JPEG, ...; any size)")],
    model: Annotated[Optional[list[Path]], typer.Option(help=f"A model from asl train-rf (.skops) or asl train-cnn (.pt); give one of each to read with the hybrid [default: {PHOTO_MODEL}, else {RF_MODEL}]")] = None,
    mode: Annotated[Mode, typer.Option(help="auto: find the hand (photo or crop), then crop mode on its square box")] = "auto",
    top_k: Annotated[int, typer.Option(min=1, max=24, help="How many letters to list per image")] = 3,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    overlay: Annotated[Optional[Path], typer.Option(help="Folder for each image as a PNG with its landmarks and letter drawn on it")] = None,
    max_megapixels: Annotated[float, typer.Option(callback=positive, help="Refuse an image file larger than this (read from its header, before decoding)")] = IMAGE_LIMITS.megapixels,
    max_aspect: Annotated[float, typer.Option(min=1.0, callback=finite, help="Refuse an image whose long side is more than this many times its short side")] = IMAGE_LIMITS.aspect,
) -> None:
    """Print the letter signed in each image.

    Exit code 0: every image read; 3: some images had no hand; 4: some files could not be read.
    """
    from asl.overlay import OverlayWriter
    from asl.predict import predict_files
    from asl.predictors import load_predictor

    if not model:
        from asl.locations import default_predict_model

        default, note = default_predict_model()
        if note:
            typer.echo(note, err=True)
        model = [default]
    predictor = load_predictor(model, mode=Mode(mode).value, top_k=top_k)
    overlays = OverlayWriter(overlay) if overlay is not None else None
    no_hand = unreadable = 0
    from asl.images import ImageLimits

    limits = ImageLimits(megapixels=max_megapixels, aspect=max_aspect)
    for p in predict_files(predictor, paths, overlays, limits=limits):
        if p.error:
            unreadable += 1
            typer.echo(f"error: {p.error}", err=True)
        elif p.letter is None:
            no_hand += 1
        if json_lines:
            typer.echo(json.dumps(p.as_json()))
        elif p.error is None:
            if p.letter is not None:
                others = ", ".join(f"{l} {q:.2f}" for l, q in p.reading.top[1:])
                typer.echo(f"{p.path}: {p.letter} {p.probability:.2f}" + (f" (then {others})" if others else ""))
            else:
                typer.echo(f"{p.path}: no hand found")
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    if no_hand:
        raise typer.Exit(EXIT_NO_HAND)


@app.command("evaluate-signers")
@one_line_errors
def evaluate_signers(
    photos: Annotated[Path, typer.Argument(help="Photos of several signers, letter folders A-Y; the signer from each file name (P1_A_1.jpg)")],
    model: Annotated[Optional[Path], typer.Option(help="Train each fold as this model was trained (its metrics JSON): a .skops Random Forest or a .pt ResNet50 [default: a Random Forest with the options below]")] = None,
    folds: Annotated[Optional[int], typer.Option(min=2, help=f"Folds of signers [default: one per signer for the Random Forest, {SIGNER_FOLDS} for the ResNet50]")] = None,
    landmarks: Annotated[Path, typer.Option(help="Crop-mode Sign Language MNIST landmark table (extracted first if missing)")] = LANDMARKS,
    n_estimators: Annotated[int, typer.Option(min=1, help="Trees in each fold's forest")] = FOREST.n_estimators,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed")] = FOREST.seed,
    extra_share: ExtraShare = FOREST.share,
    max_samples: Annotated[float, typer.Option(min=0.01, max=1.0, callback=finite, help="Fraction of the rows each tree draws")] = FOREST.max_samples,
    min_samples_leaf: MinLeaf = FOREST.min_samples_leaf,
    crop_share: CropShare = FOREST.crop_share,
    device: Annotated[Device, typer.Option(help="The ResNet50's device (auto: CUDA, else MPS, else CPU)")] = "auto",
    workers: Annotated[Optional[int], typer.Option(min=1, help="Extraction processes")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Where to write the per-signer JSON [default: reports/signers-<model kind>.json]")] = None,
    data_dir: DataDir = None,
) -> None:
    """Each signer's photos read by a model trained on Sign Language MNIST and the other signers only."""
    from asl.dataset import resolve_data_dir
    from asl.extraction import extract_landmarks
    from asl.photos import labelled_photos
    from asl.progress import epoch_bars, progress_bar
    from asl.signers import grouped_forest, grouped_resnet, settings_of, summarize, write_signer_report

    labelled_photos(photos, "PHOTOS")
    started = time.perf_counter()
    if model is not None:
        kind, settings, share = settings_of(model)
    else:
        kind, share = "random_forest", extra_share
        settings = ForestSettings(n_estimators=n_estimators, seed=seed, max_samples=max_samples, share=extra_share,
                                  min_samples_leaf=min_samples_leaf, crop_share=crop_share)
    if kind == "resnet50":
        reading = grouped_resnet(resolve_data_dir(data_dir), photos, settings, share,
                                 n_folds=folds or SIGNER_FOLDS, device=Device(device).value, workers=workers,
                                 log=typer.echo, progress=progress_bar, on_batch=epoch_bars(settings.epochs))
    else:
        if not landmarks.exists():
            typer.echo(f"{landmarks} is missing; extracting landmarks first (crop mode, both splits)")
            extract_landmarks(resolve_data_dir(data_dir), out=landmarks, workers=workers,
                              progress=progress_bar("landmarks (crop)"))
        reading = grouped_forest(landmarks, photos, settings, n_folds=folds, workers=workers, log=typer.echo,
                                 progress=progress_bar)
    result = summarize(reading, photos, time.perf_counter() - started)
    for signer, accuracy in result.per_signer.items():
        typer.echo(f"  {signer:6} {accuracy:7.2%}  ({result.photos_per_signer[signer]} photos)")
    typer.echo(f"{kind}, {len(reading.folds)} folds of signers: mean {result.mean:.2%} over {len(result.per_signer)} "
               f"signers, worst {result.worst_signer} {result.per_signer[result.worst_signer]:.2%}, "
               f"all photos {result.pooled:.2%}")
    typer.echo(f"wrote {write_signer_report(out or Path(f'reports/signers-{kind}.json'), result)}")


def command_line(ctx: typer.Context) -> str:
    """The command as given, rebuilt from its parsed options (defaults left out), for reports."""
    import shlex

    parts = ["asl", ctx.info_name]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or value == param.default:
            continue
        for one in value if isinstance(value, (list, tuple)) else [value]:
            parts += [param.opts[0], str(one.value if isinstance(one, Enum) else one)]
    return shlex.join(parts)


@app.command()
@one_line_errors
def compare(
    ctx: typer.Context,
    photos: Annotated[Optional[Path], typer.Option(help="Also score every model on photos laid out DIR/<LETTER>/*")] = None,
    rf_model: Annotated[Path, typer.Option(help="Random Forest (trained first if missing)")] = RF_MODEL,
    cnn_model: Annotated[Path, typer.Option(help="ResNet50 (trained first, with train-cnn's defaults, if missing)")] = CNN_MODEL,
    landmarks: Annotated[Path, typer.Option(help="Crop-mode landmark table (extracted or brought up to date first)")] = LANDMARKS,
    reports: Annotated[Path, typer.Option(help="Folder for compare.md, compare.json and the figures")] = Path("reports"),
    timing_images: Annotated[int, typer.Option(min=1, help="Test images to time inference on")] = 200,
    data_dir: DataDir = None,
    extra: Annotated[Optional[list[Path]], typer.Option(help="Train missing models on these photos too, as train-rf/train-cnn --extra (repeatable)")] = None,
    signers: Annotated[Optional[Path], typer.Option(help="Also score every model on photos of several signers (P1_A_1.jpg), each read by models trained without its signer")] = None,
) -> None:
    """Score the Random Forest, the ResNet50 and their hybrid on the same test split (and photos,
    and signers they never saw).

    Trains whichever model is missing, then writes REPORTS/compare.md, compare.json and PNG figures.
    """
    from asl.compare import ensure_inputs, run_compare
    from asl.dataset import resolve_data_dir, split_path
    from asl.photos import labelled_photos
    from asl.progress import progress_bar

    data = resolve_data_dir(data_dir)
    for split in SPLITS:
        split_path(data, split)  # fail now, not after training, if the data are missing
    for folder, option in ((photos, "--photos"), (signers, "--signers"), *((e, "--extra") for e in extra or [])):
        if folder is not None:
            labelled_photos(folder, option)
    ensure_inputs(data, rf_model, cnn_model, landmarks, log=typer.echo, extra_dirs=extra)
    report = run_compare(data, rf_model, cnn_model, landmarks, reports, photos, timing_images,
                         command=command_line(ctx), log=typer.echo, progress=progress_bar, signers_dir=signers)
    for section in report.sections:
        typer.echo(section.title)
        for name, row in section.rows.items():
            typer.echo(f"  {name:14} accuracy {row.scores.accuracy:.2%}  coverage {row.scores.coverage:.2%}  "
                       f"macro F1 {row.scores.macro_f1:.4f}")


@app.command()
@one_line_errors
def serve(
    model: Annotated[Optional[list[Path]], typer.Option(help=f"Model file(s) as for predict [default: {PHOTO_MODEL}, else {RF_MODEL}]")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every network this machine is on; your choice)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Processes, each with its own models; requests run in parallel across them")] = 1,
    mode: Annotated[Mode, typer.Option(help="How a hand is found, as for predict")] = "auto",
    top_k: Annotated[int, typer.Option(min=1, max=24, help="How many letters to list per image")] = 3,
    max_upload_mb: Annotated[float, typer.Option(callback=positive, help="Refuse an upload larger than this (413)")] = 10.0,
    max_megapixels: Annotated[float, typer.Option(callback=positive, help="Refuse an image with more pixels (413), read from its header")] = IMAGE_LIMITS.megapixels,
) -> None:
    """Serve the model over HTTP: POST /predict, GET /health, /version, /docs, and a camera page at /."""
    from dataclasses import replace

    from asl.server import ServeSettings, serve as run_server

    settings = ServeSettings(models=tuple(str(m) for m in model or ()), mode=Mode(mode).value, top_k=top_k,
                             max_upload_bytes=int(max_upload_mb * 2**20),
                             limits=replace(IMAGE_LIMITS, megapixels=max_megapixels))
    run_server(settings, host=host, port=port, workers=workers, log=lambda line: typer.echo(line, err=True))


@app.command()
@one_line_errors
def spell(
    videos: Annotated[Optional[list[Path]], typer.Argument(help="Video files (MP4, MOV, WebM, AVI, MKV, an animated GIF) or folders of frame images")] = None,
    camera: Annotated[Optional[int], typer.Option(min=0, help="Read a live camera instead (0: the first); the text is printed as it grows; Ctrl-C ends")] = None,
    model: Annotated[Optional[Path], typer.Option(help=f"A landmark model from asl train-rf (.skops) [default: {PHOTO_MODEL}, else {RF_MODEL}]")] = None,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per video: the text, each letter with its start, end and probability")] = False,
    overlay: Annotated[Optional[Path], typer.Option(help="Write the video with the landmarks, the letter and the text drawn on each frame (MP4); a folder when several videos are given")] = None,
    fps: Annotated[float, typer.Option(callback=positive, help="Frame rate of a folder of frame images")] = 30.0,
    max_megapixels: Annotated[float, typer.Option(callback=positive, help="Refuse a video whose frames have more pixels")] = IMAGE_LIMITS.megapixels,
) -> None:
    """Read fingerspelled words from videos or a camera: held letters, double letters, J and Z.

    Exit code 0: every video read; 4: some could not be read, or stopped decoding early.
    """
    from dataclasses import replace

    from asl.spell import OverlayVideo, SpellReader, overlay_path
    from asl.video import open_video

    if (camera is None) == (not videos):
        raise AslError("give video files or folders of frames, or --camera N (not both)")
    if model is None:
        from asl.locations import default_predict_model

        model, note = default_predict_model()
        if note:
            typer.echo(note, err=True)
    limits = replace(IMAGE_LIMITS, megapixels=max_megapixels)
    reader = SpellReader.load(model)
    sources: list = [camera] if camera is not None else list(videos)
    several = len(sources) > 1
    if overlay is not None and several:
        try:
            overlay.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise AslError(f"--overlay {overlay}: cannot create the folder ({e.strerror or e})") from None
    failed = 0
    for source in sources:
        try:
            video = open_video(source, fps=fps, limits=limits)
        except AslError as e:
            if not several:
                raise
            typer.echo(f"error: {e}", err=True)
            failed += 1
            continue
        out = OverlayVideo(overlay_path(overlay, video.label, several), video.fps) if overlay is not None else None
        live = video.live and not json_lines
        if video.live:
            typer.echo(f"reading {video.label}; Ctrl-C ends", err=True)
        try:
            result = reader.read(video, on_letter=(lambda letter: typer.echo(letter.letter, nl=False)) if live else None,
                                 overlay=out, progress=None if video.live else _frame_progress(video.label))
        except BaseException:
            if out is not None:
                out.discard()
            raise
        if out is not None:
            result = replace(result, overlay=out.close())
        if result.warning:
            typer.echo(f"error: {result.warning}", err=True)
            failed += 1
        if json_lines:
            typer.echo(json.dumps(result.as_json()))
        elif live:
            typer.echo("")
        else:
            letters = ", ".join(f"{l.letter} {l.probability:.2f} {l.start:.1f}-{l.end:.1f}s" for l in result.letters)
            typer.echo(f"{result.path}: {result.text or '(no letters)'}" + (f"  ({letters})" if letters else ""))
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


def _frame_progress(label: str):
    """A frame bar for one video on a terminal; none in a log, where each video's line says it is done."""
    if not sys.stderr.isatty():
        return None
    from asl.progress import progress_bar

    return progress_bar(Path(label).name, unit="frame")


def main() -> None:
    """Console-script entry point."""
    app()
