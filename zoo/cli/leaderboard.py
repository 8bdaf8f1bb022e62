"""``zoo leaderboard``: models ranked by a metric against a cost, reported and reproduced side by side.

Calls :func:`zoo.leaderboard`; charts are drawn by :mod:`zoo.charts` (matplotlib or Plotly, imported
only for ``--plot``). Nothing here imports torch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import click

from zoo import api
from zoo.cli.render import echo_json, table
from zoo.leaderboards import COSTS, SOURCES, cost_text, to_csv

__all__ = ["COMMANDS"]


def _cost_origin(x: str, cost_from: str | None) -> str:
    """A throughput taken from a run, not a bench, says so: it includes reading and preprocessing the data."""
    return " (run)" if x == "throughput" and cost_from == "run" else ""


def _value_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def rows_of(board: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The terminal table: one row per model and dataset, reproduced and reported values side by side."""
    metric, x = board["metric"], board["x"]
    several = len(board["datasets"]) > 1
    headers = ["rank", "model", *(["dataset"] if several else []), f"{metric} reproduced", f"{metric} reported",
               x, "pareto", "license"]
    rows = [[row["rank"], row["name"], *([row["dataset"]] if several else []), _value_text(row["reproduced"]),
             _value_text(row["reported"]), cost_text(x, row["cost"]) + _cost_origin(x, row["cost_from"]),
             "*" if row["pareto"] else "",
             row["license"] or "-"] for row in board["rows"]]
    return headers, rows


def _write(path: str, text: str) -> None:
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        from zoo.errors import UsageError

        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


@click.command("leaderboard")
@click.option("--task", help="The task whose models are ranked (default: the dataset's, or the only one).")
@click.option("--dataset", "-d", help="Rank on this dataset (default: every dataset, each ranked on its own).")
@click.option("--metric", help="The metric to rank by (default: the task's main metric).")
@click.option("--x", "x", type=click.Choice(list(COSTS)), default="params", show_default=True,
              help="The cost each model is weighed against (throughput, latency, flops, memory: `zoo bench`).")
@click.option("--source", type=click.Choice(list(SOURCES)), default="all", show_default=True,
              help="Rank by reproduced values (the results store), reported ones (the catalogue), or both.")
@click.option("--license", "license_", metavar="SPDX", help="Only models under this licence.")
@click.option("--top", type=click.IntRange(min=1), metavar="N", help="Only the first N of each dataset.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the rows as CSV to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print the leaderboard as JSON instead of a table.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False),
              help="Draw the metric against the cost: out.png (matplotlib) or out.html (interactive, offline).")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="The results database (or ZOO_RESULTS; default: results.sqlite in zoo's cache).")
@click.pass_context
def leaderboard_command(ctx: click.Context, task: str | None, dataset: str | None, metric: str | None, x: str,
                        source: str, license_: str | None, top: int | None, csv_path: str | None, as_json: bool,
                        plot_path: str | None, results_path: str | None) -> None:
    """Rank models by a metric against a cost; flag the Pareto-optimal ones.

    \b
    Reported values (the catalogue's) and reproduced ones (`zoo run` records in the
    results store) sit side by side; costs come from `zoo bench` records, else the
    runs and the catalogue. A model marked * in the pareto column has no rival both
    better and cheaper.

    \b
      zoo leaderboard --dataset digits
      zoo leaderboard --task image-classification --x throughput --plot board.png
    """
    from zoo.store import StoreSettings

    registry = ctx.find_root().obj.registry
    results = StoreSettings.from_env(results=results_path).path
    board = api.leaderboard(task=task, dataset=dataset, metric=metric, x=x, source=source, license=license_,
                            top=top, results=results, registry=registry)
    if plot_path is not None:
        from zoo.charts import plot

        plot(board, plot_path)
    if csv_path is not None:
        _write(csv_path, to_csv(board))
    if as_json:
        echo_json(board)
    else:
        click.echo(table(*rows_of(board), shrink=("license",)))
    if board["missing_cost"]:
        click.echo(f"zoo: {len(board['missing_cost'])} model(s) have no {x} figure and are not on the Pareto front: "
                   f"{board['missing_cost_advice']}", err=True)
    if plot_path is not None:
        click.echo(f"zoo: chart written to {plot_path}", err=True)


COMMANDS = [leaderboard_command]
