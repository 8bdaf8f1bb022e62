"""The catalogue's JSON API: ``GET /api/models``, ``/api/models/{name}``, datasets, metrics, plugins,
leaderboards and the results store's runs.

Each endpoint answers what the matching command prints with ``--json``, from the same functions
(:func:`zoo.list_models`, :func:`zoo.leaderboard`, :func:`zoo.results`...) and the same card data
as the pages (:class:`zoo.web.catalogue_data.CatalogueView`). Errors are ``{"detail": "one line"}``:
404 for an unknown name, record or empty leaderboard, 422 for a filter that is wrong.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from zoo import api
from zoo.errors import AmbiguousNameError, NotFoundError, UsageError, ZooError
from zoo.printable import printable
from zoo.web.catalogue_data import CatalogueView, plugins
from zoo.web.render import Pages

__all__ = ["ModelSummary", "router"]

router = APIRouter(prefix="/api", tags=["catalogue"])


class ModelSummary(BaseModel):
    """One model as the catalogue table shows it."""

    id: str = Field(description="plugin:name, unambiguous")
    name: str
    href: str = Field(description="Its card's page, from the site root")
    task: str
    plugin: str
    here: Literal["bundled", "cached", "pull", "missing"] | None = Field(
        description="Whether it runs here: bundled or cached (it does), pull (`zoo pull NAME` fetches it), missing")
    params: int | None
    license: str
    tags: list[str]
    description: str
    reported: str = Field(description="The headline reported value, as `zoo list` shows it: 'top1 0.8037 (imagenet-1k)'")
    metrics: dict[str, float] = Field(description="Each reported metric's first value (what sorting ranks by)")
    on: dict[str, dict[str, float]] = Field(description="Its reported values by dataset: {dataset: {metric: value}} "
                                                        "(what sorting ranks by with `dataset`)")
    reproduced: str = Field(description="The headline value of its newest whole-split run in the results store")


def _view(request: Request) -> CatalogueView:
    pages: Pages = request.app.state.pages
    return pages.view()


def _error(status: int, error: Exception) -> HTTPException:
    return HTTPException(status_code=status, detail=printable(error))


def _entry(request: Request, name: str, kind: str) -> Any:
    try:
        return api.get(name, kind, registry=request.app.state.registry)
    except (NotFoundError, AmbiguousNameError) as error:
        raise _error(404, error) from None


@router.get("/models", response_model=list[ModelSummary], summary="Models, filtered and sorted as zoo list does")
def models(request: Request,
           pattern: str | None = Query(None, description="fnmatch pattern or substring of the name: 'resnet*'"),
           task: str | None = None, tag: str | None = None, plugin: str | None = None,
           license: str | None = Query(None, description="SPDX licence id"),
           sort: str | None = Query(None, description="A reported metric (best first), params or name"),
           top: int | None = Query(None, ge=1), available: bool = Query(False, description="Only models that run here"),
           dataset: str | None = Query(None, description="Only models reporting numbers on this dataset; sort reads "
                                                         "those numbers"),
           ) -> list[dict[str, Any]]:
    try:
        specs = api.list_models(pattern, task=task, tag=tag, plugin=plugin, license=license, sort=sort, top=top,
                                available=available, dataset=dataset, registry=request.app.state.registry)
    except UsageError as error:
        raise _error(422, error) from None
    return _view(request).model_rows(specs)


@router.get("/models/{name}", summary="One model's card: every field, reported and reproduced numbers")
def model(request: Request, name: str) -> dict[str, Any]:
    card = _view(request).model_card(_entry(request, name, "model"))
    card.pop("runs", None)  # /api/runs?model=ID has them
    return card


@router.get("/datasets", summary="Datasets, filtered as zoo list datasets does")
def datasets(request: Request, pattern: str | None = None, task: str | None = None, tag: str | None = None,
             plugin: str | None = None, license: str | None = None) -> list[dict[str, Any]]:
    specs = api.list_datasets(pattern, task=task, tag=tag, plugin=plugin, license=license,
                              registry=request.app.state.registry)
    return _view(request).dataset_rows(specs)


@router.get("/datasets/{name}", summary="One dataset's card")
def dataset(request: Request, name: str) -> dict[str, Any]:
    card = _view(request).dataset_card(_entry(request, name, "dataset"))
    card.pop("runs", None)
    return card


@router.get("/metrics", summary="Metrics")
def metrics(request: Request, task: str | None = None) -> list[dict[str, Any]]:
    return _view(request).metric_rows(api.list_metrics(task=task, registry=request.app.state.registry))


@router.get("/metrics/{name}", summary="One metric's card")
def metric(request: Request, name: str) -> dict[str, Any]:
    return _view(request).metric_card(_entry(request, name, "metric"))


@router.get("/plugins", summary="Each plugin's status and error, as zoo plugins shows them")
def plugin_list(request: Request) -> dict[str, Any]:
    return plugins(request.app.state.registry)


@router.get("/leaderboards", summary="Every task and dataset with a leaderboard")
def leaderboards(request: Request) -> list[dict[str, Any]]:
    return _view(request).leaderboards()


@router.get("/leaderboard", summary="A leaderboard, as zoo leaderboard --json prints it")
def leaderboard(request: Request, task: str | None = None, dataset: str | None = None, metric: str | None = None,
                x: Literal["params", "throughput", "latency", "flops", "memory"] = "params",
                source: Literal["all", "reproduced", "reported"] = "all", license: str | None = None,
                top: int | None = Query(None, ge=1)) -> dict[str, Any]:
    from zoo.leaderboards import NothingToRank

    pages: Pages = request.app.state.pages
    try:
        return api.leaderboard(task=task, dataset=dataset, metric=metric, x=x, source=source, license=license,
                               top=top, results=pages.results, registry=request.app.state.registry)
    except NothingToRank as error:
        raise _error(404, error) from None
    except UsageError as error:
        raise _error(422, error) from None


@router.get("/runs", summary="Records of the results store, newest first, as zoo results list --json")
def runs(request: Request, model: str | None = Query(None, description="A name, id or fnmatch pattern"),
         dataset: str | None = None, task: str | None = None,
         kind: Literal["run", "bench"] | None = None, status: Literal["ok", "failed"] | None = None,
         since: str | None = Query(None, description="A date, a date and time, or a span back from now: 7d"),
         limit: int | None = Query(None, ge=1)) -> list[dict[str, Any]]:
    pages: Pages = request.app.state.pages
    try:
        return api.results(model, dataset, task, kind, since, pages.results, status=status, limit=limit)
    except UsageError as error:
        raise _error(422, error) from None
    except ZooError as error:  # a damaged store: one line naming the file
        raise _error(500, error) from None


@router.get("/runs/{record_id}", summary="One record of the results store, whole")
def run(request: Request, record_id: int) -> dict[str, Any]:
    card = _view(request).run_card(record_id)
    if card is None:
        raise HTTPException(404, f"the results store has no record {record_id} (GET /api/runs lists them)")
    return card
