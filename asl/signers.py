"""`asl evaluate-signers`: how well a model reads a stranger's hand. Each photo of a folder of
several signers (ASL-HG) is read by a model trained on Sign Language MNIST and the photos of the
other signers only, never its own: the Random Forest leave-one-signer-out, the ResNet50 in fewer,
larger folds (five folds of two signers by default: each fold trains a ResNet50). A photo without
a hand (or that cannot be read) counts as wrong. Each fold's readings are kept as they finish, so
an interrupted run resumes; the readings of every photo are cached for `asl compare`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from asl.classifiers import DEFAULTS, NO_HAND, ForestSettings, score_predictions
from asl.classifiers.settings import BEFORE
from asl.cnn_baseline.settings import SIGNER_FOLDS
from asl.dataset import LETTERS
from asl.errors import AslError, Interrupted
from asl.files import write_atomic
from asl.photo_table import compile_group_by, default_photo_out, extract_photo_landmarks, photo_group
from asl.photos import DEFAULT_GROUP_BY, credit_for, labelled_photos
from asl.provenance import code_version, machine, versions

KINDS = ("random_forest", "resnet50")
CACHE_DIR = Path("data/processed")


@dataclass
class GroupedReading:
    """Every grouped photo of a folder (in its photo table's order), read by a model of ``kind``
    that never saw the photo's signer: its letter (``NO_HAND`` without one) and probability."""

    kind: str
    paths: np.ndarray
    truth: np.ndarray
    groups: np.ndarray
    letters: np.ndarray
    probability: np.ndarray
    folds: list[tuple[str, ...]]
    params: dict

    def save(self, path: Path, key: dict) -> Path:
        frame = pd.DataFrame({"path": self.paths, "letter": self.truth, "group": self.groups, "read": self.letters,
                              "probability": self.probability})
        meta = {"key": key, "kind": self.kind, "folds": [list(f) for f in self.folds], "params": self.params}
        return write_atomic(path, lambda tmp: _write_parquet(frame, meta, tmp))

    @classmethod
    def load(cls, path: Path, key: dict) -> GroupedReading | None:
        """The readings cached in ``path`` if they were made with ``key``, else None."""
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
            meta = json.loads(table.schema.metadata[b"asl"])
        except (OSError, KeyError, ValueError, TypeError):
            return None
        if meta.get("key") != key:
            return None
        f = table.to_pandas()
        return cls(meta["kind"], f["path"].to_numpy(object), f["letter"].to_numpy(object), f["group"].to_numpy(object),
                   f["read"].to_numpy(object), f["probability"].to_numpy(float), [tuple(x) for x in meta["folds"]],
                   meta["params"])


def _write_parquet(frame: pd.DataFrame, meta: dict, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"asl": json.dumps(meta).encode()}), path)


@dataclass
class SignerEvaluation:
    """Per signer: photos and accuracy (no hand counts as wrong), by models that never saw them."""

    model: str
    photos_dir: str
    folds: list[list[str]]
    per_signer: dict[str, float]
    photos_per_signer: dict[str, int]
    mean: float  # over signers
    pooled: float  # over photos
    worst_signer: str
    per_letter_accuracy: dict[str, float]
    params: dict
    credit: str | None
    seconds: float
    code_version: str
    machine: str
    versions: dict

    def as_json(self) -> dict:
        return asdict(self)


def summarize(reading: GroupedReading, photos_dir: Path, seconds: float) -> SignerEvaluation:
    """Accuracy per signer, mean over signers, worst signer, over all photos and per letter."""
    from asl.classifiers.grouped import natural_key

    signers = sorted(set(reading.groups), key=natural_key)
    right = reading.letters == reading.truth
    per_signer = {s: float(right[reading.groups == s].mean()) for s in signers}
    return SignerEvaluation(
        model=reading.kind, photos_dir=str(Path(photos_dir).resolve()), folds=[list(f) for f in reading.folds],
        per_signer=per_signer, photos_per_signer={s: int((reading.groups == s).sum()) for s in signers},
        mean=float(np.mean(list(per_signer.values()))), pooled=float(right.mean()),
        worst_signer=min(per_signer, key=per_signer.get),
        per_letter_accuracy=score_predictions(reading.truth, reading.letters, LETTERS).per_letter_accuracy,
        params=reading.params, credit=credit_for(photos_dir), seconds=round(seconds, 1), code_version=code_version(),
        machine=machine(), versions=versions(),
    )


