"""`asl serve`: every route and every bad input, through FastAPI's TestClient on real photos."""

from __future__ import annotations

import io
import json
import zlib

import numpy as np
import pytest
from conftest import ASL_HG, PHOTOS_DIR, invoke, needs_asl_hg, needs_mnist
from PIL import Image

pytestmark = [needs_mnist, needs_asl_hg]


@pytest.fixture(scope="module")
def client(trained):
    from fastapi.testclient import TestClient

    from asl.server import ServeSettings, create_app

    settings = ServeSettings(models=(str(trained["model"]),), max_upload_bytes=2 * 2**20)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def photo():
    return sorted((ASL_HG / "A").glob("*.jpg"))[0]


def expected(trained, path) -> dict:
    """What `asl predict --json` says of the same file."""
    result = invoke("predict", path, "--model", trained["model"], "--json")
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)


def assert_one_line_error(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and "\n" not in body["error"] and "Traceback" not in body["error"], body
    for fragment in fragments:
        assert fragment in body["error"], (fragment, body["error"])
    return body["error"]


def test_predict_a_multipart_upload_answers_as_asl_predict_json(client, trained, photo):
    with open(photo, "rb") as f:
        response = client.post("/predict", files={"file": (photo.name, f, "image/jpeg")})
    assert response.status_code == 200, response.text
    body = response.json()
    cli = expected(trained, photo)
    for key in ("letter", "probability", "top", "hand", "score", "found_by", "handedness"):
        assert body[key] == cli[key], key
    assert body["path"] == photo.name
    width, height = Image.open(photo).size
    assert (body["width"], body["height"]) == (width, height)
    assert body["hand"] and len(body["landmarks"]) == 21
    points = np.array(body["landmarks"])
    assert (points[:, 0] >= -0.1 * width).all() and (points[:, 0] <= 1.1 * width).all()
    assert (points[:, 1] >= -0.1 * height).all() and (points[:, 1] <= 1.1 * height).all()


@pytest.mark.parametrize("kind", ["image/png", "image/webp", "image/jpeg"])
def test_predict_a_raw_body_in_each_format(client, photo, kind):
    buffer = io.BytesIO()
    Image.open(photo).convert("RGB").save(buffer, format=kind.split("/")[1].upper())
    response = client.post("/predict", content=buffer.getvalue(), headers={"Content-Type": kind})
    assert response.status_code == 200, response.text
    assert response.json()["hand"] is True


def test_a_large_photo_gets_landmarks_in_its_own_pixels(client, photo):
    """A photo over 2,048 px is read smaller; the landmarks come back in the photo's pixels."""
    image = Image.open(photo).convert("RGB")
    big = image.resize((image.width * 6, image.height * 6))
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=80)
    small, large = (client.post("/predict", content=b.getvalue() if hasattr(b, "getvalue") else b,
                                headers={"Content-Type": "image/jpeg"}).json()
                    for b in (_jpeg(image), buffer))
    assert (large["width"], large["height"]) == big.size
    if small["hand"] and large["hand"]:
        assert np.allclose(np.array(large["landmarks"])[:, :2] / 6, np.array(small["landmarks"])[:, :2],
                           atol=0.05 * image.width)


def _jpeg(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def test_health_version_docs_and_the_page(client, trained):
    assert client.get("/health").json() == {"status": "ok"}
    version = client.get("/version").json()
    [model] = version["models"]
    assert model["path"] == str(trained["model"]) and len(model["sha256"]) == 64
    assert model["metrics"]["model"] == "random_forest" and 0 < model["metrics"]["test_accuracy"] <= 1
    assert "scikit-learn" in version["versions"] and version["kind"] == "landmarks"
    assert "/predict" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and "getUserMedia" not in page.text and '<script src="/app.js">' in page.text
    script = client.get("/app.js")
    assert script.status_code == 200 and "getUserMedia" in script.text and "http" not in script.text.split("fetch(")[1][:10]


def _bomb() -> bytes:
    """A PNG whose header says 20000x20000 (400 megapixels) in a few hundred bytes."""
    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = (20000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("case, status, fragment", [
    ("not an image", 400, "not an image"),
    ("corrupt", 400, "body"),
    ("empty", 400, "empty body"),
    ("too many bytes", 413, "over the limit"),
    ("too many pixels", 413, "pixels"),
    ("wrong content type", 415, "text/plain"),
    ("no content type", 415, "none"),
    ("multipart without file", 400, "'file'"),
    ("multipart too large", 413, "over the limit"),
])
def test_bad_inputs_get_a_4xx_with_one_line(client, photo, case, status, fragment):
    data = photo.read_bytes()
    jpeg = {"Content-Type": "image/jpeg"}
    if case == "not an image":
        response = client.post("/predict", content=b"hello, this is text" * 10, headers=jpeg)
    elif case == "corrupt":
        response = client.post("/predict", content=data[: len(data) // 3], headers=jpeg)
    elif case == "empty":
        response = client.post("/predict", content=b"", headers=jpeg)
    elif case == "too many bytes":
        response = client.post("/predict", content=b"\xff" * (3 * 2**20), headers=jpeg)
    elif case == "too many pixels":
        response = client.post("/predict", content=_bomb(), headers={"Content-Type": "image/png"})
    elif case == "wrong content type":
        response = client.post("/predict", content=data, headers={"Content-Type": "text/plain"})
    elif case == "no content type":
        response = client.post("/predict", content=data, headers={"Content-Type": ""})
    elif case == "multipart without file":
        response = client.post("/predict", files={"image": ("a.jpg", data, "image/jpeg")})
    else:
        response = client.post("/predict", files={"file": ("a.jpg", b"\xff" * (3 * 2**20), "image/jpeg")})
    assert_one_line_error(response, status, fragment)
    assert client.get("/health").status_code == 200  # still serving


def test_the_corrupt_photo_case_is_really_corrupt(photo):
    from asl.images import UnreadableImage, decode_image

    data = photo.read_bytes()
    with pytest.raises(UnreadableImage):
        decode_image(io.BytesIO(data[: len(data) // 3]), "body")


def test_unknown_routes_and_methods_are_one_line(client):
    assert_one_line_error(client.get("/nope"), 404, "Not Found")
    assert_one_line_error(client.get("/predict"), 405, "Method Not Allowed")


def test_serve_refuses_a_model_it_cannot_load_with_one_line(tmp_path, monkeypatch):
    from conftest import assert_one_line_error as one_line

    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.skops").write_bytes(b"not a model")
    one_line(invoke("serve", "--model", tmp_path / "m.skops", "--port", "8765"), "m.skops", exit_code=1)


def test_the_dev_photos_read_through_the_api_as_through_the_cli(client, trained):
    """A few real photos of another data set: the API and `asl predict` agree on every one."""
    if not PHOTOS_DIR.is_dir():
        pytest.skip("../shared/data/asl-photos-dev absent")
    for path in sorted(PHOTOS_DIR.glob("*/*.jpg"))[:: 60]:
        with open(path, "rb") as f:
            body = client.post("/predict", files={"file": (path.name, f, "image/jpeg")}).json()
        assert body["letter"] == expected(trained, path)["letter"], path
