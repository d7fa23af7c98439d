"""Photo-folder landmark tables (`asl extract-landmarks --images`) and `asl download asl-hg`, on
real ASL-HG photos from ../shared (skipped without it) and on files made here."""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pytest
from conftest import ASL_HG, assert_clean, assert_one_line_error, invoke, needs_asl_hg

from asl.errors import AslError, Interrupted



def small_asl_hg(root, letters=("A", "L", "V"), signers=("P1", "P2"), per=1, nested=""):
    """A few real ASL-HG photos copied into ``root``/<nested>/<LETTER>/: ``per`` per signer and letter."""
    for letter in letters:
        folder = root / nested / letter
        folder.mkdir(parents=True, exist_ok=True)
        for signer in signers:
            for photo in sorted((ASL_HG / letter).glob(f"{signer}_{letter}_*.jpg"))[:per]:
                shutil.copy(photo, folder / photo.name)
    return root


@needs_asl_hg
def test_photo_table_has_groups_paths_and_lists_an_unreadable_photo(tmp_path):
    from asl.photo_table import extract_photo_landmarks

    photos = small_asl_hg(tmp_path / "photos", nested="set1")  # letter folders one level down
    (photos / "set1" / "A" / "P3_A_broken.jpg").write_bytes(b"not a jpeg")
    (photos / "set1" / "L" / "someone.jpg").write_bytes((photos / "set1" / "L").glob("*.jpg").__next__().read_bytes())
    table = extract_photo_landmarks(photos, tmp_path / "t.parquet", workers=1)
    assert len(table) == 3 * 2 + 2 and table["row"].tolist() == list(range(len(table)))
    assert set(table["source"]) == {"photos"}
    assert all(p.startswith("set1/") for p in table["path"])
    by_name = table.set_index(table["path"].str.split("/").str[-1])
    assert by_name.loc["P3_A_broken.jpg", "group"] == "P3" and not by_name.loc["P3_A_broken.jpg", "hand"]
    assert "not an image" in by_name.loc["P3_A_broken.jpg", "error"]
    assert by_name["group"].isna()["someone.jpg"]  # no P<k> prefix: no group
    readable = table[table["error"].isna()]
    assert set(readable["group"].dropna()) == {"P1", "P2"} and readable["hand"].mean() >= 0.8
    assert readable["found_by"].notna().all() and readable["sha256"].str.len().eq(64).all()
    # each hand read from its box keeps its further readings (the box at other sizes), as auto mode gives them
    from asl.images import read_image
    from asl.landmarks import make_landmarker
    from asl.tables import results_from_rows

    boxed = table[table["found_by"].str.endswith("+box")]
    assert len(boxed) >= 4
    auto = make_landmarker("auto")
    for result, file in zip(results_from_rows(boxed), boxed["path"]):
        fresh = auto(read_image(photos / file))
        assert len(result.readings) == len(fresh.readings) == 2
        for kept, read in zip(result.readings, fresh.readings):
            np.testing.assert_allclose(kept, read, rtol=0, atol=1e-4)


@needs_asl_hg
def test_photo_table_is_reused_and_other_files_or_groups_recompute(tmp_path, monkeypatch):
    import asl.photo_table as photo_table

    photos = small_asl_hg(tmp_path / "photos", letters=("B",))
    out = tmp_path / "t.parquet"
    first = photo_table.extract_photo_landmarks(photos, out, workers=1)
    calls = []
    real = photo_table._read_chunk
    monkeypatch.setattr(photo_table, "_read_chunk", lambda lm, chunk: calls.append(1) or real(lm, chunk))
    again = photo_table.extract_photo_landmarks(photos, out, workers=1)
    assert calls == [] and again.equals(first)
    custom = photo_table.extract_photo_landmarks(photos, out, group_by=r"_(B)_", workers=1)
    assert calls and set(custom["group"]) == {"B"}
    shutil.copy(next((ASL_HG / "B").glob("P3_*.jpg")), photos / "B")
    more = photo_table.extract_photo_landmarks(photos, out, workers=1)
    assert len(more) == len(first) + 1


