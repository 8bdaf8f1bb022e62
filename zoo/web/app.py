"""The app factory of ``zoo serve``: pages and the JSON API over one registry and results store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from zoo.web.settings import WebSettings

if TYPE_CHECKING:
    from zoo.registry import Registry


def create_app(settings: WebSettings | None = None, *, registry: Registry | None = None) -> FastAPI:
    """A FastAPI app serving the catalogue pages and ``/api``; ``settings`` bound its limits.

    ``registry``: the catalogue to serve (tests pass one built from fake plugins); None: the
    installed plugins' (:func:`zoo.default_registry`).
    """
    # /docs (Swagger UI) from fastapi-offline's copy of its scripts, where FastAPI's own loads them from a CDN;
    # no /redoc: ReDoc loads its logo from its CDN whatever it is told.
    from fastapi_offline import FastAPIOffline

    from fastapi.staticfiles import StaticFiles

    from zoo.api import default_registry
    from zoo.store import StoreSettings
    from zoo.web import api, api_catalogue, pages
    from zoo.web.render import STATIC, Pages

    settings = settings or WebSettings()
    app = FastAPIOffline(title="zoo", description="The zoo catalogue, its leaderboards and a try-it API.",
                         redoc_url=None)
    app.state.settings = settings
    app.state.registry = registry if registry is not None else default_registry()
    results = StoreSettings.from_env(results=settings.results).path  # --results, else ZOO_RESULTS, else the cache's
    app.state.pages = Pages(app.state.registry, results=results, static=False)
    app.include_router(api_catalogue.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StarletteHTTPException, _not_found_page)
    return app


async def _not_found_page(request: Request, error: StarletteHTTPException) -> Response:
    """A page that is not there is the 404 page (with the site's links); the JSON API keeps its
    JSON errors (``{"detail": ...}``), as every other error does."""
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.responses import HTMLResponse

    if error.status_code != 404 or request.url.path.startswith("/api/") or request.url.path == "/api":
        return await http_exception_handler(request, error)
    path = request.url.path.lstrip("/") or "index.html"
    message = error.detail if isinstance(error.detail, str) and error.detail != "Not Found" else \
        "There is no page at this address"
    return HTMLResponse(request.app.state.pages.not_found(path, message), status_code=404)
