"""What a running ``zoo serve`` is allowed to do: one record, made by the CLI and read by the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class WebSettings:
    """Limits and sources of the web app; every field has a safe default for a local server."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    results: Path | None = None  # the results store; None: zoo's default (ZOO_RESULTS or the cache's)
    max_upload_bytes: int = 20 * 1024 * 1024  # a try-it upload larger than this is refused (413)
    request_seconds: float = 60.0  # a prediction that takes longer answers 504
    model_memory_bytes: int = 2 * 1024 ** 3  # loaded try-it models kept within this, least recently used out