@needs_asl_hg
def test_interrupted_photo_table_resumes_without_losing_or_repeating_rows(tmp_path, monkeypatch):
    import asl.photo_table as photo_table

    monkeypatch.setattr(photo_table, "CHUNK_PHOTOS", 2)
    photos = small_asl_hg(tmp_path / "photos", letters=("C", "D"), signers=("P4", "P5"))
    whole = photo_table.extract_photo_landmarks(photos, tmp_path / "whole.parquet", workers=1)
    out = tmp_path / "t.parquet"

    def stop_after_first_chunk(done, total):
        if 0 < done < total:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="2 of 4 images done"):
        photo_table.extract_photo_landmarks(photos, out, workers=1, progress=stop_after_first_chunk)
    partial = out.with_name(out.name + ".partial")
    assert not out.exists() and len(list(partial.glob("photos-*.parquet"))) == 1
    (partial / "seconds.txt").write_text("")  # as a kill during its write would leave it
    seen = []
    resumed = photo_table.extract_photo_landmarks(photos, out, workers=1, progress=lambda d, t: seen.append(d))
    assert seen[0] == 2 and not partial.exists()
    columns = [c for c in whole.columns if c != "source"]
    assert resumed[columns].equals(whole[columns]) and resumed["row"].is_unique


@needs_asl_hg
def test_extract_landmarks_images_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photos = small_asl_hg(tmp_path / "hg", letters=("E",))
    (photos / "E" / "P9_E_bad.jpg").write_bytes(b"\x00")
    result = invoke("extract-landmarks", "--images", photos, "--workers", 1)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    out = tmp_path / "data" / "processed" / "photos-hg.parquet"
    assert out.is_file() and f"wrote {out.relative_to(tmp_path)}" in result.stdout
    assert "hg: hand found in" in result.stdout and "groups: 3 (P1, P2, P9)" in result.stdout
    assert "1 photo(s) could not be read" in result.stderr and "P9_E_bad.jpg" in result.stderr


