"""``zoo site build OUT/``: the catalogue, its cards and leaderboards (and the runs, given a results
store) as a static site: the pages ``zoo serve`` answers with, written as files.

Every link is relative, so the folder works from ``file://`` and from any static host under any
path. Page names come from :func:`zoo.web.catalogue_data.slug`, so no entry name can write outside
``OUT`` or onto another entry's page. The site is written beside ``OUT`` and moved into place
whole: a failed build leaves the previous site as it was. ``OUT`` must be new, empty, or a site zoo
built before (it holds ``.zoo-site``): zoo never deletes files it did not write.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Final

from zoo import __version__
from zoo.errors import UsageError
from zoo.registry import Registry
from zoo.web.render import STATIC, Pages, plotly_js

__all__ = ["MARKER", "build_site"]

MARKER: Final = ".zoo-site"
"""The file that marks a folder as a site ``zoo site build`` wrote (and may replace)."""

SERVE_ONLY: Final = ("try-it.js",)  # the try-it form's script: the static site has no server to ask


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file: give a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(f"{out} is not empty and is not a site zoo site build wrote (no {MARKER} in it): give a new "
                         "or empty folder (zoo never deletes files it did not write)")


def _write(folder: Path, relative: str, text: str) -> int:
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):  # page names are slugs: this never happens
        raise UsageError(f"zoo site build: page path {relative!r} leaves the site folder; not written")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    target.write_bytes(data)
    return len(data)


def build_site(out: str | Path, registry: Registry, *, results: str | Path | None = None) -> dict[str, Any]:
    """Write the whole site to ``out``; returns what was written: ``{"out", "pages" (files by folder:
    models, datasets, metrics, leaderboards, runs, static), "records" (runs shown), "files", "bytes",
    "seconds"}``.

    ``results``: a results store whose records the site shows (runs pages, and reproduced values
    beside the reported ones); None: the catalogue's own values only, and no runs pages.
    """
    started = time.perf_counter()
    out = Path(out).expanduser()
    _check_out(out)
    store: Path | None = None
    if results is not None:
        store = Path(results).expanduser()
        if not store.is_file():
            raise UsageError(f"--results {results}: no results store there (zoo run keeps its records in one; "
                             "leave --results out for the catalogue alone)")
    plotly = plotly_js()
    pages = Pages(registry, results=store, static=True, with_runs=store is not None)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.building-"))
    try:
        counts: Counter[str] = Counter()
        size = 0
        view = pages.view()
        for relative, text in pages.every_page(view):
            size += _write(staging, relative, text)
            counts[relative.split("/", 1)[0] if "/" in relative else "pages"] += 1
        counts["records"] = len(view.runs()) if pages.with_runs else 0
        (staging / "static").mkdir(exist_ok=True)
        for asset in STATIC.iterdir():
            if asset.is_file() and asset.name not in SERVE_ONLY:
                shutil.copyfile(asset, staging / "static" / asset.name)
                size += asset.stat().st_size
                counts["static"] += 1
        shutil.copyfile(plotly, staging / "static" / "plotly.min.js")
        size += plotly.stat().st_size
        counts["static"] += 1
        (staging / MARKER).write_text(f"written by zoo site build (zoo {__version__}); the whole folder is replaced "
                                      "by the next build\n", encoding="utf-8")
        staging.chmod(0o755)
        _replace(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    records = counts.pop("records")
    return {"out": str(out), "pages": dict(counts), "records": records, "files": sum(counts.values()), "bytes": size,
            "seconds": time.perf_counter() - started}


def _replace(out: Path, staging: Path) -> None:
    """Move the new site onto ``out`` (checked before: absent, empty or a previous site)."""
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    old.rmdir()
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
