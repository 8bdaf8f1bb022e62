"""``zoo pull``: fetch what models (and hub datasets) need; calls :func:`zoo.pull.pull`."""

from __future__ import annotations

import sys
from typing import Any

import click

from zoo.cli.render import echo_json, format_bytes
from zoo.printable import printable


def _line(result: dict[str, Any]) -> str:
    """One line per model or dataset: what it came to, and from where."""
    status = result["status"]
    if status == "failed":
        return f"{result['name']}: failed: {result['error']}"
    if result.get("kind") == "dataset":
        files = f", {result['files']} file(s)" if result.get("files") is not None else ""
        return f"{result['name']}: {status} ({format_bytes(result.get('bytes'), unknown='size unknown')}{files})"
    changed = [need for need in result["needs"] if need["status"] != "present"]
    if not changed:
        return f"{result['name']}: present" + ("" if result["needs"] else " (it needs no file)")
    parts = [need["source"] + (f": {', '.join(need['files'][:4])}" if need["files"] else "")
             + (" ..." if len(need["files"]) > 4 else "") for need in changed]
    return f"{result['name']}: {status} {format_bytes(result.get('bytes'), unknown='size unknown')} ({'; '.join(parts)})"


@click.command("pull")
@click.argument("names", nargs=-1, metavar="NAME|PATTERN...")
@click.option("--task", help="Only models of this task (alone: every model of it).")
@click.option("--dataset", "datasets", multiple=True, metavar="NAME",
              help="A Hugging Face hub dataset to fetch (repeatable).")
@click.option("--dataset-arg", "dataset_args", multiple=True, metavar="KEY=VALUE",
              help="Builder argument for --dataset (path=ORG/NAME for a generic hub dataset entry).")
@click.option("--dry-run", is_flag=True, help="Fetch nothing: say what would be fetched, and its size.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def pull_command(ctx: click.Context, names: tuple[str, ...], task: str | None, datasets: tuple[str, ...],
                 dataset_args: tuple[str, ...], dry_run: bool, as_json: bool, quiet: bool) -> None:
    """Fetch what models need into the local caches, so they run here (offline too).

    \b
      zoo pull resnet50.a1_in1k                 (timm weights into the Hugging Face cache)
      zoo pull 'whisper*' --dry-run             (what would be fetched, and its size)
      zoo pull --task text-classification
      zoo pull --dataset rotten_tomatoes

    Hub weights go to the Hugging Face cache (HF_HUB_CACHE), only the files the
    builder reads and at the catalogue's revision; https:// weights to zoo's
    cache; every sha256 pin is checked before a model counts as pulled.
    `zoo list` shows which models run here. zoo run never downloads: this does.
    """
    from zoo.api import pull
    from zoo.cli.run import _key_values
    from zoo.weights import is_offline

    registry = ctx.find_root().obj.registry
    progress = not quiet and not as_json and sys.stderr.isatty()
    if is_offline() and not as_json:
        click.echo("zoo: offline (ZOO_OFFLINE/HF_HUB_OFFLINE): nothing is fetched; what would be is listed", err=True)
    report = None if as_json else (lambda result: click.echo(printable(_line(result))))
    results = pull(list(names), datasets=datasets, task=task, dry_run=dry_run, progress=progress,
                   dataset_args=_key_values(dataset_args, "--dataset-arg"), registry=registry, report=report)
    if as_json:
        echo_json(results)
    if is_offline() and not dry_run and any(result["status"] == "would fetch" for result in results):
        ctx.exit(2)  # offline, and something is missing: it is listed above
    if dry_run and not as_json:
        sizes = [result.get("bytes") for result in results if result["status"] == "would fetch"]
        total = format_bytes(None if None in sizes else sum(sizes), unknown="size unknown")  # type: ignore[arg-type]
        click.echo(f"zoo: dry run: {len(sizes)} of {len(results)} would be fetched ({total}); nothing was", err=True)


COMMANDS = (pull_command,)