def test_extract_landmarks_images_bad_layout_and_bad_group_by(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p" / "J").mkdir(parents=True)
    (tmp_path / "p" / "J" / "1.jpg").write_bytes(b"")
    assert_one_line_error(invoke("extract-landmarks", "--images", tmp_path / "p"), "--images", "'J' is not a letter",
                          exit_code=1)
    (tmp_path / "q" / "A").mkdir(parents=True)
    (tmp_path / "q" / "A" / "1.jpg").write_bytes(b"")
    assert_one_line_error(invoke("extract-landmarks", "--images", tmp_path / "q", "--group-by", "(P"),
                          "--group-by", "not a regular expression", exit_code=1)
    assert not (tmp_path / "data").exists()


# asl download asl-hg -------------------------------------------------------------------------------

def test_download_asl_hg_offline_is_one_line_saying_where_to_put_the_photos(tmp_path, monkeypatch):
    """The real code path (requests, then pooch), pointed at a closed local port: what offline gives."""
    import asl.download as download

    monkeypatch.setattr(download, "ASL_HG_FILES_API", "http://127.0.0.1:9/files")
    dest = tmp_path / "raw" / "asl-hg"
    with pytest.raises(AslError) as info:
        download.download_asl_hg(dest)
    message = str(info.value)
    assert "\n" not in message and "download of ASL-HG failed" in message
    assert download.ASL_HG_URL in message and "ASL_Raw_Images.zip" in message and str(dest) in message
    assert not dest.exists()


def test_download_asl_hg_command_offline(tmp_path, monkeypatch):
    import asl.download as download

    monkeypatch.setattr(download, "ASL_HG_FILES_API", "http://127.0.0.1:9/files")
    monkeypatch.chdir(tmp_path)
    result = invoke("download", "asl-hg")
    assert_one_line_error(result, "download of ASL-HG failed", "data/raw/asl-hg", exit_code=1)


@needs_asl_hg
def test_download_asl_hg_unpacks_the_static_letters_of_a_local_zip(tmp_path):
    from asl.download import download_asl_hg
    from asl.photos import labelled_photos

    source = small_asl_hg(tmp_path / "src", letters=("A", "K"), signers=("P1",))
    archive = tmp_path / "ASL_Raw_Images.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for photo in source.rglob("*.jpg"):
            zf.write(photo, f"ASL_HG_36000/ASL_Raw_Images/{photo.parent.name}/{photo.name}")
        zf.writestr("ASL_HG_36000/ASL_Raw_Images/J/P1_J_1.jpg", b"motion letter: left out")
        zf.writestr("ASL_HG_36000/ASL_Raw_Images/7/P1_7_1.jpg", b"digit: left out")
        zf.writestr("__MACOSX/ASL_HG_36000/._x.jpg", b"")
    dest = tmp_path / "raw" / "asl-hg"
    assert download_asl_hg(dest, fetch=lambda cache: archive) == dest
    found = [(p.relative_to(dest).as_posix(), letter) for p, letter in labelled_photos(dest, "--images")]
    assert found == sorted((f"{p.parent.name}/{p.name}", p.parent.name) for p in source.rglob("*.jpg"))
    assert "CC BY 4.0" in (dest / "README.md").read_text()
    assert not dest.with_name("asl-hg.partial").exists()


@needs_asl_hg
def test_photo_table_in_worker_processes_equals_one_process(tmp_path, monkeypatch):
    import asl.photo_table as photo_table

    monkeypatch.setattr(photo_table, "CHUNK_PHOTOS", 3)
    photos = small_asl_hg(tmp_path / "photos", letters=("F", "G"), signers=("P6", "P7"), per=2)
    alone = photo_table.extract_photo_landmarks(photos, tmp_path / "one.parquet", workers=1)
    pooled = photo_table.extract_photo_landmarks(photos, tmp_path / "two.parquet", workers=2)
    assert len(alone) == 8 and pooled.equals(alone)


@needs_asl_hg
def test_evaluate_signers_reads_each_signer_with_a_model_that_never_saw_them(trained, tmp_path, monkeypatch):
    import json

    import asl.classifiers.sources as sources
    from asl.extra import photo_rows
    from asl.tables import read_table

    monkeypatch.chdir(tmp_path)
    photos = small_asl_hg(tmp_path / "asl-hg", letters=("A", "B", "L"), signers=("P1", "P2", "P3"))
    trained_on = []  # per fold: the photo rows each forest was fitted on
    real = sources.training_rows

    def spy(X_base, y_base, photo_sources, **kwargs):
        trained_on.append({tuple(np.round(row, 3)) for row in np.asarray(photo_sources[0][0], np.float64)})
        return real(X_base, y_base, photo_sources, **kwargs)

    monkeypatch.setattr(sources, "training_rows", spy)
    result = invoke("evaluate-signers", photos, "--landmarks", trained["landmarks"], "--n-estimators", 5,
                    "--workers", 1, "--out", tmp_path / "signers.json")
    assert_clean(result)
    assert result.exit_code == 0, result.output
    table, _ = read_table(tmp_path / "data" / "processed" / "photos-asl-hg.parquet")
    readings = photo_rows(table, photos)  # every reading of every hand (the box at three sizes)
    assert len(readings.X) > table["hand"].sum()
    rows = {g: {tuple(np.round(r, 3)) for r in readings.X[readings.groups == g].astype(np.float64)}
            for g in set(readings.groups)}
    assert len(trained_on) == 3
    for held, seen in zip(("P1", "P2", "P3"), trained_on):  # every other signer's hands, none of the held one's
        assert seen == set().union(*(rows[g] for g in rows if g != held)) and not seen & rows[held]
    report = json.loads((tmp_path / "signers.json").read_text())
    assert report["model"] == "random_forest" and report["folds"] == [["P1"], ["P2"], ["P3"]]
    assert sorted(report["per_signer"]) == ["P1", "P2", "P3"] and report["photos_per_signer"] == {"P1": 3, "P2": 3, "P3": 3}
    assert report["mean"] == pytest.approx(sum(report["per_signer"].values()) / 3)
    assert "CC BY 4.0" in report["credit"] and "3 folds of signers: mean" in result.stdout
    assert (tmp_path / "data" / "processed" / "grouped-random_forest-asl-hg.parquet").is_file()
    again = invoke("evaluate-signers", photos, "--landmarks", trained["landmarks"], "--n-estimators", 5,
                   "--workers", 1, "--folds", 2, "--out", tmp_path / "two.json")
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "two.json").read_text())["folds"] == [["P1", "P3"], ["P2"]]


