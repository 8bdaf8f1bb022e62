"""The app factory of ``zoo serve``: pages and the JSON API over one registry and results store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from zoo.web.settings import WebSettings

if TYPE_CHECKING:
    from zoo.registry import Registry


def create_app(settings: WebSettings | None = None, *, registry: Registry | None = None) -> FastAPI:
    """A FastAPI app serving the catalogue pages and ``/api``; ``settings`` bound its limits.

    ``registry``: the catalogue to serve (tests pass one built from fake plugins); None: the
    installed plugins' (:func:`zoo.default_registry`).
    """
    from fastapi_offline import FastAPIOffline  # /docs and /redoc with local scripts: FastAPI's load from a CDN

    from zoo.api import default_registry
    from zoo.web import api, pages

    settings = settings or WebSettings()
    app = FastAPIOffline(title="zoo", description="The zoo catalogue, its leaderboards and a try-it API.")
    app.state.settings = settings
    app.state.registry = registry if registry is not None else default_registry()
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
