"""The camera page of `asl serve` in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium) with a fake camera fed from a real photo, against a real
server process. Skips, saying why, where Chromium or its driver is not installed (`.ci/run`
installs both).

ASL_SCREENSHOT_DIR=<folder> saves the page as the camera reads it (the README's screenshot);
ASL_SERVE_TEST_MODEL=<model> reads with that model instead of the small one the tests train.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import ASL_HG, needs_asl_hg, needs_mnist
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [
    needs_mnist, needs_asl_hg,
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="no headless Chromium here (apt-get install chromium chromium-driver)"),
]
SIZE = (640, 480)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame_of(photo: Path) -> Image.Image:
    """The photo fitted into a 640x480 frame (letterboxed), as the fake camera shows it."""
    image = Image.open(photo).convert("RGB")
    image.thumbnail(SIZE)
    frame = Image.new("RGB", SIZE, (0, 0, 0))
    frame.paste(image, ((SIZE[0] - image.width) // 2, (SIZE[1] - image.height) // 2))
    return frame


def write_y4m(frame: Image.Image, path: Path, frames: int = 10) -> Path:
    """A YUV4MPEG2 (4:2:0) video of the frame, the format Chromium's fake camera reads."""
    y, cb, cr = (np.asarray(c, dtype=np.uint8) for c in frame.convert("YCbCr").split())
    half = [np.asarray(Image.fromarray(c).resize((SIZE[0] // 2, SIZE[1] // 2), Image.BILINEAR)) for c in (cb, cr)]
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{SIZE[0]} H{SIZE[1]} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + y.tobytes() + half[0].tobytes() + half[1].tobytes())
    return path


@pytest.fixture(scope="module")
def server(trained, tmp_path_factory):
    """A real `asl serve` process; yields its URL."""
    model = os.environ.get("ASL_SERVE_TEST_MODEL") or str(trained["model"])
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "asl", "serve", "--model", model, "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def api_letter(url: str, data: bytes, kind: str) -> dict:
    request = urllib.request.Request(url + "/predict", data=data, headers={"Content-Type": kind}, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def browser(extra_args=()):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", *extra_args):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)


def wait_for(driver, condition, seconds: float = 120.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition(d))


@pytest.fixture(scope="module")
def photo():
    return sorted((ASL_HG / "B").glob("*.jpg"))[0]


def test_the_page_reads_the_camera_and_draws_the_letter(server, photo, tmp_path):
    import base64

    video = write_y4m(frame_of(photo), tmp_path / "camera.y4m")
    driver = browser(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                      f"--use-file-for-fake-video-capture={video}"])
    try:
        driver.get(server + "/")
        wait_for(driver, lambda d: d.find_element("id", "status").text == "reading the camera")
        # the camera frame as the page sends it (this browser's JPEG encoder), read through the API
        shot = driver.execute_script(
            "const v = document.getElementById('video'); const c = document.createElement('canvas');"
            "c.width = v.videoWidth; c.height = v.videoHeight; c.getContext('2d').drawImage(v, 0, 0);"
            "return c.toDataURL('image/jpeg', 0.85);")
        want = api_letter(server, base64.b64decode(shot.split(",", 1)[1]), "image/jpeg")
        assert want["hand"] and want["letter"], "MediaPipe found no hand in the camera frame: pick another photo"
        if os.environ.get("ASL_SERVE_TEST_MODEL"):  # a model trained on photos reads the true letter
            assert want["letter"] == photo.parent.name
        letter = wait_for(driver, lambda d: d.find_element("id", "letter").text == want["letter"]
                          and d.find_element("id", "letter").text)
        assert letter == want["letter"]
        # the landmarks are drawn over the video
        drawn = driver.execute_script(
            "const c = document.getElementById('overlay'); const d = c.getContext('2d')"
            ".getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4)"
            " if (d[i] > 0) n++; return n;")
        assert drawn > 500
        # a letter held steady (and sure enough) goes into the line of text, once
        if want["probability"] >= driver.execute_script("return STEADY_PROBABILITY"):
            wait_for(driver, lambda d: d.find_element("id", "text").text.startswith(want["letter"]), 30)
            time.sleep(2)
            assert driver.find_element("id", "text").text == want["letter"]  # held, not repeated
        else:
            time.sleep(2)
            assert driver.find_element("id", "text").text == ""  # not sure enough to be written
        if os.environ.get("ASL_SCREENSHOT_DIR"):
            Path(os.environ["ASL_SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(Path(os.environ["ASL_SCREENSHOT_DIR"]) / "serve-page.png"))
        driver.find_element("id", "clear").click()
        assert driver.find_element("id", "text").text == ""
    finally:
        driver.quit()


def test_a_dropped_photo_is_read(server, photo):
    want = api_letter(server, photo.read_bytes(), "image/jpeg")
    driver = browser()
    try:
        driver.get(server + "/")
        # what a drop hands the page: the photo's file, through a DataTransfer on the drop zone
        driver.execute_script("""
            const [name, b64] = arguments;
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const file = new File([bytes], name, { type: "image/jpeg" });
            const transfer = new DataTransfer();
            transfer.items.add(file);
            document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
        """, photo.name, __import__("base64").b64encode(photo.read_bytes()).decode())
        text = wait_for(driver, lambda d: d.find_element("id", "photo-result").text)
        assert text == f"{photo.name}: {want['letter'] or 'no hand found'}"
        assert driver.find_element("id", "letter").text == (want["letter"] or "·")
    finally:
        driver.quit()