def test_evaluate_signers_needs_two_signers(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p" / "A").mkdir(parents=True)
    Image = __import__("PIL.Image", fromlist=["Image"])
    Image.new("RGB", (40, 40)).save(tmp_path / "p" / "A" / "P1_A_1.png")
    result = invoke("evaluate-signers", tmp_path / "p", "--landmarks", trained["landmarks"], "--workers", 1)
    assert_one_line_error(result, "at least two signers", exit_code=1)


@needs_asl_hg
def test_an_interrupted_grouped_evaluation_resumes_from_its_finished_folds(trained, tmp_path, monkeypatch):
    import asl.classifiers.sources as sources
    from asl.classifiers import ForestSettings
    from asl.signers import grouped_forest

    monkeypatch.chdir(tmp_path)
    photos = small_asl_hg(tmp_path / "asl-hg", letters=("A", "B"), signers=("P1", "P2", "P3"))
    settings = ForestSettings(n_estimators=5)
    whole = grouped_forest(trained["landmarks"], photos, settings, workers=1, log=lambda _: None)
    (tmp_path / "data" / "processed" / "grouped-random_forest-asl-hg.parquet").unlink()
    real, calls = sources.training_rows, []

    def stop_in_fold_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sources, "training_rows", stop_in_fold_two)
    with pytest.raises(KeyboardInterrupt):
        grouped_forest(trained["landmarks"], photos, settings, workers=1, log=lambda _: None)
    monkeypatch.setattr(sources, "training_rows", real)
    said = []
    resumed = grouped_forest(trained["landmarks"], photos, settings, workers=1, log=said.append)
    assert [line for line in said if "kept from an earlier run" in line] == ["fold 1 of 3 (P1): kept from an earlier run"]
    assert sum("reading" in line for line in said) == 2  # folds 2 and 3 only
    np.testing.assert_array_equal(resumed.letters, whole.letters)
    np.testing.assert_allclose(resumed.probability, whole.probability)
    assert not (tmp_path / "data" / "processed" / "grouped-random_forest-asl-hg.partial").exists()
    other = grouped_forest(trained["landmarks"], photos, ForestSettings(n_estimators=6), workers=1, log=said.append)
    assert other.params["n_estimators"] == 6  # other settings: computed afresh, not the kept folds