def _grouped_table(photos_dir: Path, landmarker_settings: dict | None, workers: int | None, progress) -> pd.DataFrame:
    """The photo table's rows that have a signer; a one-line error before any long step when the
    file names name fewer than two."""
    pattern = compile_group_by(DEFAULT_GROUP_BY)
    named = sorted({photo_group(path.name, pattern) for path, _ in labelled_photos(photos_dir, "PHOTOS")} - {None})
    if len(named) < 2:
        raise AslError(f"{photos_dir}: photos of at least two signers are needed (file names like P1_A_1.jpg); found "
                       + (", ".join(named) or "none"))
    photos = extract_photo_landmarks(photos_dir, default_photo_out(photos_dir), workers=workers,
                                     landmarker_settings=landmarker_settings,
                                     progress=progress(f"landmarks (auto, {Path(photos_dir).name})") if progress else None)
    return photos[photos["group"].notna()].reset_index(drop=True)


def _folds(groups: np.ndarray, n_folds: int | None) -> list[tuple[str, ...]]:
    from asl.classifiers.grouped import group_folds

    try:
        return group_folds(groups, n_folds)
    except ValueError as e:
        raise AslError(str(e)) from None


def _key(kind: str, params: dict, folds: list, photos: pd.DataFrame, base_sha256: dict) -> dict:
    """What a grouped evaluation's readings depend on: kept folds and readings are reused only under the
    same key. The photos' landmarks are in it, not only their files: a change in how a hand is read
    (say, the box read upright) makes new readings."""
    from asl.landmarks import COORDINATES

    listing = hashlib.sha256("\n".join(f"{p}\t{s}" for p, s in zip(photos["path"], photos["sha256"])).encode())
    return {"kind": kind, "params": params, "folds": [list(f) for f in folds], "photos_sha256": listing.hexdigest(),
            "photo_landmarks_sha256": array_sha256(photos[list(COORDINATES)].to_numpy(np.float32),
                                                   photos["hand"].to_numpy(bool)),
            "base_sha256": base_sha256}


