"""The HTML pages of ``zoo serve``: catalogue, cards, leaderboards, runs and plugins."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
