"""``zoo bench``: throughput, latency, memory, parameters and FLOPs of models on this machine. Calls zoo.bench."""

from __future__ import annotations

from typing import Any

import click

from zoo import api
from zoo.cli.render import echo_json, format_bytes, format_count, table
from zoo.errors import UsageError, ZooError
from zoo.printable import printable

__all__ = ["COMMANDS"]


class BenchesFailed(ZooError):
    """Some models could not be benched; the others' figures were printed, written and kept."""

    exit_code = 1


def _batch_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--batch-size takes whole numbers of at least 1, comma-separated (1,32), not {text!r}") from None
    from zoo.benchmarking import check_batch_sizes

    return check_batch_sizes(sizes)


def _fmt_rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _rows(records: list[dict[str, Any]], sizes: tuple[int, ...]) -> tuple[list[str], list[list[Any]]]:
    """One row per model: samples/s per batch size, latency at the smallest, params, GFLOPs, memory, inputs."""
    failed = any(record["status"] == "failed" for record in records)
    first = str(sizes[0])
    headers = ["model", *[f"samples/s @{size}" for size in sizes], f"latency ms @{first} (median/p95)", "params",
               "GFLOPs", "peak memory", "inputs"] + (["error"] if failed else [])
    rows = []
    for record in records:
        if record["status"] == "failed":
            rows.append([record["model"]["id"], *["failed"] * len(sizes), "-", format_count(record["model"]["parameters"]),
                         "-", "-", "-", record["error"]])
            continue
        figures = record["bench"]
        by_size = figures["by_batch_size"]
        flops = figures["flops_per_sample"]
        memory = format_bytes(figures["peak_memory_bytes"]) + (" (rss)" if figures["memory_kind"] == "rss-increase" else "")
        rows.append([record["model"]["id"], *[_fmt_rate(by_size[str(size)]["samples_per_second"]) for size in sizes],
                     f"{by_size[first]['latency_ms_median']:.2f} / {by_size[first]['latency_ms_p95']:.2f}",
                     format_count(figures["params"]), "-" if flops is None else f"{flops / 1e9:.3g}", memory,
                     figures["inputs"]] + ([""] if failed else []))
    return headers, rows


@click.command("bench")
@click.argument("names", nargs=-1, metavar="MODEL|PATTERN...")
@click.option("--batch-size", "-b", "batch_sizes", default="1,32", show_default=True,
              help="Batch sizes to measure, comma-separated; latency is given at the first.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16", "float16"]), default="float32", show_default=True,
              help="bfloat16/float16: the forward pass under torch.autocast, weights float32.")
@click.option("--channels-last/--no-channels-last", default=None,
              help="Image batches in the channels-last memory format (default: on for image models).")
@click.option("--compile", "compile", is_flag=True, help="torch.compile the model first (compiled during the warm-up).")
@click.option("--seconds", type=float, default=3.0, show_default=True, help="The timed window per batch size.")
@click.option("--warmup", type=int, default=5, show_default=True, help="Untimed steps before each window.")
@click.option("--synthetic", is_flag=True, help="Synthetic inputs of the model's size even when its default dataset is here.")
@click.option("--model-arg", "model_args", multiple=True, metavar="KEY=VALUE", help="Builder argument for the model (repeatable).")
@click.option("--random-init", is_flag=True,
              help="Build a template (`zoo list builders`) with random weights: speed does not depend on the weights.")
@click.option("--json", "as_json", is_flag=True, help="Print the bench record(s) as JSON on stdout.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the JSON bench record(s) here.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="The results store to keep the records in (or ZOO_RESULTS; default: in zoo's cache).")
@click.option("--no-store", is_flag=True, help="Keep nothing in the results store (or ZOO_NO_STORE=1).")
@click.option("--quiet", "-q", is_flag=True, help="No line per model on stderr.")
@click.pass_context
def bench_command(ctx: click.Context, names: tuple[str, ...], batch_sizes: str, model_args: tuple[str, ...],
                  as_json: bool, output: str | None, results_path: str | None, no_store: bool, quiet: bool,
                  **options: Any) -> None:
    """Measure MODEL(s) on this machine: samples/s per batch size, latency, memory, params, FLOPs.

    \b
      zoo bench digits-resnet18
      zoo bench 'digits-*' efficientnet-lite0-offline --batch-size 1,8,32 --seconds 5
      zoo bench resnet50.a1_in1k --device cuda --dtype bfloat16 --compile

    Inputs are the first samples of the model's default dataset when it is here, else
    synthetic inputs of the model's size; the table and the record say which. A model that
    fails is shown with its reason, the others still run, and the exit code is 1. Every
    record is kept in the results store (`zoo results list --kind bench`).
    """
    from zoo.cli.run import _key_values, _open_store, keep_records
    from zoo.engine.record import check_writable, write_json
    from zoo.store import StoreSettings

    if not names:
        raise UsageError("name a model to bench: zoo bench MODEL (see `zoo list --available`)")
    sizes = _batch_sizes(batch_sizes)
    check_writable(output)
    registry = ctx.find_root().obj.registry
    store = _open_store(ctx, StoreSettings.from_env(results=results_path, no_store=no_store))
    shown = not quiet and not as_json

    def said(record: dict[str, Any]) -> None:
        if not shown:
            return
        if record["status"] == "failed":
            click.echo(f"{record['model']['id']} failed: {printable(record['error'])}", err=True)
        else:
            figures = record["bench"]
            click.echo(f"{record['model']['id']}: {figures['samples_per_second']:,.1f} samples/s at batch "
                       f"{max(sizes)} on {figures['device']} ({printable(figures['device_name'])}), "
                       f"inputs {figures['inputs']}", err=True)

    records = api.bench(list(names), batch_sizes=sizes, model_args=_key_values(model_args, "--model-arg"),
                        registry=registry, report=said, **options)
    if as_json:
        echo_json(records[0] if len(records) == 1 else {"benches": records})
    else:
        headers, rows = _rows(records, sizes)
        click.echo(table(headers, rows, shrink=("error", "inputs")))
    not_kept = keep_records(store, records, kind="bench", shown="figures")
    if output is not None:
        try:
            write_json(output, records[0] if len(records) == 1 else {"benches": records})
        except OSError as error:
            raise BenchesFailed(f"cannot write {output}: {error.strerror or error}; the figures are printed above"
                                + (f"; {not_kept}" if not_kept else "")) from None
    failed = [record["model"]["id"] for record in records if record["status"] == "failed"]
    if not_kept:
        click.echo(f"zoo: error: {printable(not_kept)}", err=True)
    if failed or not_kept:
        raise BenchesFailed(f"{len(failed)} of {len(records)} model(s) failed: {', '.join(failed)}" if failed
                            else "the results store could not keep the records")


COMMANDS = (bench_command,)
