"""The JSON API of ``zoo serve``: ``/api/models``, one model, and its try-it predictions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api")
