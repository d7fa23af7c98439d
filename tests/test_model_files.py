"""Model files from elsewhere: nothing in a file runs unless every type it names is trusted (issue 13).

Each hostile file would write a marker file if any of it ran; the tests check the marker is absent.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import skops.io as skops_io
from conftest import assert_one_line_error, fresh_python, invoke, rewrite_zip

from asl.errors import AslError
from asl.modelfile import FORMAT, FORMAT_VERSION, load_cnn_model, load_model, refused_types, save_model

MARKER = "ran.txt"


class WritesOnLoad:
    """Unpickling (``__reduce__``) or building it from state (``__setstate__``) writes ``MARKER``."""

    def __init__(self, folder: str):
        self.folder = folder

    def __reduce__(self):
        return (Path.write_text, (Path(self.folder) / MARKER, "code ran"))

    def __setstate__(self, state):
        Path(state["folder"], MARKER).write_text("code ran")
        self.__dict__.update(state)


def small_pipeline():
    from asl.classifiers.random_forest import make_random_forest

    rng = np.random.default_rng(0)
    return make_random_forest(n_estimators=3, n_jobs=1).fit(rng.random((60, 63)), np.array(list("ABC") * 20))


def payload(pipeline) -> dict:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": "landmarks", "pipeline": pipeline,
            "landmarker": {"mode": "crop"}}


def test_a_model_saved_by_asl_loads_and_names_only_trusted_types(tmp_path):
    model = tmp_path / "rf.skops"
    save_model(model, small_pipeline(), {"mode": "crop"})
    assert refused_types(skops_io.get_untrusted_types(file=model)) == []
    loaded = load_model(model)
    assert list(loaded["pipeline"].classes_) == ["A", "B", "C"]
    assert loaded["pipeline"].predict(np.zeros((1, 63))).shape == (1,)


def test_refused_types_are_other_packages_and_sklearn_functions():
    assert refused_types(["sklearn.ensemble._forest.RandomForestClassifier",
                          "asl.landmarks.features.LandmarkFeatures"]) == []
    assert refused_types(["os.system", "builtins.eval", "sklearn.utils.check_array", "sklearn.no.such.Thing",
                          "tests.WritesOnLoad"]) == sorted(["os.system", "builtins.eval", "sklearn.utils.check_array",
                                                            "sklearn.no.such.Thing", "tests.WritesOnLoad"])


@pytest.mark.parametrize("name", ["rf.joblib", "rf.skops", "rf.pkl"])
def test_a_pickle_payload_is_refused_without_running(tmp_path, name):
    model = tmp_path / name
    model.write_bytes(pickle.dumps(WritesOnLoad(str(tmp_path))))
    with pytest.raises(AslError, match="pickle|not a readable asl model"):
        load_model(model)
    assert not (tmp_path / MARKER).exists()


def test_a_skops_file_naming_an_untrusted_class_is_refused_before_it_is_built(tmp_path):
    model = tmp_path / "rf.skops"
    skops_io.dump({**payload(small_pipeline()), "extra": WritesOnLoad(str(tmp_path))}, model)
    with pytest.raises(AslError, match="WritesOnLoad") as caught:
        load_model(model)
    assert "not opened" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / MARKER).exists()


def test_a_skops_file_naming_a_dangerous_function_is_refused(tmp_path):
    model = tmp_path / "rf.skops"
    skops_io.dump({**payload(small_pipeline()), "hook": os.system}, model)
    with pytest.raises(AslError, match="system"):
        load_model(model)


def test_predict_refuses_an_old_pickle_model_with_one_line(grey_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "rf.joblib"
    model.write_bytes(pickle.dumps(WritesOnLoad(str(tmp_path))))
    result = invoke("predict", grey_image, "--model", model)
    line = assert_one_line_error(result, "rf.joblib", "pickle", "train-rf", exit_code=1)
    assert ".skops" in line
    assert not (tmp_path / MARKER).exists()


def test_a_resnet_file_holding_a_pickle_payload_is_refused_without_running(tmp_path):
    import torch

    model = tmp_path / "resnet50.pt"
    torch.save({"format": FORMAT, "kind": "resnet50", "classifier": WritesOnLoad(str(tmp_path))}, model)
    with pytest.raises(AslError, match="not a readable asl ResNet50 model"):
        load_cnn_model(model)
    assert not (tmp_path / MARKER).exists()


# The compiled forest (issue 13): a model file asl writes also holds its forest compiled by treelite,
# which reading uses without scikit-learn; it must give the Pipeline's probabilities and never let
# a file skip the audit above.

def rows_with_and_without_depth(n: int, seed: int) -> np.ndarray:
    """Landmark-like rows; every third row has no depth (NaN z), as crop mode gives small images."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 63))
    X[::3, 2::3] = np.nan
    return X


