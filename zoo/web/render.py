"""Every page of ``zoo serve`` and ``zoo site build``, rendered to a string by one set of templates.

A page is named by its path from the site root (``models/digits-resnet18.html``); its links are
relative to it (``../static/style.css``), so the same HTML works from ``zoo serve``, from a static
host under any prefix, and from ``file://``. Jinja2 escapes every value (``autoescape``); on top of
that, control characters (terminal escapes, bidi overrides) in any value are shown as visible
escapes (:func:`visible`), and JSON put in a script is escaped so that no ``</script>`` in the data
ends it (:func:`script_json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from zoo import __version__
from zoo.printable import printable, strict_json
from zoo.registry import Registry
from zoo.web.catalogue_data import PAGE_KINDS, CatalogueView, EntryIndex, http_url, plugins

__all__ = ["NotFound", "Pages", "TEMPLATES", "STATIC", "plotly_js", "script_json", "visible"]

TEMPLATES: Final = Path(__file__).parent / "templates"
STATIC: Final = Path(__file__).parent / "static"
PAGE_ROWS: Final = 50  # rows a catalogue page shows at once (the script pages through the rest)


class NotFound(LookupError):
    """No page at this path: an unknown entry, leaderboard or record."""


def visible(value: Any) -> Any:
    """Text with control characters and bidi overrides shown as escapes (``\\x1b``), line by line:
    a page keeps its line breaks, a terminal escape from a catalogue shows as text. Other values and
    markup made here (:class:`~markupsafe.Markup`) pass unchanged."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return "\n".join(printable(line) for line in value.split("\n"))


def _visible_data(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, Mapping):
        return {visible(str(key)): _visible_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_visible_data(item) for item in value]
    return value


def script_json(value: Any, *, indent: int | None = None) -> Markup:
    """``value`` as JSON that is safe inside a ``<script>`` (or a ``.js`` file): ``<``, ``>`` and ``&``
    are written ``\\u003c``... (a string holding ``</script>`` cannot end the script), and so are the
    line separators U+2028/2029; control characters in strings are shown as escapes (:func:`visible`)."""
    text = json.dumps(_visible_data(strict_json(value)), ensure_ascii=False, indent=indent, allow_nan=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return Markup(text)


def plotly_js() -> Path:
    """plotly.js as the installed plotly package ships it (served at ``static/plotly.min.js``, never
    from a CDN)."""
    from zoo.errors import UsageError

    try:
        import plotly
    except ImportError:
        raise UsageError("the leaderboard charts need plotly: pip install 'model-zoo-registry[web]'") from None
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _number(value: Any, digits: int = 4) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.{digits}g}" if isinstance(value, float) else f"{value:,}"


def _count(value: Any) -> str:
    from zoo.cli.render import format_count

    return format_count(value) if isinstance(value, int) else "-"


def _cost(value: Any, x: str) -> str:
    from zoo.leaderboards import cost_text

    return cost_text(x, value)


