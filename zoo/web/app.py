"""The app factory of ``zoo serve``: pages and the JSON API over one registry and results store."""

from __future__ import annotations

from fastapi import FastAPI

from zoo.web.settings import WebSettings


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """A FastAPI app serving the catalogue pages and ``/api``; ``settings`` bound its limits."""
    from zoo.web import api, pages

    settings = settings or WebSettings()
    app = FastAPI(title="zoo", description="The zoo catalogue, its leaderboards and a try-it API.")
    app.state.settings = settings
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