def depth_forest():
    from asl.classifiers.random_forest import make_random_forest

    X = rows_with_and_without_depth(150, 0)
    return make_random_forest(n_estimators=8, n_jobs=1).fit(X, np.array(list("ABCDE") * 30))


def test_a_saved_model_is_read_by_its_compiled_forest_with_the_pipelines_probabilities(tmp_path):
    from asl.modelfile import load_reader

    model = tmp_path / "rf.skops"
    pipeline = depth_forest()
    save_model(model, pipeline, {"mode": "crop"})
    reader = load_reader(model)
    assert reader.compiled and reader.landmarker == {"mode": "crop"}
    assert "sklearn" not in type(reader.model).__module__
    X = rows_with_and_without_depth(90, 1)
    np.testing.assert_allclose(reader.model.predict_proba(X), pipeline.predict_proba(X), rtol=0, atol=1e-12)
    assert list(reader.model.predict(X)) == list(pipeline.predict(X))
    assert list(reader.model.classes_) == list("ABCDE")
    full = load_reader(model, compiled=False)
    assert not full.compiled
    np.testing.assert_allclose(full.model.predict_proba(X), pipeline.predict_proba(X), rtol=0, atol=0)


def test_a_photo_model_with_a_crop_forest_is_compiled_whole(tmp_path):
    """A ``CropBlendClassifier`` (the photo model) is saved with both forests compiled: the compiled
    reader blends the crops' letters as the classifier does, and reads photos by the photo forest alone."""
    import zipfile
    from dataclasses import replace

    from asl.classifiers import DEFAULTS, forest_for
    from asl.modelfile import COMPILED_CROPS, load_reader

    X = rows_with_and_without_depth(150, 0)
    blend = forest_for(replace(DEFAULTS, n_estimators=8), n_jobs=1, photos=True).fit(X, np.array(list("ABCDE") * 30))
    model = tmp_path / "rf-photos.skops"
    save_model(model, blend, {"mode": "crop"})
    with zipfile.ZipFile(model) as archive:
        assert COMPILED_CROPS in archive.namelist()
    reader = load_reader(model)
    assert reader.compiled and reader.model.crops is not None and reader.model.crop_share == 0.5
    X = rows_with_and_without_depth(90, 1)
    np.testing.assert_allclose(reader.model.predict_proba(X), blend.predict_proba(X), rtol=0, atol=1e-12)
    photos = ~np.isnan(X[:, 2])
    np.testing.assert_allclose(reader.model.predict_proba(X[photos]), blend.estimator_.predict_proba(X[photos]),
                               rtol=0, atol=1e-12)
    full = load_reader(model, compiled=False)
    assert type(full.model).__name__ == "CropBlendClassifier"
    np.testing.assert_allclose(full.model.predict_proba(X), blend.predict_proba(X), rtol=0, atol=0)


def test_a_model_without_a_compiled_forest_is_read_through_skops(tmp_path):
    from asl.modelfile import load_reader

    model = tmp_path / "rf.skops"
    skops_io.dump(payload(small_pipeline()), model)
    reader = load_reader(model)
    assert not reader.compiled
    assert list(reader.model.classes_) == ["A", "B", "C"]