@needs_asl_hg
def test_resnet_grouped_evaluation_holds_each_fold_of_signers_out(small_mnist_dir, tmp_path, monkeypatch):
    """`evaluate-signers --model resnet50.pt`: folds of signers, each read by a ResNet50 trained as
    that model was (its metrics JSON), on the photos of the other folds only."""
    import json

    import asl.cnn_baseline as cnn_baseline

    monkeypatch.chdir(tmp_path)
    photos = small_asl_hg(tmp_path / "asl-hg", letters=("A", "B"), signers=("P1", "P2", "P3"))
    model = tmp_path / "cnn.pt"
    result = invoke("train-cnn", "--data-dir", small_mnist_dir, "--model", model, "--epochs", 1, "--batch-size", 32,
                    "--device", "cpu", "--extra", photos, "--extra-share", 0.5, "--workers", 1)
    assert result.exit_code == 0, result.output
    fitted = []
    real = cnn_baseline.ResNetClassifier.fit

    def spy(self, images, letters, sample_weight=None, **kwargs):
        fitted.append((len(images), sample_weight[-1], self.settings.epochs))
        return real(self, images, letters, sample_weight=sample_weight, **kwargs)

    monkeypatch.setattr(cnn_baseline.ResNetClassifier, "fit", spy)
    result = invoke("evaluate-signers", photos, "--model", model, "--folds", 2, "--data-dir", small_mnist_dir,
                    "--device", "cpu", "--workers", 1)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "reports" / "signers-resnet50.json").read_text())
    assert report["model"] == "resnet50" and report["folds"] == [["P1", "P3"], ["P2"]]
    assert report["photos_per_signer"] == {"P1": 2, "P2": 2, "P3": 2}
    # fold 1 trains on P2's 2 photos, fold 2 on P1's and P3's 4, each weighted to half the 400 crops
    assert fitted == [(402, pytest.approx(0.5 * 400 / 2), 1), (404, pytest.approx(0.5 * 400 / 4), 1)]


def test_a_grouped_evaluation_is_not_reused_once_the_hands_are_read_differently():
    """Kept folds and readings are keyed by the photos' landmarks too, not only their files: when the
    way a hand is read changes (the box read upright), the evaluation runs again."""
    import pandas as pd

    from asl.landmarks import COORDINATES
    from asl.signers import _key

    rng = np.random.default_rng(0)
    photos = pd.DataFrame({"path": ["P1_A_1.jpg", "P2_A_1.jpg"], "sha256": ["aa", "bb"], "hand": [True, True],
                           **{c: rng.random(2).astype(np.float32) for c in COORDINATES}})
    key = _key("random_forest", {"n_estimators": 5}, [("P1",), ("P2",)], photos, {"train": "cc"})
    assert _key("random_forest", {"n_estimators": 5}, [("P1",), ("P2",)], photos.copy(), {"train": "cc"}) == key
    moved = photos.copy()
    moved.loc[1, "x9"] += np.float32(0.01)
    assert _key("random_forest", {"n_estimators": 5}, [("P1",), ("P2",)], moved, {"train": "cc"}) != key
    lost = photos.copy()
    lost.loc[0, "hand"] = False
    assert _key("random_forest", {"n_estimators": 5}, [("P1",), ("P2",)], lost, {"train": "cc"}) != key


def test_a_photo_table_whose_readings_are_not_whole_hands_is_refused_in_one_line():
    """A photo table's further readings are whole hands of 63 numbers; a table damaged after asl wrote it
    (or written by hand) is refused with the row and what to do, not a reshape traceback."""
    import pandas as pd

    from asl.landmarks import COORDINATES
    from asl.tables import results_from_rows

    row = {"hand": True, "score": 0.9, "handedness": "Right", "found_by": "detect+box", "path": "A/P1_A_1.jpg",
           **dict.fromkeys(COORDINATES, 0.5)}
    whole = results_from_rows(pd.DataFrame([{**row, "readings": np.arange(126, dtype=np.float32)}]))
    assert [r.shape for r in whole[0].readings] == [(21, 3), (21, 3)] and whole[0].readings[1][0, 0] == 63
    with pytest.raises(AslError, match=r"row A/P1_A_1.jpg has 62 further-reading values, not whole hands of 63: "
                                       r"the table is damaged; delete it"):
        results_from_rows(pd.DataFrame([{**row, "readings": np.zeros(62, np.float32)}]))
