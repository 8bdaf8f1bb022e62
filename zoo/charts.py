"""Leaderboard charts: a metric against a cost on a log axis, the Pareto front drawn.

``out.png`` is drawn with matplotlib (the Agg backend: no display needed); ``out.html`` with Plotly,
the plotly.js library written into the file, so the chart is interactive offline. Both come with the
``plot`` extra (``pip install 'model-zoo-registry[plot]'``) and are imported only when a chart is drawn.
:func:`figure` is the Plotly figure itself, which the web pages (:mod:`zoo.web`) draw with a local plotly.js.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from zoo.errors import UsageError

__all__ = ["LABEL_ALL_UP_TO", "figure", "plot"]

LABEL_ALL_UP_TO: Final = 30
"""Every point is labelled up to this many rows; past it, only the Pareto-optimal ones (the rest would overlap)."""

_REPRODUCED = {"color": "#1f77b4", "marker": "o", "plotly": "circle"}
_REPORTED = {"color": "#ff7f0e", "marker": "s", "plotly": "square-open"}
_FRONT = "#2ca02c"
_INSTALL = "pip install 'model-zoo-registry[plot]' (from a clone: pip install -e '.[plot]')"


def plot(board: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Draw ``board`` (what :func:`zoo.leaderboard` returns) to ``path``: ``.png`` or ``.html``."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".png", ".html"):
        raise UsageError(f"--plot {path}: give a file ending in .png (an image) or .html (an interactive chart)")
    datasets = board["datasets"]
    if len(datasets) != 1:
        raise UsageError(f"--plot draws one dataset, and these rows are on {len(datasets)} "
                         f"({', '.join(datasets)}): add --dataset")
    if target.is_dir():
        raise UsageError(f"--plot {path}: it is a directory; give a file name")
    if not target.parent.is_dir() and str(target.parent):
        raise UsageError(f"--plot {path}: folder {target.parent} does not exist")
    points = [row for row in board["rows"] if row["cost"] is not None]
    draw = _png if suffix == ".png" else _html
    with _replacing(target) as staging:
        draw(board, points, staging)
    return target


class _replacing:
    """A temporary file beside ``target``, renamed onto it once written: never a half-drawn chart."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> str:
        folder = self.target.parent if str(self.target.parent) else Path(".")
        fd, self.staging = tempfile.mkstemp(dir=folder, prefix=f".{self.target.name}.", suffix=self.target.suffix)
        os.close(fd)
        return self.staging

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if kind is None:
            os.chmod(self.staging, 0o644)
            os.replace(self.staging, self.target)
        elif os.path.exists(self.staging):
            os.unlink(self.staging)


def _texts(board: Mapping[str, Any]) -> dict[str, str]:
    metric, dataset = board["metric"], board["datasets"][0]
    better = "higher" if board["higher_is_better"] else "lower"
    cheaper = "lower" if board["x_lower_is_better"] else "higher"
    devices = sorted({str(row["measured_on"]) for row in board["rows"] if row.get("measured_on")})
    measured = f"\n{board['x']} measured by zoo bench on {', '.join(devices)}" if devices else ""
    return {
        "title": f"{metric} on {dataset} against {board['x']} ({board['task']}){measured}",
        "x": f"{board['x_label']}, log scale ({cheaper} is cheaper)",
        "y": f"{metric} ({better} is better)",
    }


