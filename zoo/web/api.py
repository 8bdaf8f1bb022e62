"""The try-it API of ``zoo serve``: ``POST /api/models/{name}/predict`` (the catalogue's GET endpoints are
:mod:`zoo.web.api_catalogue`).

One input per request, through ``zoo.predict`` (the code ``zoo run MODEL INPUT`` runs) on a model
from the app's :class:`~zoo.web.predict.ModelCache`; uploads are read and checked by
:mod:`zoo.web.uploads`. Every error is ``{"detail": "one line"}`` with a 4xx status that says
whose it is: 404 no such model, 409 it does not run here, 413 too large, 415 the wrong kind of
file, 400 a file that does not decode, 422 a request the model cannot take, 500 the model failed,
504 over the time limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final, Literal

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from pydantic import BaseModel, Field

from zoo.errors import AmbiguousNameError, MissingArtifactError, NotFoundError, SampleError, UsageError, ZooError
from zoo.printable import printable
from zoo.specs import ModelSpec
from zoo.web.predict import ModelCache, PredictionTimeout
from zoo.web.uploads import UploadLimitRoute, check_content_type, decode_upload, too_large

__all__ = ["Prediction", "ScoredLabel", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", route_class=UploadLimitRoute, tags=["try it"])

INPUT_KINDS: Final = ("image", "text", "audio")
MAX_TOP_K: Final = 20


class ScoredLabel(BaseModel):
    label: str
    score: float | None = Field(description="The model's confidence (a softmax of its logits, or its own "
                                            "probabilities); null for a model that only decides (one-hot)")


class Prediction(BaseModel):
    """One input's prediction: ``top`` for a classifier, ``transcript`` for a speech recogniser."""

    model: str = Field(description="The catalogue entry's id, plugin:name")
    task: str
    input_kind: Literal["image", "text", "audio"]
    top: list[ScoredLabel] | None = Field(None, description="The best labels, best first (classifiers)")
    transcript: str | None = Field(None, description="What was said (speech recognisers)")
    seconds: float = Field(description="Time spent on this request in the server: decoding, loading and predicting")
    load_seconds: float = Field(description="Of which building the model (0 when it was already loaded)")


class ErrorDetail(BaseModel):
    detail: str = Field(description="What is wrong and what to do, in one line")


ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    status: {"model": ErrorDetail, "description": description} for status, description in (
        (400, "The upload does not decode (a corrupt or truncated image or clip, an empty or silent one)"),
        (404, "No model by that name"),
        (409, "The model does not run here: `zoo pull NAME` first"),
        (413, "The upload is over the server's limit (`zoo serve --max-upload-mb`)"),
        (415, "The upload is not the model's input kind (an audio file for an image model)"),
        (422, "The request does not fit the model: wrong field, empty text, a template, top_k out of 1-20"),
        (500, "The model failed on this input: it raised, or returned what zoo's checks refuse"),
        (504, "The prediction took longer than the server's per-request limit"),
    )
}


def model_cache(request: Request) -> ModelCache:
    """The app's model cache, made on the first prediction (in the event loop's thread: no race)."""
    state = request.app.state
    cache = getattr(state, "model_cache", None)
    if cache is None:
        cache = state.model_cache = ModelCache(state.registry, state.settings.model_memory_bytes)
    return cache


def _fail(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=printable(message))


def _find(request: Request, name: str) -> tuple[ModelSpec, str]:
    """The entry named ``name``, and its task's input kind; 404 for no such model."""
    registry = request.app.state.registry
    try:
        spec = registry.get(name, "model")
    except (NotFoundError, AmbiguousNameError) as error:
        raise _fail(404, str(error)) from None
    task = registry.get(spec.task, "task")
    if task.input not in INPUT_KINDS:
        raise _fail(422, f"model {spec.id} is a {spec.task} model, whose input ({task.input}) the try-it form cannot "
                         f"send; use `zoo run {name} INPUT`")
    return spec, task.input


def _check_runs_here(spec: ModelSpec, name: str, cache: ModelCache) -> None:
    """409 unless its files are bundled or cached (what `zoo list --available` keeps); templates go on
    to be refused when built, in the words `zoo run` uses."""
    from zoo.presence import MISSING, PULL, model_state

    if spec.id in dict(cache.loaded()):
        return
    state = model_state(spec)
    if state == PULL:
        raise _fail(409, f"model {spec.id} does not run here: its files are not on this machine; "
                         f"run `zoo pull {name}` first")
    if state == MISSING:
        raise _fail(409, f"model {spec.id} does not run here: a local file it needs is missing "
                         f"(`zoo info {name}` names it)")