def array_sha256(*arrays: np.ndarray) -> str:
    """One sha256 over the arrays' bytes (and shapes)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(repr(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _read_folds(reading_of_fold: Callable[[int, tuple[str, ...]], np.ndarray], folds: list, partial: Path, key: dict,
                log: Callable[[str], None]) -> list[np.ndarray]:
    """Each fold's held-out probabilities, from ``partial/fold-<i>.npy`` when an earlier run with the
    same ``key`` finished it, else computed (and kept there at once)."""
    stamp = partial / "key.json"
    try:
        same = json.loads(stamp.read_text()) == key
    except (OSError, ValueError):  # no stamp, or one cut short
        same = False
    if partial.is_dir() and not same:
        for old in partial.glob("*"):
            old.unlink()
    partial.mkdir(parents=True, exist_ok=True)
    write_atomic(stamp, lambda tmp: tmp.write_text(json.dumps(key)))
    out = []
    for i, fold in enumerate(folds):
        kept = partial / f"fold-{i}.npy"
        try:
            out.append(np.load(kept))
            log(f"fold {i + 1} of {len(folds)} ({', '.join(fold)}): kept from an earlier run")
            continue
        except (OSError, ValueError):  # not finished, or a damaged file: compute it again
            pass
        proba = reading_of_fold(i, fold)
        write_atomic(kept, lambda tmp: tmp.write_bytes(_npy_bytes(proba)))
        out.append(proba)
    return out


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _reading(kind: str, photos: pd.DataFrame, classes: np.ndarray, proba: np.ndarray, answered: np.ndarray,
             folds: list, params: dict) -> GroupedReading:
    letters = np.full(len(photos), NO_HAND, dtype=object)
    probability = np.zeros(len(photos))
    if answered.any():
        letters[answered] = classes[proba[answered].argmax(axis=1)]
        probability[answered] = proba[answered].max(axis=1)
    return GroupedReading(kind, photos["path"].to_numpy(object), photos["letter"].to_numpy(object),
                          photos["group"].to_numpy(object), letters, probability, folds, params)


def grouped_forest(landmarks_path: Path, photos_dir: Path, settings: ForestSettings = DEFAULTS, n_folds: int | None = None,
                   workers: int | None = None, log: Callable[[str], None] = print, progress=None) -> GroupedReading:
    """The Random Forest (``settings``, as `asl train-rf --extra` trains it) leave-one-signer-out
    (or in ``n_folds`` folds of signers) over the grouped photos of ``photos_dir``."""
    from sklearn.base import clone

    from asl.classifiers import forest_for
    from asl.classifiers.sources import training_rows
    from asl.extra import photo_rows
    from asl.landmarks import COORDINATES
    from asl.landmarks.result import mean_by_owner
    from asl.tables import read_table

    table, meta = read_table(landmarks_path)
    base = table[(table["split"] == "train") & table["hand"]]
    X_base, y_base = base[list(COORDINATES)].to_numpy(), base["letter"].to_numpy(object)
    photos = _grouped_table(photos_dir, meta["landmarker"], workers, progress)
    folds = _folds(photos["group"].to_numpy(object), n_folds)
    hand, groups = photos["hand"].to_numpy(bool), photos["group"].to_numpy(object)
    rows = photo_rows(photos, photos_dir)  # every reading of every hand, as train-rf --extra trains on them
    classes = np.array(sorted(set(y_base)), dtype=object)
    model = forest_for(settings, photos=True)

    def fold_proba(i: int, fold: tuple[str, ...]) -> np.ndarray:
        log(f"fold {i + 1} of {len(folds)}: reading {', '.join(fold)} with a forest trained without them")
        held = np.isin(rows.groups, fold)
        fitted = training_rows(X_base, y_base, [(rows.X[~held], rows.y[~held])], share=settings.share).fit(clone(model))
        proba = np.zeros((len(photos), len(classes)))
        if held.any():  # each held photo: the mean over its readings, as asl predict reads it
            mean = mean_by_owner(fitted.predict_proba(rows.X[held]), rows.photo[held], len(photos))
            read = np.unique(rows.photo[held])
            proba[np.ix_(read, np.searchsorted(classes, fitted.classes_))] = mean[read]
        return proba

    params = {**settings.as_dict(), "landmarks": str(landmarks_path)}
    key = _key("random_forest", settings.as_dict(), folds, photos,
               {**meta["source_sha256"], "landmarks": array_sha256(X_base.astype(np.float32), y_base.astype(str)),
                "readings": array_sha256(rows.X, rows.photo)})
    cached = _cached("random_forest", photos_dir, key, log)
    if cached:
        return cached
    proba = _combine(_read_folds(fold_proba, folds, _partial("random_forest", photos_dir), key, log), folds, groups)
    reading = _reading("random_forest", photos, classes, proba, hand, folds, params)
    reading.save(cache_path("random_forest", photos_dir), key)
    _partial_done("random_forest", photos_dir)
    return reading


def grouped_resnet(data_dir: Path, photos_dir: Path, settings, share: float = DEFAULTS.share,
                   n_folds: int | None = SIGNER_FOLDS, device: str = "auto", workers: int | None = None,
                   log: Callable[[str], None] = print, progress=None,
                   on_batch: Callable | None = None) -> GroupedReading:
    """The ResNet50 (``settings``, as `asl train-cnn --extra` trains it) in ``n_folds`` folds of
    signers over the grouped photos of ``photos_dir``, each photo read as `asl predict` reads it."""
    from asl.dataset import load_split, split_path
    from asl.extra import photo_pixels
    from asl.files import sha256_of

    photos = _grouped_table(photos_dir, None, workers, progress)
    folds = _folds(photos["group"].to_numpy(object), n_folds)
    key = resnet_key(settings, share, folds, photos, sha256_of({"train": split_path(data_dir, "train")}))
    cached = _cached("resnet50", photos_dir, key, log)
    if cached:
        return cached
    pixels = photo_pixels(photos, photos_dir).images  # the readable photos' network inputs, in order
    base_images, base_letters = load_split(data_dir, "train")
    reading = resnet_readings(photos, pixels, base_images, base_letters, settings, share, folds, device, key,
                              _partial("resnet50", photos_dir), log, on_batch)
    reading.save(cache_path("resnet50", photos_dir), key)
    _partial_done("resnet50", photos_dir)
    return reading


def resnet_key(settings, share: float, folds: list, photos: pd.DataFrame, train_sha256: dict) -> dict:
    """What the ResNet50's grouped readings depend on (the device they ran on is not part of it)."""
    return _key("resnet50", {**settings.as_dict(), "share": share}, folds, photos, train_sha256)


