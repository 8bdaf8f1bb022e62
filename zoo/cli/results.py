"""``zoo results``: list, show, export and remove the records ``zoo run`` kept in the results store.

Calls :func:`zoo.results` and :class:`zoo.store.ResultsStore`; sqlite3 is imported
only when one of these commands runs, so ``zoo list`` never pays for it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from zoo import api
from zoo.cli.render import card_lines, echo_json, table
from zoo.errors import UsageError
from zoo.printable import printable, strict_json

__all__ = ["COMMANDS"]

SHOWN_METRICS = 3  # metrics a listing row shows; `zoo results show ID` has them all
CSV_COLUMNS = ("id", "created_at", "kind", "status", "model", "dataset", "split", "task", "device", "seconds",
               "samples_per_second", "parameters", "weights_sha256", "fingerprint", "request_key", "error")


def _store_path(results_path: str | None) -> str:
    from zoo.store import StoreSettings

    return os.fspath(StoreSettings.from_env(results=results_path).path)


def _store_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--results", "results_path", type=click.Path(dir_okay=False),
                        help="The results database (or ZOO_RESULTS; default: results.sqlite in zoo's cache).")(command)


def _filters(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--model", "-m", help="Model name, id or fnmatch pattern ('resnet*')."),
        click.option("--dataset", "-d", help="Dataset name, id or pattern."),
        click.option("--task", help="Task, e.g. image-classification."),
        click.option("--since", help="Stored on or after: 2026-11-30, 2026-11-30T14:00, or a span back: 12h, 7d, 2w."),
        click.option("--kind", type=click.Choice(["run", "bench"]), help="Records of zoo run or of zoo bench."),
        click.option("--status", type=click.Choice(["ok", "failed"]), help="Only ok runs, or only failed ones."),
        click.option("--limit", type=click.IntRange(min=1), help="The newest N only."),
    ]
    for option in reversed(options):
        command = option(command)
    return _store_option(command)


def _query(path: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    return api.results(path=path, **filters)


def _nothing_found(path: str, filters: dict[str, Any]) -> None:
    """Empty results say what was searched, and what to run."""
    given = ", ".join(f"--{name} {value}" for name, value in filters.items() if value is not None)
    if not os.path.exists(path):
        where = f"no results are stored yet ({path} does not exist)"
    else:
        where = f"no stored record matches {given}" if given else f"the results store {path} holds no records"
    click.echo(f"zoo: {where}; `zoo run MODEL --dataset DATASET` keeps a record there "
               "(see `zoo list` for models)", err=True)


def _metrics_text(row: dict[str, Any]) -> str:
    if row["status"] == "failed":
        return f"failed: {row.get('error') or 'no reason recorded'}"
    if row["kind"] == "bench":  # no metrics: its figures
        return _bench_text(row["record"].get("bench") or {})
    shown = list(row["metrics"].items())[:SHOWN_METRICS]
    more = len(row["metrics"]) - len(shown)
    return ", ".join(f"{name} {value:.4f}" for name, value in shown) + (f" (+{more})" if more > 0 else "")


def _bench_text(figures: dict[str, Any]) -> str:
    """A bench record's figures in a few words: samples/s at each batch size, and where the inputs came from."""
    by_size = figures.get("by_batch_size") or {}
    speeds = [f"{one.get('samples_per_second')} samples/s @{size}" for size, one in by_size.items() if isinstance(one, dict)]
    return ", ".join(speeds + [f"inputs {figures.get('inputs')}"]) if speeds else ""


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """A listing row as ``--json`` gives it: every column, not the whole record (``show`` and ``export`` have it)."""
    return {key: value for key, value in row.items() if key != "record"}


@click.group("results")
def results_group() -> None:
    """The results store: every record `zoo run` produced, kept, queried and exported.

    \b
      zoo results list --model 'resnet*' --since 7d
      zoo results show 12
      zoo results export --csv results.csv --dataset imagenet-1k
      zoo results rm 12 13 --yes
    """


@results_group.command("list")
@_filters
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def list_command(results_path: str | None, as_json: bool, **filters: Any) -> None:
    """Stored records, newest first: id, date, model, dataset, split, metrics, status."""
    path = _store_path(results_path)
    rows = _query(path, filters)
    if as_json:
        echo_json([_summary(row) for row in rows])
    if not rows:
        _nothing_found(path, filters)
        return
    if as_json:
        return
    from zoo.store import local_time

    click.echo(table(["id", "date", "model", "dataset", "split", "metrics", "status"],
                     [[row["id"], local_time(row["created_at"]), row["model"], row["dataset"], row["split"],
                       _metrics_text(row), row["status"]] for row in rows], shrink=("metrics", "dataset")))