def environment() -> Environment:
    """The one Jinja2 environment: autoescape on for every template, every printed value made
    :func:`visible`."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      finalize=visible, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=_number, count=_count, cost=_cost, script_json=script_json, http_url=http_url)
    return env


class Pages:
    """Each page's HTML, by its path: ``zoo serve`` answers requests with these, ``zoo site build``
    writes them all (:meth:`every_path`).

    ``static``: the static site (no try-it form, no JSON API; says "try it with zoo serve").
    ``results``: the results store (None: none). ``with_runs``: whether there are runs pages.
    """

    def __init__(self, registry: Registry, *, results: Path | None, static: bool, with_runs: bool = True) -> None:
        self.registry = registry
        self.index = EntryIndex(registry)
        self.results = results
        self.static = static
        self.with_runs = with_runs
        self.env = environment()

    def view(self) -> CatalogueView:
        """The catalogue and the store as they are now (a fresh read of the store)."""
        return CatalogueView(self.registry, self.index, self.results, with_runs=self.with_runs,
                             public_paths=self.static)

    def _render(self, template: str, path: str, **context: Any) -> str:
        root = "../" * path.count("/")
        return self.env.get_template(template).render(
            root=root, path=path, static=self.static, try_it=not self.static, with_runs=self.with_runs,
            version=__version__, page_rows=PAGE_ROWS, **context)

    # -- pages ---------------------------------------------------------------------------------------

    def catalogue(self, view: CatalogueView | None = None) -> str:
        """``index.html``: the page shell; its rows come from ``catalogue-data.js``."""
        data = (view or self.view()).catalogue()
        options = {
            "task": sorted({row["task"] for row in data["models"]}),
            "plugin": sorted({row["plugin"] for row in data["models"]}),
            "license": sorted({row["license"] for row in data["models"]}),
            "tag": sorted({tag for row in data["models"] for tag in row["tags"]}),
            "on": sorted({dataset for row in data["models"] for dataset in row["on"]}),
            "dataset_task": sorted({row["task"] for row in data["datasets"]}),
            "dataset_plugin": sorted({row["plugin"] for row in data["datasets"]}),
            "dataset_license": sorted({row["license"] for row in data["datasets"]}),
            "metric_task": sorted({task for row in data["metrics"] for task in row["tasks"]}),
        }
        counts = {kind: len(data[kind]) for kind in ("models", "datasets", "metrics", "plugins")}
        return self._render("catalogue.html", "index.html", nav="catalogue", options=options, counts=counts,
                            sort_metrics=data["sort_metrics"], templates=data["templates"])

    def catalogue_data(self, view: CatalogueView | None = None) -> str:
        """``catalogue-data.js``: the catalogue's rows, for the page's script (a script, not JSON,
        because a page opened from ``file://`` cannot fetch a file)."""
        return f"window.ZOO_CATALOGUE = {script_json((view or self.view()).catalogue())};\n"

    def card(self, kind: str, slug: str, view: CatalogueView | None = None) -> str:
        """``models/<slug>.html``, ``datasets/...``, ``metrics/...``: one entry's card."""
        spec = self.index.find(kind, slug)
        if spec is None:
            raise NotFound(f"no {kind} page {slug}.html")
        view = view or self.view()
        path = self.index.path(spec)
        if kind == "model":
            card = view.model_card(spec)  # type: ignore[arg-type]
            from urllib.parse import quote

            card["api_predict_url"] = f"{'../' * path.count('/')}api/models/{quote(spec.id, safe='')}/predict"
        elif kind == "dataset":
            card = view.dataset_card(spec)  # type: ignore[arg-type]
        else:
            card = view.metric_card(spec)  # type: ignore[arg-type]
        return self._render(f"{kind}.html", path, nav="catalogue", card=card, model=card if kind == "model" else None)

    def leaderboards(self, view: CatalogueView | None = None) -> str:
        """``leaderboards/index.html``: every task and dataset with a leaderboard."""
        return self._render("leaderboards.html", "leaderboards/index.html", nav="leaderboards",
                            boards=(view or self.view()).leaderboards())

    def leaderboard(self, task_slug: str, dataset_slug: str, view: CatalogueView | None = None) -> str:
        """``leaderboards/<task>/<dataset>.html``: against each cost a model has, the table and the chart
        (:func:`zoo.charts.figure`); a switch shows one at a time (``static/chart.js``)."""
        view = view or self.view()
        listed = view.find_leaderboard(task_slug, dataset_slug)
        if listed is None:
            raise NotFound(f"no leaderboard {task_slug}/{dataset_slug}.html")
        page = view.leaderboard(listed)
        charts = {}
        for item in page["boards"]:
            if any(row["cost"] is not None for row in item["board"]["rows"]):
                from zoo.charts import figure

                charts[item["x"]] = script_json(figure(item["board"]).to_plotly_json())
        return self._render("leaderboard.html", listed["href"], nav="leaderboards", page=page, charts=charts)

    def runs(self, view: CatalogueView | None = None) -> str:
        """``runs/index.html``: the store's records; its rows come from ``runs/runs-data.js``."""
        self._need_runs()
        runs = (view or self.view()).runs()
        options = {key: sorted({run[key] for run in runs if run[key]}) for key in ("task", "kind", "status")}
        return self._render("runs.html", "runs/index.html", nav="runs", count=len(runs), options=options,
                            store=str(self.results) if self.results else "")

    def runs_data(self, view: CatalogueView | None = None) -> str:
        """``runs/runs-data.js``: the runs table's rows."""
        self._need_runs()
        return f"window.ZOO_RUNS = {script_json((view or self.view()).runs())};\n"

    def run(self, record_id: int, view: CatalogueView | None = None) -> str:
        """``runs/<id>.html``: one record, whole, as pretty JSON."""
        card = self.run_card(record_id, view)
        pretty = json.dumps(strict_json(card["record"]), indent=2, ensure_ascii=False, allow_nan=False)
        return self._render("run.html", f"runs/{record_id}.html", nav="runs", run=card, pretty=pretty)

    def run_json(self, record_id: int, view: CatalogueView | None = None) -> str:
        """``runs/<id>.json``: the run record itself (``zoo run --from`` repeats it)."""
        card = self.run_card(record_id, view)
        return json.dumps(strict_json(card["record"]), indent=2, ensure_ascii=True, allow_nan=False) + "\n"

    def run_card(self, record_id: int, view: CatalogueView | None = None) -> dict[str, Any]:
        self._need_runs()
        card = (view or self.view()).run_card(record_id)
        if card is None:
            raise NotFound(f"no run record {record_id}")
        return card

    def _need_runs(self) -> None:
        if not self.with_runs:
            raise NotFound("this site has no runs pages (zoo site build --results FILE adds them)")

    def plugins(self) -> str:
        """``plugins.html``: each plugin's status and error, as ``zoo plugins`` shows them."""
        return self._render("plugins.html", "plugins.html", nav="plugins", data=plugins(self.registry))

    def not_found(self, path: str, message: str) -> str:
        """The page of an unknown path (``path``: where it was asked for, for its relative links)."""
        return self._render("404.html", path, nav="", message=message)

    # -- the whole site ------------------------------------------------------------------------------

    def every_page(self, view: CatalogueView) -> Iterator[tuple[str, str]]:
        """``(path, text)`` of every page and data script, for ``zoo site build``."""
        yield "index.html", self.catalogue(view)
        yield "catalogue-data.js", self.catalogue_data(view)
        yield "plugins.html", self.plugins()
        yield "leaderboards/index.html", self.leaderboards(view)
        for board in view.leaderboards():
            task_slug, dataset_slug = board["href"].removeprefix("leaderboards/").removesuffix(".html").split("/")
            yield board["href"], self.leaderboard(task_slug, dataset_slug, view)
        for kind in PAGE_KINDS:
            for spec in self.registry.all(kind):
                path = self.index.path(spec)
                yield path, self.card(kind, path.split("/", 1)[1].removesuffix(".html"), view)
        if self.with_runs:
            yield "runs/index.html", self.runs(view)
            yield "runs/runs-data.js", self.runs_data(view)
            for run in view.runs():
                yield run["href"], self.run(run["id"], view)
                yield f"runs/{int(run['id'])}.json", self.run_json(run["id"], view)
