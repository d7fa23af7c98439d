"""`asl serve`: the predictors behind an HTTP API (FastAPI) and a camera page.

Each worker process loads the models once (``create_app``) and reads one image at a time on its
own thread (the landmark models and interpreters are not thread-safe), so the event loop keeps
answering ``/health`` while an image is read; requests run in parallel across ``--workers``
processes, with no lock shared between them.

Routes: ``POST /predict`` (a multipart ``file`` field, or the image as the raw body with an image
content type) answers the JSON of `asl predict --json` plus the landmarks in the image's pixels;
``GET /health``; ``GET /version``; ``/docs`` (OpenAPI); ``/`` the camera page (``asl/web/``).
Every bad request is a 4xx with ``{"error": "<one line>"}``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from asl.images import LIMITS, ImageLimits, ImageTooLarge, UnreadableImage, decode_image

WEB = Path(__file__).resolve().parent / "web"
MAX_UPLOAD_BYTES = 10 * 2**20
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
ENV = "ASL_SERVE_CONFIG"  # the settings, as JSON, for the worker processes uvicorn starts


@dataclass(frozen=True)
class ServeSettings:
    """What a server reads with and what it accepts."""

    models: tuple[str, ...] = ()  # model files; empty: the default of `asl predict`
    mode: str = "auto"
    top_k: int = 3
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    limits: ImageLimits = field(default_factory=lambda: LIMITS)

    def to_env(self) -> str:
        return json.dumps({"models": list(self.models), "mode": self.mode, "top_k": self.top_k,
                           "max_upload_bytes": self.max_upload_bytes,
                           "limits": {"megapixels": self.limits.megapixels, "aspect": self.limits.aspect,
                                      "side": self.limits.side}})

    @classmethod
    def from_env(cls, text: str) -> ServeSettings:
        d = json.loads(text)
        return cls(models=tuple(d["models"]), mode=d["mode"], top_k=d["top_k"], max_upload_bytes=d["max_upload_bytes"],
                   limits=ImageLimits(**d["limits"]))


class BadRequest(Exception):
    """A request asl cannot read: its HTTP status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def model_summary(path: Path) -> dict:
    """What `/version` says of a model file: its path, sha256 and the headline of its metrics."""
    from asl.files import sha256_file
    from asl.trained import read_result

    try:
        result = read_result(path)  # checks the metrics' model_sha256 against the file
    except (OSError, ValueError):
        return {"path": str(path), "sha256": sha256_file(path), "metrics": None}
    out = {"path": str(path), "sha256": result.model_sha256 or sha256_file(path)}
    return {**out, "metrics": {"model": result.model, "trained_on": result.trained_on,
                               "test_accuracy": result.scores.accuracy, "code_version": result.code_version,
                               "credits": sorted({s.credit for s in result.extra if s.credit})}}


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The FastAPI app, its models loaded (``settings`` default: those of ``$ASL_SERVE_CONFIG``)."""
    from asl.predictors import load_predictor
    from asl.provenance import versions

    if settings is None:
        settings = ServeSettings.from_env(os.environ[ENV]) if ENV in os.environ else ServeSettings()
    models = [Path(m) for m in settings.models]
    if not models:
        from asl.locations import default_predict_model

        models = [default_predict_model()[0]]
    predictor = load_predictor(models, mode=settings.mode, top_k=settings.top_k)
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asl-read")  # one image at a time per worker
    summaries = [model_summary(m) for m in models]

    app = FastAPI(title="asl", description="Reads ASL fingerspelling letters from images (MediaPipe hand landmarks).",
                  version=versions().get("asl", "unknown"))

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)

    @app.exception_handler(BadRequest)
    async def bad_request(_: Request, e: BadRequest):
        return error(e.status, str(e))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError):
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return error(400, f"{where or 'request'}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException):
        return error(e.status_code, e.detail)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, e: Exception):  # a bug: one line, never a traceback
        return error(500, f"internal error ({type(e).__name__}); the server keeps serving")

    def read(data: bytes, name: str) -> dict:
        from asl.predict import Prediction

        try:
            image = decode_image(io.BytesIO(data), name, settings.limits)
        except ImageTooLarge as e:
            raise BadRequest(413, str(e)) from None
        except UnreadableImage as e:
            raise BadRequest(400, str(e)) from None
        reading = predictor.read([image])[0]
        out = Prediction(path=name, reading=reading).as_json()
        height, width = image.shape[:2]
        out["width"], out["height"] = _header_size(data) or (width, height)  # upright, before any downscaling
        scale = max(out["width"], out["height"]) / max(width, height)
        hand = reading.hand
        out["landmarks"] = ((hand.landmarks * scale).round(2).tolist()
                            if hand.found and hand.landmarks is not None else None)
        return out

    async def body_of(request: Request) -> tuple[bytes, str]:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_upload_bytes + 64 * 1024:
            raise BadRequest(413, f"the upload is {int(length) / 2**20:.1f} MB, over the limit of "
                                  f"{settings.max_upload_bytes / 2**20:g} MB")
        if kind == "multipart/form-data":
            form = await request.form(max_part_size=settings.max_upload_bytes + 1)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise BadRequest(400, "no 'file' field: send the image as the multipart field 'file'")
            data, name = await upload.read(settings.max_upload_bytes + 1), upload.filename or "upload"
        elif kind in IMAGE_TYPES:
            body, name = bytearray(), "body"
            async for chunk in request.stream():
                body += chunk
                if len(body) > settings.max_upload_bytes:
                    break
            data = bytes(body)
        else:
            raise BadRequest(415, f"content type {kind or 'none'!r}: send {', '.join(IMAGE_TYPES)} as the body, "
                                  "or multipart/form-data with a 'file' field")
        if not data:
            raise BadRequest(400, "empty body: send an image")
        if len(data) > settings.max_upload_bytes:
            raise BadRequest(413, f"the upload is over the limit of {settings.max_upload_bytes / 2**20:g} MB")
        return data, name

    @app.post("/predict", summary="The letter signed in one image",
              description="A multipart 'file' field, or the image (PNG, JPEG, WebP) as the raw body. Answers "
                          "the JSON of `asl predict --json` plus the hand's 21 landmarks in the image's pixels.")
    async def predict(request: Request):
        data, name = await body_of(request)
        return await asyncio.get_running_loop().run_in_executor(reader, read, data, name)

    @app.get("/health", summary="Whether the server answers")
    async def health():
        return {"status": "ok"}

    @app.get("/version", summary="The model files, their metrics, and the library versions")
    async def version():
        return {"kind": predictor.kind, "mode": settings.mode, "models": summaries, "versions": versions()}

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(WEB / "index.html", media_type="text/html")

    @app.get("/app.js", include_in_schema=False)
    async def script():
        return FileResponse(WEB / "app.js", media_type="text/javascript")

    return app


def _header_size(data: bytes) -> tuple[int, int] | None:
    """The image's width and height from its header, upright (EXIF rotations of 90 or 270 degrees swap them)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except Exception:  # decode_image has read it already; this is only for the size
        return None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def serve(settings: ServeSettings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          log: Callable[[str], None] = print) -> None:
    """Run the app with uvicorn: ``workers`` processes, each with its own models."""
    import uvicorn

    app = create_app(settings)  # a model that cannot be loaded is a one-line error before serving
    log(f"serving on http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''}); Ctrl-C stops")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    del app
    os.environ[ENV] = settings.to_env()  # each worker process builds its own app from these
    uvicorn.run("asl.server:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")
