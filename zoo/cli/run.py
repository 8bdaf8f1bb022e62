"""``zoo run``: evaluate models on a dataset, or predict on inputs. Calls zoo.engine."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

import click
import yaml

from zoo import api
from zoo.printable import printable
from zoo.cli.render import echo_json, format_count, table
from zoo.errors import UsageError, ZooError


class RunsFailed(ZooError):
    """Some models of a comparison failed; the others' results were printed and written."""

    exit_code = 1


class OutputNotWritten(ZooError):
    """The run finished and its results were printed, but a file could not be written."""

    exit_code = 1


class NotStored(ZooError):
    """The run finished and its results were printed (and written), but the results store could not keep them."""

    exit_code = 1


class _ArgumentLoader(yaml.SafeLoader):
    """YAML for command-line values and label maps, where only true/false are
    booleans: in YAML 1.1 `yes`, `no`, `on` and `off` are too, and
    `words=[yes, no]` would reach a builder as ``[True, False]``. Aliases are
    refused: a few lines of them expand to gigabytes (an "alias bomb")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed here", event.start_mark)
        return super().compose_node(parent, index)


_ArgumentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ArgumentLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                      list("tTfF"))


LABEL_MAP_BYTES = 4 * 1024 * 1024  # a map of a million labels is well under this


def _key_values(pairs: tuple[str, ...], option: str) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; values are read as YAML (``3``, ``true``, ``[a, b]``), yes/no stay words."""
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} expects KEY=VALUE, got {pair!r}")
        try:
            result[key] = yaml.load(value, Loader=_ArgumentLoader) if value else ""  # noqa: S506 - a SafeLoader
        except yaml.composer.ComposerError as error:
            raise UsageError(f"{option} {key}=...: {error.problem}; write the value out") from None
        except yaml.YAMLError:
            result[key] = value
    return result