@results_group.command("show")
@click.argument("record_id", type=int, metavar="ID")
@_store_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the whole run record, as `zoo run --json` did (`zoo run --from FILE` repeats it).")
def show_command(record_id: int, results_path: str | None, as_json: bool) -> None:
    """One stored record: where it came from, its metrics, what it asked for."""
    with _existing_store(results_path) as store:
        stored = store.get(record_id)
    if as_json:
        echo_json(stored.record)
        return
    record = stored.record
    request = record.get("request") or {}
    fields = {
        "record": f"{stored.id} ({stored.kind}, {stored.status}), stored {stored.local_time}",
        "model": stored.model, "dataset": f"{stored.dataset} [{stored.split}]" if stored.dataset else None,
        "task": stored.task, "error": stored.error,
        "metrics": {name: f"{value:.6g}" for name, value in stored.metrics.items()},
        "weights sha256": stored.weights_sha256, "data fingerprint": stored.fingerprint,
        "run": {key: value for key, value in (record.get("run") or {}).items()
                if key in ("device", "dtype", "batch_size", "wall_seconds", "samples_per_second", "world_size")},
        "request": {key: value for key, value in request.items() if key not in ("model", "dataset", "split")},
        "versions": record.get("versions"),
    }
    if stored.kind == "bench":
        figures = record.get("bench") or {}
        fields["bench"] = {key: figures.get(key) for key in (
            "device_name", "inputs", "input_shape", "flops_per_sample", "params", "peak_memory_bytes", "memory_kind",
            "by_batch_size") if figures.get(key) is not None}
    click.echo("\n".join(card_lines(fields)))
    if stored.kind == "bench":
        click.echo(f"\nzoo results show {stored.id} --json prints the whole record; zoo bench {stored.model} measures again")
    else:
        click.echo(f"\nzoo results show {stored.id} --json > run.json, then zoo run --from run.json repeats it")


@results_group.command("export")
@_filters
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write a CSV table: one row per record, one column per metric ('-': stdout).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write a JSON list of the stored records, each whole ('-': stdout).")
def export_command(results_path: str | None, csv_path: str | None, json_path: str | None, **filters: Any) -> None:
    """Write the records matching the filters to a CSV or JSON file."""
    if (csv_path is None) == (json_path is None):
        raise UsageError("zoo results export writes one file: give --csv FILE or --json FILE ('-' for stdout)")
    target = csv_path or json_path
    if target != "-":
        from zoo.engine.record import check_writable

        check_writable(target)
    path = _store_path(results_path)
    rows = _query(path, filters)
    text = _csv_text(rows) if csv_path else json.dumps(strict_json(rows), indent=2, allow_nan=False) + "\n"
    if target == "-":
        click.echo(text, nl=False)
    else:
        from zoo.engine.record import write_atomic

        write_atomic(target, text)  # type: ignore[arg-type]
        click.echo(f"zoo: wrote {len(rows)} record(s) to {target}", err=True)
    if not rows:
        _nothing_found(path, filters)


def _csv_text(rows: list[dict[str, Any]]) -> str:
    metric_names = list(dict.fromkeys(name for row in rows for name in row["metrics"]))
    headers = [*CSV_COLUMNS, *(f"metric:{name}" if name in CSV_COLUMNS else name for name in metric_names)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(column) for column in CSV_COLUMNS] + [row["metrics"].get(name) for name in metric_names])
    return buffer.getvalue()


@results_group.command("rm")
@click.argument("record_ids", type=int, nargs=-1, required=True, metavar="ID...")
@_store_option
@click.option("--yes", "-y", is_flag=True, help="Remove without asking.")
def rm_command(record_ids: tuple[int, ...], results_path: str | None, yes: bool) -> None:
    """Remove stored records for good (all of them, or none when an id is not there)."""
    with _existing_store(results_path) as store:
        wanted = sorted(set(record_ids))
        found = [store.get(record_id) for record_id in wanted]  # an unknown id stops here, before anything goes
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError(f"zoo results rm removes {len(found)} record(s) for good; pass --yes to confirm "
                                 "(there is no terminal to ask on)")
            listed = "; ".join(f"{s.id}: {printable(s.model)} on {printable(s.dataset)}" for s in found[:5])
            click.confirm(f"remove {len(found)} record(s) ({listed}{'; ...' if len(found) > 5 else ''}) "
                          f"from {store.path}?", abort=True, err=True)
        removed = store.remove(wanted)
    click.echo(f"zoo: removed {removed} record(s) from {store.path}", err=True)


def _existing_store(results_path: str | None) -> Any:
    """The store, which must exist: showing or removing never creates one."""
    from zoo.store import ResultsStore, StoreError

    path = _store_path(results_path)
    if not os.path.exists(path):
        raise StoreError(f"no results are stored yet: {path} does not exist (`zoo run MODEL --dataset DATASET` "
                         "keeps a record there; --results or ZOO_RESULTS name another store)")
    return ResultsStore.open(path)


COMMANDS = (results_group,)
