"""The HTML pages of ``zoo serve``: catalogue, cards, leaderboards, runs and plugins.

Each page is :class:`zoo.web.render.Pages`' rendering of it, at the path ``zoo site build`` writes it
to (``models/<slug>.html``...), so the served site and the static one are the same pages. A path
names an entry through :class:`~zoo.web.catalogue_data.EntryIndex` only: anything else is the 404 page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from zoo.web.render import NotFound, Pages, plotly_js

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}  # data scripts change as runs are stored or files pulled


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def _html(render, *args) -> HTMLResponse:  # type: ignore[no-untyped-def]
    try:
        return HTMLResponse(render(*args))
    except NotFound as error:
        raise HTTPException(404, str(error)) from None


def _script(text: str) -> Response:
    return Response(text, media_type="text/javascript; charset=utf-8", headers=NO_STORE)


@router.get("/")
@router.get("/index.html")
def catalogue(request: Request) -> HTMLResponse:
    return _html(_pages(request).catalogue)


@router.get("/catalogue-data.js")
def catalogue_data(request: Request) -> Response:
    return _script(_pages(request).catalogue_data())


@router.get("/models/{slug}.html")
def model(request: Request, slug: str) -> HTMLResponse:
    return _html(_pages(request).card, "model", slug)


@router.get("/datasets/{slug}.html")
def dataset(request: Request, slug: str) -> HTMLResponse:
    return _html(_pages(request).card, "dataset", slug)


@router.get("/metrics/{slug}.html")
def metric(request: Request, slug: str) -> HTMLResponse:
    return _html(_pages(request).card, "metric", slug)


def _folder_index(request: Request) -> RedirectResponse:
    """A folder's address opens its ``index.html``, by a relative redirect, as every link of the pages is
    relative: behind a proxy that serves zoo under a path prefix, it stays under that prefix."""
    path = request.url.path
    return RedirectResponse("index.html" if path.endswith("/") else f"{path.rsplit('/', 1)[-1]}/index.html")


@router.get("/leaderboards/")
@router.get("/leaderboards")
def leaderboards_folder(request: Request) -> RedirectResponse:
    return _folder_index(request)


@router.get("/leaderboards/index.html")
def leaderboards(request: Request) -> HTMLResponse:
    return _html(_pages(request).leaderboards)


@router.get("/leaderboards/{task}/{dataset}.html")
def leaderboard(request: Request, task: str, dataset: str) -> HTMLResponse:
    return _html(_pages(request).leaderboard, task, dataset)


@router.get("/runs/")
@router.get("/runs")
def runs_folder(request: Request) -> RedirectResponse:
    return _folder_index(request)


@router.get("/runs/index.html")
def runs(request: Request) -> HTMLResponse:
    return _html(_pages(request).runs)


@router.get("/runs/runs-data.js")
def runs_data(request: Request) -> Response:
    return _script(_pages(request).runs_data())


def _record_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise HTTPException(404, f"no run record {text!r}: records are numbered")
    return int(text)


@router.get("/runs/{record}.html")
def run(request: Request, record: str) -> HTMLResponse:
    return _html(_pages(request).run, _record_id(record))


@router.get("/runs/{record}.json")
def run_json(request: Request, record: str) -> Response:
    record_id = _record_id(record)
    try:
        text = _pages(request).run_json(record_id)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="zoo-record-{record_id}.json"'})


@router.get("/plugins.html")
def plugins(request: Request) -> HTMLResponse:
    return _html(_pages(request).plugins)


@router.get("/static/plotly.min.js")
def plotly() -> FileResponse:
    """plotly.js from the installed plotly package: the charts never load it from a CDN."""
    return FileResponse(plotly_js(), media_type="text/javascript")
