"""Video sources (asl.video) without the models: frame counts, early stops, the decoding thread."""

from __future__ import annotations

import numpy as np
import pytest

from asl.errors import AslError
from asl.video import Frame, Video, open_video


def frames(n: int, fps: float = 30.0, every: float | None = None):
    step = every if every is not None else 1 / fps
    for i in range(n):
        yield Frame(i, i * step, np.zeros((4, 4, 3), np.uint8))


def read_all(video: Video) -> Video:
    for _ in video:
        pass
    return video


def test_a_video_that_stops_short_of_its_header_is_stopped_early():
    assert read_all(Video("cut", 30.0, 300, frames(120))).stopped_early  # 4 s of 10
    assert not read_all(Video("whole", 30.0, 300, frames(299))).stopped_early  # a count rounded up
    assert not read_all(Video("camera", 30.0, None, frames(10), live=True)).stopped_early


def test_a_count_estimated_from_the_length_is_not_taken_for_a_cut():
    """A variable-rate video: fewer frames than length x nominal rate, but its last frame at its end."""
    video = read_all(Video("vfr", 30.0, 300, frames(240, every=10 / 240)))
    assert video.read == 240 and not video.stopped_early


def test_folders_and_files_that_are_not_videos_are_one_line_errors(tmp_path):
    with pytest.raises(AslError, match="no such file"):
        open_video(tmp_path / "missing.mp4")
    empty = tmp_path / "frames"
    empty.mkdir()
    with pytest.raises(AslError, match="no frame images"):
        open_video(empty)
    text = tmp_path / "a.mp4"
    text.write_text("hello")
    with pytest.raises(AslError, match="not a video"):
        open_video(text)


def test_frames_of_a_folder_come_in_name_order_at_the_given_rate_and_size_is_checked(tmp_path):
    from PIL import Image

    folder = tmp_path / "frames"
    folder.mkdir()
    for i in (2, 0, 1):
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(folder / f"{i:03d}.png")
    video = open_video(folder, fps=10)
    got = list(video)
    assert [f.index for f in got] == [0, 1, 2] and [f.time for f in got] == [0.0, 0.1, 0.2]
    assert [int(f.image[0, 0, 0]) for f in got] == [0, 40, 80] and video.expected == 3 and not video.stopped_early
    Image.fromarray(np.zeros((9, 8, 3), np.uint8)).save(folder / "003.png")
    with pytest.raises(AslError, match="one size"):
        list(open_video(folder, fps=10))


def test_closing_a_video_stops_its_decoding_thread(tmp_path):
    from PIL import Image

    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(40):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(folder / f"{i:03d}.png")
    video = open_video(folder)
    first = next(iter(video))
    video.close()
    assert first.index == 0 and not video._frames._thread.is_alive()
