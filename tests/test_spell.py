"""`asl spell` on real videos from ../shared/data/fingerspelling-dev: words, J and Z, a video with no
hand, damaged and non-video files, GIFs and folders of frames, the overlay, and the live path.

The model is a small one trained here on 400 Sign Language MNIST rows plus ASL-HG's photos of the
letters these tests spell (A, L); ASL_SPELL_TEST_MODEL=<model> reads with another (the photo
model, say) instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ASL_HG, SHARED, assert_clean, assert_one_line_error, invoke, json_lines, needs_asl_hg, needs_mnist
from PIL import Image

SPELLING = SHARED / "fingerspelling-dev"
WORDS, LETTERS = SPELLING / "words", SPELLING / "letters"
pytestmark = [needs_mnist, needs_asl_hg,
              pytest.mark.skipif(not SPELLING.is_dir(), reason="../shared/data/fingerspelling-dev absent")]


@pytest.fixture(scope="module")
def model(small_mnist_dir, tmp_path_factory):
    if os.environ.get("ASL_SPELL_TEST_MODEL"):
        return Path(os.environ["ASL_SPELL_TEST_MODEL"])
    folder = tmp_path_factory.mktemp("spell-model")
    photos = folder / "photos"
    for letter in "AL":
        shutil.copytree(ASL_HG / letter, photos / letter)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = invoke("train-rf", "--data-dir", small_mnist_dir, "--landmarks", folder / "lm.parquet",
                        "--model", folder / "rf.skops", "--n-estimators", 60, "--workers", 2, "--extra", photos)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    return folder / "rf.skops"


def spelled(model, *args) -> list[dict]:
    result = invoke("spell", "--model", model, "--json", *args)
    assert_clean(result)
    assert result.exit_code == 0, result.output
    return json_lines(result)


def frames_of(path: Path, every: int = 1, width: int | None = None) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    out, index = [], 0
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        if index % every == 0:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            if width:
                rgb = cv2.resize(rgb, (width, round(rgb.shape[0] * width / rgb.shape[1])), interpolation=cv2.INTER_AREA)
            out.append(rgb)
        index += 1
    capture.release()
    return out


def frame_count(path: Path) -> int:
    return len(frames_of(path))


def test_a_word_with_a_double_letter_is_spelled_with_times(model):
    [video] = spelled(model, WORDS / "ALL.mp4")
    assert video["text"] == "ALL"
    assert video["frames"] == frame_count(WORDS / "ALL.mp4") and video["frames_with_hand"] >= 0.9 * video["frames"]
    starts = [letter["start"] for letter in video["letters"]]
    assert starts == sorted(starts) and all(l["end"] > l["start"] and 0 < l["probability"] <= 1 for l in video["letters"])
    assert {letter["how"] for letter in video["letters"]} == {"held"}


def test_j_and_z_are_read_from_their_motion(model):
    j, z = spelled(model, LETTERS / "J.mp4", LETTERS / "Z.mp4")
    assert "J" in j["text"] and "I" not in j["text"], j  # the I a J starts from is not a letter of its own
    assert "Z" in z["text"], z
    assert [l["how"] for l in j["letters"] if l["letter"] == "J"] == ["motion"]


def test_held_i_and_d_are_not_read_as_j_or_z(model):
    for video in spelled(model, LETTERS / "I.mp4", LETTERS / "D.mp4", LETTERS / "Y.mp4"):
        assert not {"J", "Z"} & set(video["text"]), video


def test_a_video_without_a_hand_spells_nothing_and_is_no_error(model, tmp_path):
    path = tmp_path / "wall.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))
    rng = np.random.default_rng(0)
    for _ in range(45):
        writer.write(np.clip(120 + rng.normal(0, 8, (240, 320, 3)), 0, 255).astype(np.uint8))
    writer.release()
    [video] = spelled(model, path)
    assert video["text"] == "" and video["letters"] == [] and video["frames"] == 45 and video["frames_with_hand"] == 0
    plain = invoke("spell", "--model", model, path)
    assert plain.exit_code == 0 and plain.stdout.strip() == f"{path}: (no letters)"


def test_damaged_and_non_video_files_are_one_line_errors(model, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    assert_one_line_error(invoke("spell", "--model", model, text), str(text), exit_code=1)
    noise = tmp_path / "noise.webm"
    noise.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    assert_one_line_error(invoke("spell", "--model", model, noise), str(noise), exit_code=1)
    assert_one_line_error(invoke("spell", "--model", model, tmp_path / "missing.mp4"), "no such file", exit_code=1)
    empty = tmp_path / "frames"
    empty.mkdir()
    assert_one_line_error(invoke("spell", "--model", model, empty), "no frame images", exit_code=1)
    assert_one_line_error(invoke("spell", "--model", model), "--camera", exit_code=1)


def test_a_truncated_video_spells_what_is_there_and_says_so(model, tmp_path):
    """A phone video (its index first) cut in half, and an AVI cut in half: the first half decodes;
    the rest is reported in one line and the exit code, never dropped silently."""
    cut = tmp_path / "AT-cut.mp4"
    data = (WORDS / "AT.mp4").read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # the index comes first, as phones write it for streaming
    cut.write_bytes(data[: len(data) // 2])
    result = invoke("spell", "--model", model, "--json", cut)
    line = assert_one_line_error(result, "decoding stopped", exit_code=4)
    assert str(cut) in line
    [video] = json_lines(result)
    assert 0 < video["frames"] < frame_count(WORDS / "AT.mp4")
    assert video["text"].startswith("A")  # the A held in the first half
    avi = tmp_path / "L.avi"
    writer = cv2.VideoWriter(str(avi), cv2.VideoWriter_fourcc(*"MJPG"), 30, (480, 270))
    for rgb in frames_of(LETTERS / "L.mp4", width=480):
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    cut_avi = tmp_path / "L-cut.avi"
    cut_avi.write_bytes(avi.read_bytes()[: avi.stat().st_size // 2])
    assert_one_line_error(invoke("spell", "--model", model, cut_avi), "decoding stopped", exit_code=4)


def test_a_cut_file_that_cannot_be_opened_is_a_one_line_error(model, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((WORDS / "AT.mp4").read_bytes()[:20_000])
    result = invoke("spell", "--model", model, cut)
    assert_clean(result)
    assert result.exit_code in (1, 4), result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and str(cut) in errors[0], result.stderr


def test_several_videos_go_on_past_a_bad_one(model, tmp_path):
    bad = tmp_path / "bad.mov"
    bad.write_bytes(b"\x00" * 1000)
    result = invoke("spell", "--model", model, "--json", bad, LETTERS / "L.mp4")
    assert_clean(result)
    assert result.exit_code == 4
    assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] == [
        line for line in result.stderr.splitlines() if str(bad) in line]
    [video] = json_lines(result)
    assert video["text"] == "L"


def test_a_gif_and_a_folder_of_frames_read_like_the_video(model, tmp_path):
    frames = frames_of(LETTERS / "L.mp4", every=2, width=480)
    gif = tmp_path / "L.gif"
    Image.fromarray(frames[0]).save(gif, save_all=True, append_images=[Image.fromarray(f) for f in frames[1:]],
                                    duration=66, loop=0)
    folder = tmp_path / "L-frames"
    folder.mkdir()
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"{i:04d}.png")
    from_gif, from_folder = spelled(model, "--fps", 15, gif, folder)
    assert from_gif["text"] == from_folder["text"] == "L"
    assert from_gif["frames"] == from_folder["frames"] == len(frames)
    assert from_folder["letters"][0]["end"] <= len(frames) / 15


def test_the_overlay_is_a_video_with_every_frame(model, tmp_path):
    out = tmp_path / "out" / "ALL-read.mp4"
    [video] = spelled(model, "--overlay", out, WORDS / "AT.mp4")
    assert video["overlay"] == str(out) and out.is_file()
    assert frame_count(out) == frame_count(WORDS / "AT.mp4") == video["frames"]
    assert not list(out.parent.glob("*.tmp*"))
    first = frames_of(out)[60]
    assert first.shape == frames_of(WORDS / "AT.mp4")[60].shape
    assert first[:20, :40].mean() < 60  # the label's black box, top left
    several = tmp_path / "several"
    videos = spelled(model, "--overlay", several, LETTERS / "L.mp4", LETTERS / "J.mp4")
    assert sorted(p.name for p in several.iterdir()) == ["J.mp4", "L.mp4"]
    assert [v["overlay"] for v in videos] == [str(several / "L.mp4"), str(several / "J.mp4")]


def test_a_live_video_ends_cleanly_on_ctrl_c_with_the_letters_so_far(model):
    from asl.spell import SpellReader
    from asl.video import Video, open_video

    source = open_video(WORDS / "ALL.mp4")

    def until_interrupted():
        for frame in source:
            if frame.time > 4.5:  # A held, then L held: Ctrl-C during the first L
                raise KeyboardInterrupt
            yield frame

    heard = []
    live = Video("camera 0", source.fps, None, until_interrupted(), live=True)
    result = SpellReader.load(model).read(live, on_letter=lambda letter: heard.append(letter.letter))
    assert result.text == "AL" and heard == ["A", "L"]
    assert result.warning is None and 0 < result.frames < 150
    with pytest.raises(KeyboardInterrupt):  # a file is not live: Ctrl-C is the command's to handle
        SpellReader.load(model).read(Video("x", 30, None, until_interrupted()))


def test_no_camera_is_a_one_line_error(model):
    if Path("/dev/video0").exists():
        pytest.skip("a camera is connected here")
    assert_one_line_error(invoke("spell", "--model", model, "--camera", 0), "camera 0", exit_code=1)


def test_a_model_spell_cannot_read_with_is_refused_in_one_line(tmp_path):
    pt = tmp_path / "resnet.pt"
    pt.write_bytes(b"x")
    assert_one_line_error(invoke("spell", "--model", pt, WORDS / "AT.mp4"), "landmark model", exit_code=1)