def _front(points: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted((row for row in points if row["pareto"]), key=lambda row: row["cost"])


def _label(row: Mapping[str, Any], board: Mapping[str, Any], count: int) -> bool:
    return count <= LABEL_ALL_UP_TO or bool(row["pareto"])


def _value_range(points: list[Mapping[str, Any]], low: float | None = None,
                 high: float | None = None) -> tuple[float, float]:
    """The metric axis's limits: the values' own (or ``low``/``high``, an axis's automatic ones), widened to
    at least 2% of their size, so that values equal to four decimals (a reproduced 0.98124999 beside a
    reported 0.98125) are drawn as equal, not spread over the whole chart by an axis eight decimals wide."""
    values = [row[key] for row in points for key in ("reproduced", "reported") if row[key] is not None]
    if not values:
        return (0.0, 1.0) if low is None or high is None else (low, high)
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    least = max(0.02 * max(abs(value) for value in values), 1e-3)
    if high - low < least:
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
    else:
        margin = 0.08 * (high - low) if (low, high) == (min(values), max(values)) else 0.0
        low, high = low - margin, high + margin
    return low, high


def _png(board: Mapping[str, Any], points: list[Mapping[str, Any]], path: str) -> None:
    try:
        import matplotlib
    except ImportError:
        raise UsageError(f"--plot out.png needs matplotlib: {_INSTALL}") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    texts = _texts(board)
    figure, axes = plt.subplots(figsize=(10, 6.5), dpi=120)
    try:
        for row in points:  # a model measured here and reported: its two values, joined
            if row["reproduced"] is not None and row["reported"] is not None:
                axes.plot([row["cost"]] * 2, [row["reported"], row["reproduced"]], color="#bbbbbb", lw=1, zorder=1)
        front = _front(points)
        if front:
            axes.step([row["cost"] for row in front], [row["value"] for row in front],
                      where="post" if board["x_lower_is_better"] else "pre", color=_FRONT, lw=1.5, ls="--",
                      zorder=2, label="Pareto front (best for its cost)")
            axes.scatter([row["cost"] for row in front], [row["value"] for row in front],
                         s=160 if len(points) <= 100 else 60,
                         facecolors="none", edgecolors=_FRONT, linewidths=1.5, zorder=2)
        for style, key, label in ((_REPRODUCED, "reproduced", "reproduced here (zoo run)"),
                                  (_REPORTED, "reported", "reported (catalogue)")):
            shown = [row for row in points if row[key] is not None]
            if shown:
                hollow = key == "reported"
                axes.scatter([row["cost"] for row in shown], [row[key] for row in shown],
                             s=48 if len(points) <= 100 else 14, alpha=1.0 if len(points) <= 100 else 0.6,
                             marker=style["marker"], zorder=3, label=label, linewidths=1.4,
                             facecolors="none" if hollow else style["color"], edgecolors=style["color"])
        axes.set_xscale("log")
        axes.margins(x=0.15, y=0.12)
        axes.autoscale_view()
        axes.set_ylim(*_value_range(points, *axes.get_ylim()))
        axes.ticklabel_format(axis="y", useOffset=False)  # 0.97, not 1e-8+9.8125e-1 over tiny differences
        low, high = axes.get_xlim()
        if high / low < 100:  # within two decades the minor ticks are labelled: as plain numbers, not 2x10^0
            from matplotlib.ticker import FuncFormatter

            plain = FuncFormatter(lambda value, _: _tick_text(value))
            axes.xaxis.set_major_formatter(plain)
            axes.xaxis.set_minor_formatter(plain)
        axes.set_title(texts["title"], fontsize=12)
        axes.set_xlabel(texts["x"])
        axes.set_ylabel(texts["y"])
        axes.grid(True, which="both", alpha=0.25)
        axes.legend(loc="best", fontsize=9, framealpha=0.9)
        figure.tight_layout()  # before the labels: their places are measured on the final layout
        skipped = _annotate(axes, [row for row in points if _label(row, board, len(points))])
        notes = []
        missing = len(board["rows"]) - len(points)
        if missing:
            notes.append(f"{missing} model(s) without a {board['x']} figure are not drawn (`zoo bench NAME` measures it)")
        unnamed = len(points) - (len(points) if len(points) <= LABEL_ALL_UP_TO else sum(bool(r["pareto"]) for r in points))
        if unnamed + skipped:
            notes.append(f"{unnamed + skipped} point(s) unnamed where labels would overlap (--plot out.html names "
                         "each on hover)")
        if notes:
            figure.text(0.01, 0.01, "; ".join(notes), fontsize=8, color="#666666")
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)


def _fitting(rows: list[Mapping[str, Any]], pixels: Any, char_width: float, height: float) -> list[Mapping[str, Any]]:
    """The rows whose label, placed up and right of the point (``pixels(row)``: its position in pixels,
    y upwards), overlaps no label placed before it, best-ranked first."""
    placed: list[tuple[float, float, float, float]] = []
    kept = []
    for row in sorted(rows, key=lambda row: row["rank"]):
        x, y = pixels(row)
        box = (x + 6, y + 5, x + 6 + char_width * len(row["name"]), y + 5 + height)
        if not any(box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
                   for other in placed):
            placed.append(box)
            kept.append(row)
    return kept


def _annotate(axes: Any, rows: list[Mapping[str, Any]]) -> int:
    """Name each point, best-ranked first, unless its label would overlap one already placed (each label's
    box as drawn, measured on the figure's final layout); returns how many were left unnamed."""
    renderer = axes.figure.canvas.get_renderer()
    right_edge = axes.get_window_extent(renderer).x1
    placed: list[Any] = []
    for row in sorted(rows, key=lambda row: row["rank"]):
        label = axes.annotate(row["name"], (row["cost"], row["value"]), xytext=(6, 5), textcoords="offset points",
                              fontsize=8, color="#222222", zorder=4)
        box = label.get_window_extent(renderer)
        if box.x1 > right_edge:  # it would run off the chart: left of its point instead
            label.xyann = (-6, 5)
            label.set_horizontalalignment("right")
            box = label.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            label.remove()
        else:
            placed.append(box)
    return len(rows) - len(placed)


