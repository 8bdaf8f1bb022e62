"""Reading and checking a try-it upload: its size while it arrives, its content type, its decoding.

:class:`UploadLimitRoute` counts a request's body as it is received and stops it with 413 as
soon as it passes the server's limit (``WebSettings.max_upload_bytes``, ``zoo serve
--max-upload-mb``), before the form parser has spooled the rest to disk; a body whose
Content-Length already says it is too large is refused before a byte is read. It also answers a
request that does not fit the endpoint's form (``top_k=50``) with one line, as every error of
the try-it API is: ``{"detail": "..."}``.

Decoding uses zoo's own readers (:func:`zoo.inputs.image.decode_image`,
:func:`zoo.inputs.audio.decode_audio`), whose one-line errors name the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Final

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import Message

from zoo.printable import printable

__all__ = ["FORM_OVERHEAD_BYTES", "UploadLimitRoute", "check_content_type", "decode_upload", "describe_validation",
           "too_large"]

# A multipart body carries boundaries, part headers and the small fields (top_k) besides the file.
FORM_OVERHEAD_BYTES: Final = 64 * 1024
# What each input kind accepts besides its own `image/*` or `audio/*`: browsers and curl send an
# unknown extension as application/octet-stream, or no type at all.
ANY_TYPE: Final = ("", "application/octet-stream")
ACCEPTED: Final = {"image": ("image/",), "audio": ("audio/", "application/ogg")}
SHOWN_KIND: Final = {"image": "an image (PNG, JPEG, WebP...)", "audio": "an audio clip (WAV, FLAC or OGG)"}


def too_large(limit: int) -> str:
    from zoo.cli.render import format_bytes  # MB as zoo serve --max-upload-mb counts them: 10^6 bytes

    return (f"the upload is over this server's limit of {format_bytes(limit)} ({limit:,} bytes); send a smaller file, "
            "or start the server with `zoo serve --max-upload-mb N` to raise the limit")


def describe_validation(error: RequestValidationError) -> str:
    """FastAPI's list of validation errors as one line: ``top_k: Input should be ... (got '50')``."""
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path"))
        given = f" (got {printable(problem['input'])!r})" if isinstance(problem.get("input"), (str, int, float)) else ""
        parts.append(f"{where or 'request'}: {problem.get('msg', 'invalid')}{given}")
    return "; ".join(parts) or "the request does not fit this endpoint (see /openapi.json)"


class UploadLimitRoute(APIRoute):
    """A route whose request body may not pass the app's ``max_upload_bytes`` (plus the form's
    overhead), counted while it is received; validation errors answered as one line."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit = request.app.state.settings.max_upload_bytes
            allowed = limit + FORM_OVERHEAD_BYTES
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > allowed:
                raise HTTPException(status_code=413, detail=too_large(limit))
            received = 0

            async def receive() -> Message:
                nonlocal received
                message = await request.receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > allowed:  # a chunked body, or one that lied about its length
                        raise HTTPException(status_code=413, detail=too_large(limit))
                return message

            try:
                return await handler(Request(request.scope, receive))
            except RequestValidationError as error:
                return JSONResponse({"detail": describe_validation(error)}, status_code=422)

        return limited


def check_content_type(kind: str, content_type: str | None, model: str) -> None:
    """415 when an upload's declared type is not the model's input kind (audio for an image model)."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in ANY_TYPE or declared.startswith(ACCEPTED[kind]):
        return
    raise HTTPException(status_code=415, detail=f"model {model} takes {SHOWN_KIND[kind]}, and the upload is "
                                                f"{printable(declared)} (its Content-Type); send {SHOWN_KIND[kind]}")


def decode_upload(kind: str, data: bytes, name: str) -> Any:
    """The upload's bytes as the raw input ``zoo.predict`` takes: a PIL image or a :class:`zoo.Audio`.
    A file that does not decode is a :class:`zoo.SampleError` naming ``name`` and the problem."""
    if kind == "image":
        from zoo.inputs.image import decode_image

        return decode_image(data, sample_id=name)
    from zoo.inputs.audio import decode_audio

    return decode_audio(data, sample_id=name)