def _label_map(path: str | None) -> dict[str, str] | None:
    if path is None:
        return None
    from zoo.files import read_bounded

    raw = read_bounded(path, limit=LABEL_MAP_BYTES, what="--label-map")
    try:
        mapping = yaml.load(raw.decode("utf-8"), Loader=_ArgumentLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError as error:
        raise UsageError(f"--label-map {path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise UsageError(f"--label-map {where}: invalid YAML: {getattr(error, 'problem', None) or error}") from error
    if not isinstance(mapping, dict):
        found = "it is empty" if mapping is None else f"not a {type(mapping).__name__}"
        raise UsageError(f"--label-map {path} must map dataset label names to model label names "
                         f"(YAML `dataset label: model label` lines); {found}")
    for key, value in mapping.items():
        if not (isinstance(key, str) and isinstance(value, str)):
            # YAML reads 0: 1 as numbers; label names are strings.
            raise UsageError(f"--label-map {path}: entry {key!r}: {value!r} must map a label name to a label name; "
                             "quote names that look like numbers or booleans ('0': '1')")
    return mapping


def _fmt(value: Any) -> str:
    """Four decimals; rounded first, so a difference of -0.00004 prints 0.0000, never -0.0000."""
    if isinstance(value, float):
        return f"{round(value, 4) + 0.0:.4f}"  # adding 0.0 turns -0.0 into 0.0
    return "-" if value is None else str(value)


def _single_table(run: dict[str, Any]) -> str:
    reported = {row["metric"]: row for row in run["reported"]}
    rows = []
    for name, value in run["metrics"].items():
        row = reported.get(name, {})
        # A --limit slice is not the protocol the reported value was measured with.
        difference = _fmt(row.get("difference")) if row.get("comparable", True) else "n/a (--limit)"
        rows.append([name, _fmt(value), _fmt(row.get("reported")), difference])
    return table(["metric", "value", "reported", "difference"], rows)


def _summary(run: dict[str, Any]) -> str:
    samples, info = run["samples"], run["run"]
    skipped = f", {samples['skipped']} skipped" if samples["skipped"] else ""
    limit = f" (--limit {run['dataset']['limit']})" if run["dataset"]["limit"] else ""
    return (f"{run['model']['id']} on {run['dataset']['id']} [{run['dataset']['split']}]{limit}: "
            f"{samples['evaluated']} samples{skipped}, {info['samples_per_second']} samples/s on {info['device']} "
            f"({info['dtype']}, batch {info['batch_size']}, {info['world_size']} process(es))")


def _failed(run: dict[str, Any]) -> bool:
    return run.get("status") == "failed"


def _comparison(runs: list[dict[str, Any]], *, error_column: bool) -> tuple[list[str], list[list[Any]]]:
    """One row per model; a model that failed keeps its row, with the reason in the ``error`` column.
    Beside each reproduced metric that some model's catalogue entry reports for this dataset and split,
    a ``<metric> reported`` column has the catalogue's value (``-`` where a model reports none)."""
    metric_names = list(dict.fromkeys(name for run in runs for name in run["metrics"]))
    reported = [_reported_values(run) for run in runs]
    columns = [(name, reported_too) for name in metric_names for reported_too in (False, True)
               if not reported_too or any(name in values for values in reported)]
    headers = ["model", *[f"{name} reported" if reported_too else name for name, reported_too in columns],
               "samples/s", "params"] + (["error"] if error_column else [])
    rows = []
    for run, values in zip(runs, reported):
        if _failed(run):
            row = [run["model"]["id"], *["-" if reported_too else "failed" for _, reported_too in columns], "-", "-"]
        else:
            row = [run["model"]["id"],
                   *[_fmt(values.get(name) if reported_too else run["metrics"].get(name)) for name, reported_too in columns],
                   run["run"]["samples_per_second"], format_count(run["model"]["parameters"])]
        rows.append(row + ([run.get("error", "")] if error_column else []))
    return headers, rows


def _reported_values(run: Mapping[str, Any]) -> dict[str, float]:
    """A run record's catalogue values for its dataset and split (its ``reported`` list), by metric."""
    values: dict[str, float] = {}
    for row in run.get("reported") or ():
        if isinstance(row, Mapping) and isinstance(row.get("reported"), (int, float)):
            values.setdefault(str(row.get("metric")), float(row["reported"]))
    return values


def _write_csv(path: str, runs: list[dict[str, Any]]) -> None:
    from zoo.engine.record import write_atomic

    headers, rows = _comparison(runs, error_column=True)  # a CSV keeps the same columns whatever failed
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue())


@click.command("run")
@click.argument("names", nargs=-1, metavar="MODEL... | MODEL INPUT...")
@click.option("--dataset", "-d", help="Evaluate on this dataset (default: the model's default dataset).")
@click.option("--split", help="Dataset split (default: the dataset's default split).")
@click.option("--metric", "metrics", multiple=True, help="Metric to compute (repeatable; default: the task's).")
@click.option("--batch-size", "-b", type=int, help="Samples per batch (default 32).")
@click.option("--num-workers", type=int, help="Data-loader worker processes (default: chosen from the CPU count).")
@click.option("--device", help="auto, cpu, cuda, cuda:N or mps (default auto).")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16", "float16"]),
              help="float32 (default), or bfloat16/float16: the forward pass under torch.autocast, weights float32.")
@click.option("--channels-last/--no-channels-last", default=None,
              help="Image batches in the channels-last memory format (default: on for image models).")
@click.option("--compile", "compile", is_flag=True, default=None,
              help="torch.compile the model first: slow to start, faster on long runs.")
@click.option("--limit", type=int, help="Evaluate only the first N samples: a quick smoke run.")
@click.option("--seed", type=int, help="Random seed (default 0).")
@click.option("--on-error", type=click.Choice(["fail", "skip"]), help="A corrupt sample stops the run (fail, default) or is skipped and counted.")
@click.option("--label-map", type=click.Path(dir_okay=False), help="YAML/JSON file mapping dataset labels to model labels.")
@click.option("--model-arg", "model_args", multiple=True, metavar="KEY=VALUE", help="Builder argument for the model (repeatable).")
@click.option("--random-init", is_flag=True,
              help="Build a template (`zoo list builders`) with random weights instead of refusing: outputs mean nothing.")