def _plot_area_pixels(points: list[Mapping[str, Any]], width: float = 900.0, height: float = 520.0) -> Any:
    """Where Plotly will draw each point, roughly (log x, linear y, over a plot area of this size)."""
    import math

    xs = [math.log10(row["cost"]) for row in points]
    ys = [row["value"] for row in points]
    x_span, y_span = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return lambda row: ((math.log10(row["cost"]) - min(xs)) / x_span * width,
                        (row["value"] - min(ys)) / y_span * height)


def figure(board: Mapping[str, Any]) -> Any:
    """The interactive chart of ``board`` (one dataset's leaderboard, what :func:`zoo.leaderboard`
    returns) as a Plotly figure: what ``--plot out.html`` writes and the web pages of ``zoo serve`` and
    ``zoo site build`` draw. Text from the catalogue and the results store (names, devices) is
    HTML-escaped, as Plotly reads a few tags in it: a name shows as written, never as markup."""
    try:
        import plotly.graph_objects as go
    except ImportError:
        raise UsageError(f"--plot out.html needs plotly: {_INSTALL}") from None
    if len(board["datasets"]) != 1:
        raise UsageError(f"a chart draws one dataset, and these rows are on {len(board['datasets'])} "
                         f"({', '.join(board['datasets'])}): add --dataset")
    points = [row for row in board["rows"] if row["cost"] is not None]
    texts = {key: html.escape(text) for key, text in _texts(board).items()}
    metric, x = html.escape(str(board["metric"])), html.escape(str(board["x"]))
    chart = go.Figure()
    front = _front(points)
    if front:
        chart.add_trace(go.Scatter(
            x=[row["cost"] for row in front], y=[row["value"] for row in front], mode="lines+markers",
            line={"color": _FRONT, "dash": "dash", "shape": "hv" if board["x_lower_is_better"] else "vh"},
            marker={"symbol": "circle-open", "size": 16, "color": _FRONT, "line": {"width": 2}},
            name="Pareto front (best for its cost)", hoverinfo="skip"))
    named = {id(row) for row in _fitting([row for row in points if _label(row, board, len(points))],
                                         _plot_area_pixels(points), 7.0, 14.0)} if points else set()
    for style, key, label in ((_REPRODUCED, "reproduced", "reproduced here (zoo run)"),
                              (_REPORTED, "reported", "reported (catalogue)")):
        shown = [row for row in points if row[key] is not None]
        if not shown:
            continue
        chart.add_trace(go.Scatter(
            x=[row["cost"] for row in shown], y=[row[key] for row in shown], name=label,
            mode="markers+text",
            text=[html.escape(row["name"]) if id(row) in named and key == row["value_source"] else ""
                  for row in shown],
            textposition=_text_positions(shown, points), cliponaxis=False,  # a label may reach into the margin
            marker={"symbol": style["plotly"], "size": 10, "color": style["color"], "line": {"width": 1.5}},
            customdata=[[html.escape(row["model"]), "yes" if row["pareto"] else "no", row["cost_from"] or "-"]
                        for row in shown],
            hovertemplate=(f"%{{customdata[0]}}<br>{metric} ({key}): %{{y:.4g}}<br>{x}: %{{x:.4g}} "
                           "(from %{customdata[2]})<br>Pareto-optimal: %{customdata[1]}<extra></extra>")))
    chart.update_layout(title=texts["title"].replace("\n", "<br>"), xaxis={"title": texts["x"], "type": "log"},
                        yaxis={"title": texts["y"], "range": list(_value_range(points))}, legend={"title": "values"},
                        template="plotly_white")
    return chart


def _tick_text(value: float) -> str:
    """A log axis's tick within two decades: 1, 2, 3 and 5 of each decade, as 30M (parameters), 2K or 1.5;
    the others unlabelled (6e+07 7e+07 8e+07 9e+07 ran into each other)."""
    if value <= 0:
        return ""
    lead = value / 10 ** math.floor(math.log10(value) + 1e-9)
    if round(lead, 6) not in (1, 2, 3, 5):
        return ""
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"


def _text_positions(rows: list[Mapping[str, Any]], points: list[Mapping[str, Any]]) -> list[str]:
    """Each label right of its point, but left of it in the right 40% of the (log) cost axis, where a
    label to the right would run off the chart (on a phone, most of a name)."""
    logs = [math.log10(row["cost"]) for row in points]
    low, span = min(logs), max(logs) - min(logs)
    return ["top left" if span and (math.log10(row["cost"]) - low) / span > 0.6 else "top right" for row in rows]


def _html(board: Mapping[str, Any], points: list[Mapping[str, Any]], path: str) -> None:
    figure(board).write_html(path, include_plotlyjs=True, full_html=True, auto_open=False)