def copy_compiled(source: Path, target: Path, forest: bytes | None = None) -> None:
    """Add ``source``'s compiled forest members to ``target`` (``forest``: other bytes instead)."""
    import zipfile

    from asl.modelfile import COMPILED_FOREST, COMPILED_SETTINGS

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "a") as dst:
        dst.writestr(COMPILED_SETTINGS, src.read(COMPILED_SETTINGS))
        dst.writestr(COMPILED_FOREST, src.read(COMPILED_FOREST) if forest is None else forest)


def test_a_hostile_file_with_a_compiled_forest_is_still_refused_without_running(tmp_path):
    from asl.modelfile import load_reader

    good, hostile = tmp_path / "good.skops", tmp_path / "rf.skops"
    save_model(good, small_pipeline(), {"mode": "crop"})
    skops_io.dump({**payload(small_pipeline()), "extra": WritesOnLoad(str(tmp_path))}, hostile)
    copy_compiled(good, hostile)
    with pytest.raises(AslError, match="WritesOnLoad"):
        load_reader(hostile)
    assert not (tmp_path / MARKER).exists()


def test_a_damaged_compiled_forest_falls_back_to_the_pipeline(tmp_path):
    from asl.modelfile import COMPILED_FOREST, load_reader

    good, damaged = tmp_path / "good.skops", tmp_path / "rf.skops"
    save_model(good, small_pipeline(), {"mode": "crop"})
    rewrite_zip(good, damaged, {COMPILED_FOREST: b"\x00" * 40})
    reader = load_reader(damaged)
    assert not reader.compiled
    assert reader.model.predict(np.zeros((1, 63))).shape == (1,)


def test_reading_a_letter_imports_neither_scikit_learn_nor_skops(tmp_path, mnist_test_rows):
    """A cold `asl predict --mode crop` in a fresh interpreter: the compiled forest reads the letter,
    and nothing on the way imports scikit-learn, skops, torch, pandas, scipy.sparse (treelite's
    GTIL imports it for sparse input), matplotlib or pydantic (typer 0.29 imports it)."""
    from PIL import Image

    model, image = tmp_path / "rf.skops", tmp_path / "crop.png"
    save_model(model, depth_forest(), {"mode": "crop"})
    images, _ = mnist_test_rows
    Image.fromarray(images[0]).save(image)
    code = ("import sys; from typer.testing import CliRunner; from asl.cli import app; "
            f"r = CliRunner().invoke(app, ['predict', {str(image)!r}, '--model', {str(model)!r}, '--mode', 'crop', '--json']); "
            "print(r.exit_code); print(r.output.strip()); "
            "print(sorted(m for m in ('sklearn', 'skops', 'torch', 'pandas', 'scipy.sparse', 'matplotlib', 'pydantic') "
            "if m in sys.modules))")
    exit_code, line, imported = fresh_python(code)[-3:]
    assert exit_code == "0", line
    assert '"letter": "' in line
    assert imported == "[]"


def test_treelite_without_scipy_sparse_still_reads_a_sparse_matrix_once_scipy_is_imported(tmp_path):
    """``import_treelite`` leaves scipy.sparse unimported; a CSR matrix given to GTIL afterwards (by
    anyone in the process) is read as before, with the dense rows' probabilities."""
    model = tmp_path / "rf.skops"
    save_model(model, depth_forest(), {"mode": "crop"})
    code = ("import sys; import numpy as np; from asl.modelfile import load_reader; "
            f"forest = load_reader({str(model)!r}).model; print('scipy.sparse' in sys.modules); "
            "import treelite.gtil, scipy.sparse; x = np.random.default_rng(0).random((4, forest.model.num_feature)); "
            "d = treelite.gtil.predict(forest.model, x); s = treelite.gtil.predict(forest.model, scipy.sparse.csr_matrix(x)); "
            "print(d.shape == s.shape and bool(np.allclose(d, s)))")
    assert fresh_python(code) == ["False", "True"]