async def _read_input(kind: str, spec: ModelSpec, file: UploadFile | None, text: str | None,
                      limit: int) -> tuple[str, bytes | str]:
    """``(name, bytes or text)`` of the one input a request must carry, in the field its kind takes."""
    if file is not None and text is not None:
        raise _fail(422, "send either a file or text, not both")
    if kind == "text":
        if file is not None:
            raise _fail(422, f"model {spec.id} takes text: send it in the `text` field, not as a file")
        if text is None or not text.strip():
            raise _fail(422, f"the text is empty; model {spec.id} needs some text to classify")
        return "text", text
    if file is None:
        raise _fail(422, f"model {spec.id} takes {'an image' if kind == 'image' else 'an audio clip'}: "
                         "upload it in the `file` field")
    name = printable(file.filename or "upload")
    check_content_type(kind, file.content_type, spec.id)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _fail(413, too_large(limit))
    return name, data


class ModelFailed(ZooError):
    """A built model that fails zoo's checks of what it returns (its own bug, not the request's)."""


async def _predict(cache: ModelCache, spec: ModelSpec, kind: str, name: str, given: bytes | str, top_k: int,
                   deadline: float) -> tuple[dict[str, Any], float]:
    """Decode the input in a worker thread, wait for the model's turn in the event loop, then predict
    in a worker thread under the model's lock."""
    from zoo.api import predict

    raw = given if kind == "text" else await asyncio.to_thread(decode_upload, kind, given, name)

    def work(model: Any) -> list[dict[str, Any]]:
        try:
            return predict(model, [raw], top_k=top_k, registry=cache.registry)
        except UsageError as error:  # the input was checked: what is left is the model's (a wrong output shape)
            raise ModelFailed(str(error)) from error

    async with cache.queue(spec.id):
        results, load_seconds = await asyncio.to_thread(cache.run, spec, work, deadline=deadline)
    return results[0], load_seconds


@router.post("/models/{name}/predict", response_model=Prediction, responses=ERRORS,
             summary="Predict on one input: an image, a text or an audio clip")
async def predict_one(
    request: Request,
    name: str,
    file: UploadFile | None = File(None, description="An image or an audio clip, for models that take one"),
    text: str | None = Form(None, description="The text, for text models"),
    top_k: int = Form(5, ge=1, le=MAX_TOP_K, description="How many labels to return, best first"),
) -> Prediction:
    """Top-k labels with scores, or a transcript, as ``zoo run NAME INPUT`` gives them. The model is
    built on its first request (``load_seconds``) and kept while memory allows."""
    started = time.perf_counter()
    settings = request.app.state.settings
    cache = model_cache(request)
    spec, kind = _find(request, name)
    _check_runs_here(spec, name, cache)
    input_name, given = await _read_input(kind, spec, file, text, settings.max_upload_bytes)
    deadline = time.monotonic() + settings.request_seconds
    try:
        result, load_seconds = await asyncio.wait_for(_predict(cache, spec, kind, input_name, given, top_k, deadline),
                                                      timeout=settings.request_seconds)
    except (asyncio.TimeoutError, PredictionTimeout):
        raise _fail(504, f"model {spec.id} did not answer within this server's limit of "
                         f"{settings.request_seconds:g} s per request; try again when it is less busy") from None
    except SampleError as error:
        raise _fail(400, str(error)) from None
    except MissingArtifactError as error:
        raise _fail(409, str(error)) from None
    except ModelFailed as error:
        log.error("try-it prediction of %s failed: %s", spec.id, error)
        raise _fail(500, str(error)) from None
    except (UsageError, ZooError) as error:
        raise _fail(422, str(error)) from None
    except Exception as error:  # a model's own bug: one line to the user, the traceback to the server's log
        log.exception("try-it prediction of %s failed", spec.id)
        raise _fail(500, f"model {spec.id} failed on this input: {type(error).__name__}: {error}") from None
    return Prediction(model=spec.id, task=spec.task, input_kind=kind, top=result.get("top"),
                      transcript=result.get("transcript"), seconds=round(time.perf_counter() - started, 6),
                      load_seconds=round(load_seconds, 6))