def resnet_readings(photos: pd.DataFrame, pixels: np.ndarray, base_images: np.ndarray, base_letters: np.ndarray,
                    settings, share: float, folds: list, device: str, key: dict, partial: Path,
                    log: Callable[[str], None] = print, on_batch: Callable | None = None) -> GroupedReading:
    """Arrays in, readings out: for each fold, a ResNet50 fitted on ``base_images`` (Sign Language
    MNIST's train split) and the network inputs ``pixels`` of the readable ``photos`` of the other
    folds (together weighing ``share`` times the base images), reading the fold's photos. Finished
    folds are kept in ``partial`` (under ``key``)."""
    from asl.classifiers.sources import source_weights
    from asl.cnn_baseline import ResNetClassifier
    from asl.cnn_training import deterministic_cublas

    deterministic_cublas(device)
    readable = photos["error"].isna().to_numpy()
    groups, letters = photos["group"].to_numpy(object)[readable], photos["letter"].to_numpy(object)[readable]
    classes = np.array(sorted(set(base_letters)), dtype=object)

    def fold_proba(i: int, fold: tuple[str, ...]) -> np.ndarray:
        log(f"fold {i + 1} of {len(folds)}: training a ResNet50 without {', '.join(fold)}")
        train, held = ~np.isin(groups, fold), np.isin(groups, fold)
        weights, _ = source_weights(len(base_images), [int(train.sum())], share)
        model = ResNetClassifier(settings, device).fit(
            np.concatenate([base_images, pixels[train]]),
            np.concatenate([np.asarray(base_letters, dtype=object), letters[train]]),
            sample_weight=weights, on_batch=on_batch)
        proba = np.zeros((len(photos), len(classes)))
        rows = np.flatnonzero(readable)[held]
        proba[np.ix_(rows, np.searchsorted(classes, model.classes_))] = model.predict_proba(pixels[held])
        return proba

    try:
        proba = _combine(_read_folds(fold_proba, folds, partial, key, log), folds, photos["group"].to_numpy(object))
    except KeyboardInterrupt:
        raise Interrupted("interrupted; finished folds are kept: run the same command to resume") from None
    return _reading("resnet50", photos, classes, proba, readable, folds,
                    {**settings.as_dict(), "share": share, "device": device})


def _cached(kind: str, photos_dir: Path, key: dict, log: Callable[[str], None]) -> GroupedReading | None:
    reading = GroupedReading.load(cache_path(kind, photos_dir), key)
    if reading is not None:
        log(f"{kind}: grouped readings of {photos_dir} reused from {cache_path(kind, photos_dir)}")
    return reading


def _combine(per_fold: list[np.ndarray], folds: list, groups: np.ndarray) -> np.ndarray:
    """One probability table: each row from the fold that held its group out."""
    out = np.zeros_like(per_fold[0])
    for proba, fold in zip(per_fold, folds):
        held = np.isin(groups, fold)
        out[held] = proba[held]
    return out


def cache_path(kind: str, photos_dir: Path) -> Path:
    """Where the grouped readings of ``kind`` on ``photos_dir`` are cached (for `asl compare`)."""
    return CACHE_DIR / f"grouped-{kind}-{Path(photos_dir).resolve().name}.parquet"


def _partial(kind: str, photos_dir: Path) -> Path:
    return cache_path(kind, photos_dir).with_suffix(".partial")


def _partial_done(kind: str, photos_dir: Path) -> None:
    import shutil

    shutil.rmtree(_partial(kind, photos_dir), ignore_errors=True)


def write_signer_report(path: Path, evaluation: SignerEvaluation) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(json.dumps(evaluation.as_json(), indent=2) + "\n"))


def settings_of(model_path: Path) -> tuple[str, object, float]:
    """(kind, training settings, photo share) of a trained model, from its metrics JSON, so that
    the folds are trained as it was: ``ForestSettings`` or the ResNet50's ``TrainSettings``."""
    from dataclasses import fields

    from asl.trained import saved_result

    result = saved_result(model_path)
    share = result.extra[0].share if result.extra and result.extra[0].share is not None else DEFAULTS.share
    params = result.params
    if result.model == "random_forest":
        names = [f.name for f in fields(ForestSettings)]
        params = {**BEFORE, **params}  # settings added later: what older models were trained with
        missing = [n for n in names if n not in params]
        if missing:
            raise AslError(f"{model_path} was trained by an older asl (its metrics lack {', '.join(missing)}); "
                           "retrain it with `asl train-rf`")
        return "random_forest", ForestSettings(**{n: params[n] for n in names}), share
    from asl.cnn_baseline.settings import TrainSettings

    names = [f.name for f in fields(TrainSettings)]
    return "resnet50", TrainSettings.from_dict({n: params[n] for n in names if n in params}), share
