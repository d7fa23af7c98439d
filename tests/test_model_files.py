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
from conftest import assert_one_line_error, invoke

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