@click.option("--dataset-arg", "dataset_args", multiple=True, metavar="KEY=VALUE", help="Builder argument for the dataset, e.g. root=/data/val.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the JSON run record here (several models: all records).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the comparison table as CSV.")
@click.option("--save-predictions", type=click.Path(dir_okay=False), help="Write one JSON line per sample.")
@click.option("--json", "as_json", is_flag=True, help="Print the record (or predictions) as JSON on stdout.")
@click.option("--top-k", type=int, default=5, show_default=True, help="Labels to show per input when predicting.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--from", "from_record", type=click.Path(dir_okay=False, exists=True), help="Repeat the run(s) a record describes.")
@click.option("--strict", is_flag=True, help="With --from: refuse when the weights or the data differ from the record's.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="The results store to keep records in and answer from (or ZOO_RESULTS; default: in zoo's cache).")
@click.option("--no-store", is_flag=True, help="Keep nothing in the results store, answer nothing from it (or ZOO_NO_STORE=1).")
@click.option("--rerun", is_flag=True, help="Run even when the results store already holds this exact run.")
@click.pass_context
def run_command(ctx: click.Context, names: tuple[str, ...], dataset: str | None, from_record: str | None,
                as_json: bool, top_k: int, quiet: bool, output: str | None, csv_path: str | None,
                save_predictions: str | None, model_args: tuple[str, ...], dataset_args: tuple[str, ...],
                label_map: str | None, metrics: tuple[str, ...], strict: bool, results_path: str | None,
                no_store: bool, rerun: bool, random_init: bool, **options: Any) -> None:
    """Evaluate MODEL(s) on a dataset, or predict on INPUTs.

    \b
      zoo run digits-resnet18 --dataset digits
      zoo run 'resnet*' convnext_tiny.fb_in1k --dataset imagenet-1k --dataset-arg root=val/
      zoo run efficientnet-lite0-offline cat.jpg   (top-5 labels)
      echo "a great film" | zoo run minilm-rt-polarity -
      zoo run --from record.json                 (repeat a run exactly)

    Several models are compared on the same samples; one that fails is shown with
    its reason, the others still run, and the exit code is 1. Every record is kept
    in the results store (`zoo results`), and a run it already holds (same request,
    weights and data) is answered from it: --rerun runs it again.
    """
    from zoo.engine import evaluate_many
    from zoo.engine.record import check_writable

    registry = ctx.find_root().obj.registry
    progress = not quiet and sys.stderr.isatty()
    from zoo.store import StoreSettings  # here, not at the top: `zoo list` never loads sqlite3

    store_settings = StoreSettings.from_env(results=results_path, no_store=no_store)
    request_options = {**{k: v for k, v in options.items() if v is not None},
                       # recorded with the request, so `--from` and the results store see it
                       "model_args": {**_key_values(model_args, "--model-arg"), **({"random_init": True} if random_init else {})},
                       "dataset_args": _key_values(dataset_args, "--dataset-arg"),
                       "label_map": _label_map(label_map), "metrics": metrics or None}
    for path in (output, csv_path, save_predictions):
        check_writable(path)
    answered = None  # the stored record that answers a single run, when one does

    if strict and not from_record:
        raise UsageError("--strict checks a replay against its record: use it with --from")
    if from_record:
        if names or dataset:
            raise UsageError("--from repeats a recorded run: give no models or --dataset with it")
        strict = strict or ctx.find_root().obj.settings.strict
        store = _open_store(ctx, store_settings)
        runs = _replay(from_record, registry, request_options, save_predictions, progress, strict)
    elif not names:
        raise UsageError("name a model: zoo run MODEL --dataset DATASET (see `zoo list`)")
    elif dataset is None and len(names) > 1 and not _all_models(names, registry):
        given = {"--metric": metrics, "--dataset-arg": dataset_args, "--label-map": label_map, "--output": output,
                 "--csv": csv_path, "--save-predictions": save_predictions, "--split": options.get("split"),
                 "--limit": options.get("limit"), "--on-error": options.get("on_error"),
                 "--num-workers": options.get("num_workers"), "--compile": options.get("compile"),
                 "--channels-last/--no-channels-last": options.get("channels_last"),
                 "--rerun": rerun or None, "--results": results_path}
        evaluation_only = [flag for flag, value in given.items() if value is not None and value != ()]
        if evaluation_only:
            raise UsageError(f"predicting on inputs takes no {', '.join(evaluation_only)}; to evaluate, pass --dataset")
        batch_size = 32 if options.get("batch_size") is None else options["batch_size"]  # 0 is refused, not 32
        results = api.predict(names[0], _inputs(names[1:]), top_k=top_k, batch_size=batch_size,
                              device=options.get("device") or "auto", dtype=options.get("dtype") or "float32",
                              model_args=request_options["model_args"], registry=registry, progress=progress)
        _print_predictions(results, as_json)
        return
    else:
        models = api.expand_models(names, registry=registry)
        store = _open_store(ctx, store_settings)
        if len(models) == 1:
            runs, answered = _single(models[0], dataset, registry, store, rerun, save_predictions, progress,
                                     request_options)
        else:
            if save_predictions:
                raise UsageError("--save-predictions takes one model; run the models one at a time")
            runs = evaluate_many(models, dataset, registry=registry, progress=progress, **request_options)

    failed = [finished for finished in runs if _failed(finished)]
    if not _is_main():
        return
    # Results are shown before any file is written: a full disk costs a file, never the results.
    if as_json:
        echo_json(runs[0] if len(runs) == 1 else {"runs": runs})
    elif len(runs) == 1:
        click.echo(_single_table(runs[0]))
    else:
        click.echo(table(*_comparison(runs, error_column=bool(failed)), shrink=("error",)))
    if answered is not None:
        click.echo(f"zoo: answered from the results store (record {answered.id}, {answered.local_time}); "
                   "--rerun to run again", err=True)
    if not as_json:
        for finished in runs:
            click.echo(f"{finished['model']['id']} failed: {printable(finished['error'])}" if _failed(finished)
                       else _summary(finished), err=True)
    not_kept = keep_records(store, [] if answered is not None else runs)
    try:
        _write_outputs(runs, output, csv_path, as_json)
    except OutputNotWritten as error:
        raise OutputNotWritten(f"{error}; {not_kept}" if not_kept else str(error)) from None
    if not_kept and not failed:
        raise NotStored(not_kept)
    if not_kept:  # a failed model's exit status is the error below; this one is said too
        click.echo(f"zoo: error: {printable(not_kept)}", err=True)
    if failed:
        raise RunsFailed(f"{len(failed)} of {len(runs)} model(s) failed: "
                         f"{', '.join(finished['model']['id'] for finished in failed)}")


def _write_outputs(runs: list[dict[str, Any]], output: str | None, csv_path: str | None, as_json: bool) -> None:
    """The record and the CSV; each is tried, and a failure says where the results still are."""
    from zoo.engine.record import write_json

    writers = ((output, lambda: write_json(output, runs[0] if len(runs) == 1 else {"runs": runs})),
               (csv_path, lambda: _write_csv(csv_path, runs)))  # type: ignore[arg-type]
    problems = []
    for path, write in writers:
        if path is None:
            continue
        try:
            write()
        except OSError as error:  # a full disk, a vanished folder: nothing half-written is left (atomic)
            problems.append(f"cannot write {path}: {error.strerror or error}")
    if problems:
        where = ("the whole record is on stdout above" if as_json else
                 "the metrics are printed above; rerun with --json > FILE on another disk for the whole record")
        raise OutputNotWritten(f"{'; '.join(problems)}; {where}")


def _replay(path: str, registry: Any, request_options: dict[str, Any], save_predictions: str | None,
            progress: bool, strict: bool) -> list[dict[str, Any]]:
    """The run(s) a record holds, run again: one model, or each model of a comparison."""
    from zoo.engine import RunRequest, compare, plan, run
    from zoo.engine.record import load_record
    from zoo.engine.replay import ReplaySource, recorded_runs

    saved = recorded_runs(load_record(path), where=path)
    where = [path if len(saved) == 1 else f"{path} runs[{index}]" for index in range(len(saved))]
    # Options given with --from change the recorded run (say --device cuda); none are ignored.
    plans = [plan(RunRequest.from_record(one, where=place, **request_options), registry)
             for one, place in zip(saved, where)]
    replays = [ReplaySource(one, place, strict) for one, place in zip(saved, where)]
    if len(plans) == 1:
        return [run(plans[0], registry, save_predictions=save_predictions, progress=progress, replay=replays[0])]
    if save_predictions:
        raise UsageError("--save-predictions takes one model; this record compares several")
    return compare(plans, registry, progress=progress, replays=replays)


def _single(model: str, dataset: str | None, registry: Any, store: Any, rerun: bool, save_predictions: str | None,
            progress: bool, options: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """One model's run, or the stored record that answers it (and that stored record)."""
    from zoo.engine.evaluate import plan_named
    from zoo.engine.stored import evaluate_or_answer

    checked = plan_named(model, dataset, registry, **options)
    record, answered = evaluate_or_answer(checked, registry, store, rerun=rerun, progress=progress,
                                          save_predictions=save_predictions)
    return [record], answered


def _open_store(ctx: click.Context, settings: Any) -> Any:
    """The results store ``zoo run`` keeps records in, opened before anything runs (a damaged store
    fails now, not after an hour's run); None with --no-store, and on every rank but 0."""
    if not settings.enabled or not _is_main():
        return None
    from zoo.store import ResultsStore

    store = ResultsStore.open(settings.path)
    ctx.call_on_close(store.close)
    return store


def keep_records(store: Any, records: list[dict[str, Any]], *, kind: str = "run", shown: str = "results"
                 ) -> str | None:
    """Add each record to the store (each its own transaction); None, or what could not be kept and why
    (``shown``: what the command printed, so nothing measured is lost)."""
    if store is None:
        return None
    from zoo.store import StoreError

    try:
        with store:
            for record in records:
                store.add(record, kind=kind)
    except StoreError as error:
        return f"{error} (the {shown} are shown above; `--output FILE` keeps a record too)"
    return None


def _all_models(names: tuple[str, ...], registry: Any) -> bool:
    """True when every name is a model or a pattern: then it is a comparison, not a prediction."""
    from zoo.errors import ZooError

    for name in names:
        if any(ch in name for ch in "*?["):
            continue
        try:
            registry.get(name, "model")
        except ZooError:
            return False
    return True


def _is_main() -> bool:
    return os.environ.get("RANK", "0") == "0"


def _inputs(items: tuple[str, ...]) -> list[str]:
    inputs: list[str] = []
    for item in items:
        if item == "-":
            inputs += [line.rstrip("\n") for line in sys.stdin if line.strip()]
        else:
            inputs.append(item)
    return inputs


def _print_predictions(results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    # One record per line, fields split by tabs: labels may hold commas ("tabby, tabby cat").
    for result in results:
        if "transcript" in result:
            click.echo(f"{_field(result['input'])}\t{_field(result['transcript'])}")
            continue
        for top in result["top"]:
            score = "-" if top.get("score") is None else f"{top['score']:.3f}"  # None: the model gives no confidence
            click.echo(f"{_field(result['input'])}\t{_field(top['label'])}\t{score}")


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: Any) -> str:
    """A tab-separated field: backslash, tab and line breaks escaped, so a line is always one record;
    terminal escape sequences and bidi overrides (a label from weights' metadata) shown escaped too."""
    return printable(str(value).translate(_ESCAPES))


COMMANDS = (run_command,)
