"""``zoo list``, ``zoo info``, ``zoo plugins`` and ``zoo validate``: nothing here imports torch."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from zoo import api
from zoo.catalogue import read_catalogue
from zoo.schema import spdx_problems
from zoo.printable import printable
from zoo.cli.render import card_lines, echo_json, format_count, table, to_jsonable
from zoo.errors import CatalogueError, UsageError
from zoo.loader import catalogue_files
from zoo.presence import model_state, model_states
from zoo.registry import Registry, same_dataset
from zoo.reproduce import reproduce_commands
from zoo.specs import KINDS, ModelSpec, Spec

LIST_KINDS = ("models", "builders", "datasets", "metrics", "tasks", "plugins")


def _state(ctx: click.Context) -> Any:
    return ctx.find_root().obj


def headline_metric(spec: ModelSpec, registry: Registry, main_metrics: dict[str, str] | None = None,
                    dataset: str | None = None, sorted_by: str | None = None) -> str:
    """The reported value of the task's main metric (its first default), as
    ``top1 0.8037 (imagenet-1k)``; the first reported value if that has none.
    ``main_metrics``: :func:`main_metrics` of the registry, when many rows are shown;
    ``dataset``: only the values reported on that dataset; ``sorted_by``: the metric the rows are
    sorted by, shown first (the values the order comes from)."""
    reported = [value for value in spec.reported_values() if dataset is None or same_dataset(value[2], dataset)]
    if not reported:
        return "-"
    main = (main_metrics if main_metrics is not None else main_metrics_of(registry)).get(spec.task)
    wanted = [name.split(":", 1)[-1] for name in (sorted_by, main) if name]
    metric, value, dataset = next((r for name in wanted for r in reported if r[0] == name), reported[0])
    return f"{metric} {value:.4g} ({dataset})"


def main_metrics_of(registry: Registry) -> dict[str, str]:
    """Each task's main metric (its first default)."""
    return {task.name: task.default_metrics[0] for task in registry.tasks if task.default_metrics}


def _display_name(spec: Spec, registry: Registry) -> str:
    """The short name while it is unique, else ``plugin:name`` (an index lookup: no scan per row)."""
    return spec.name if len(registry.named(spec.kind, spec.name)) == 1 else spec.id


# Columns cut (in this order) to fit a narrow terminal; names never are.
SHRINK = {"model": ("reported", "license"), "builder": ("description", "weights from"),
          "dataset": ("description", "license", "splits"), "metric": ("description",)}
PLUGIN_SHRINK = ("error", "contributed", "hooks")


def _rows(kind: str, specs: list[Any], registry: Registry, here: list[str | None] | None = None,
          dataset: str | None = None, sorted_by: str | None = None) -> tuple[list[str], list[list[Any]]]:
    if kind == "model":
        states = here if here is not None else model_states(specs)
        main = main_metrics_of(registry)
        return (["name", "task", "plugin", "here", "params", "license", "reported"],
                [[_display_name(s, registry), s.task, s.plugin, state or "-", format_count(s.params), s.license,
                  headline_metric(s, registry, main, dataset, sorted_by)] for s, state in zip(specs, states)])
    if kind == "builder":
        return (["template", "task", "plugin", "weights from", "description"],
                [[_display_name(s, registry), s.task, s.plugin, _weights_from(s), s.description] for s in specs])
    if kind == "dataset":
        return (["name", "task", "plugin", "splits", "license", "description"],
                [[_display_name(s, registry), s.task, s.plugin, ",".join(s.splits), s.license, s.description]
                 for s in specs])
    if kind == "metric":
        return (["name", "tasks", "plugin", "better", "description"],
                [[_display_name(s, registry), ",".join(s.tasks), s.plugin, "higher" if s.higher_is_better else "lower",
                  s.description] for s in specs])
    return (["name", "plugin", "input", "target", "default metrics"],
            [[s.name, s.plugin, s.input, s.target, ",".join(s.default_metrics)] for s in specs])


def _weights_from(spec: ModelSpec) -> str:
    """How a template gets trained weights: its own (a bundled model), or the arguments that give them."""
    if spec.weights is not None:
        return f"its own ({spec.weights.uri})"
    return ", ".join(f"{name}=" for name in spec.weights_args or ()) or "a catalogue entry"


PLUGIN_COLUMNS = ("plugin", "distribution", "version", "status", "hooks", "contributed", "error")


def plugin_rows(registry: Registry) -> list[list[Any]]:
    """What ``zoo plugins`` shows of each plugin, in :data:`PLUGIN_COLUMNS` (the web's plugins page too)."""
    return [[r.name, r.distribution or "-", r.version or "-", r.status,
             ",".join(hook.removeprefix("register_") for hook in r.hooks) or "-",
             ", ".join(f"{len(v)} {k}" for k, v in sorted(r.contributed.items())) or "-",
             r.error or ""] for r in registry.plugins]


@click.command("list")
@click.argument("kind_or_pattern", required=False, metavar="[KIND]")
@click.argument("pattern", required=False)
@click.option("--task", help="Only entries of this task.")
@click.option("--tag", help="Only entries with this tag (fnmatch pattern).")
@click.option("--plugin", help="Only entries from this plugin.")
@click.option("--license", "license_", metavar="SPDX", help="Only entries under this licence.")
@click.option("--sort", "sort_by", metavar="FIELD",
              help="Order models by a reported metric (best first), params (smallest first) or name.")
@click.option("--top", type=click.IntRange(min=1), metavar="N", help="Only the first N models (after --sort).")
@click.option("--dataset", metavar="NAME",
              help="Only models reporting numbers on this dataset; --sort, --min and --max read those numbers.")
@click.option("--min-params", metavar="COUNT", help="Only models with at least this many parameters: 5000000, 5M, 350K.")
@click.option("--max-params", metavar="COUNT", help="Only models with at most this many parameters: 10M.")
@click.option("--min", "minimum", multiple=True, metavar="METRIC=VALUE",
              help="Only models reporting at least VALUE of METRIC: --min top1=0.8 (repeatable).")
@click.option("--max", "maximum", multiple=True, metavar="METRIC=VALUE",
              help="Only models reporting at most VALUE of METRIC: --max wer=0.2 (repeatable).")
@click.option("--available", "--here", "available", is_flag=True,
              help="Only models that run here now: their files bundled or cached (`zoo pull` fetches the others).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--unavailable", is_flag=True,
              help="List the entries set aside instead: their plugin is not installed or their task not provided.")
@click.pass_context
def list_command(ctx: click.Context, kind_or_pattern: str | None, pattern: str | None, task: str | None,
                 tag: str | None, plugin: str | None, license_: str | None, sort_by: str | None, top: int | None,
                 dataset: str | None, min_params: str | None, max_params: str | None, minimum: tuple[str, ...], maximum: tuple[str, ...],
                 available: bool, as_json: bool, unavailable: bool) -> None:
    """List models (default), builders, datasets, metrics, tasks or plugins.

    KIND is one of models, builders, datasets, metrics, tasks, plugins; PATTERN is an
    fnmatch pattern ('resnet*') or a substring, matched on name and plugin:name.

    \b
    Models show where they run (`here`): bundled (ships in an installed package),
    cached (every file in the local caches), pull (`zoo pull NAME` fetches it) or
    missing (a local file that is not there). Builders are the templates (generic
    builders such as timm): not models until given weights.
    """
    kind = "models"
    if kind_or_pattern in LIST_KINDS:
        kind = kind_or_pattern
    elif kind_or_pattern is not None:
        if pattern is not None:
            raise UsageError(f"unknown kind {kind_or_pattern!r}; use one of {', '.join(LIST_KINDS)}")
        pattern = kind_or_pattern
    registry = _state(ctx).registry
    if unavailable:
        _print_unavailable(registry, kind, as_json)
        return
    if kind == "plugins":
        _print_plugins(registry, as_json)
        return
    # An empty table for a misspelt filter would read as "there is nothing"; say what exists instead.
    if task and task not in {t.name for t in registry.tasks}:
        raise UsageError(f"unknown task {task!r}; known tasks: {', '.join(t.name for t in registry.tasks) or 'none'}")
    if plugin and registry.plugin(plugin) is None:
        raise UsageError(f"no plugin named {plugin!r}; plugins: {', '.join(r.name for r in registry.plugins) or 'none'}")
    filters = {"task": task, "tag": tag, "plugin": plugin, "license": license_}
    finders = {"models": api.list_models, "datasets": api.list_datasets}
    if (sort_by or top) and kind not in ("models", "builders"):
        raise UsageError(f"--{'sort' if sort_by else 'top'} applies to models, not {kind}")
    if available and kind != "models":
        raise UsageError(f"--available applies to models, not {kind}")
    if dataset is not None and kind != "models":
        raise UsageError(f"--dataset applies to models (those reporting numbers on it), not {kind}")
    bounds = {"min_params": min_params, "max_params": max_params, "minimum": _bounds("--min", minimum),
              "maximum": _bounds("--max", maximum)}
    given = next((option for option, value in zip(("--min-params", "--max-params", "--min", "--max"), bounds.values())
                  if value), None)
    if given and kind != "models":
        raise UsageError(f"{given} applies to models, not {kind}")
    here: list[str | None] | None = None
    if kind in ("models", "builders"):
        specs = api.list_models(pattern, registry=registry, sort=sort_by, top=top, templates=kind == "builders",
                                available=available, dataset=dataset, **filters, **bounds)
        # Only the rows shown are looked up on disk: a few stat calls each (zoo.presence).
        here = model_states(specs) if kind == "models" else None
    elif kind in finders:
        specs = finders[kind](pattern, registry=registry, **filters)
    else:
        given = [name for name in ("tag", "license") if filters[name]]
        if given:
            raise UsageError(f"--{given[0]} does not apply to {kind}")
        specs = registry.filter(kind[:-1], pattern, task=task, plugin=plugin)
    if as_json:
        if kind == "models":
            echo_json([{"id": s.id, **to_jsonable(s), "here": state} for s, state in zip(specs, here or [])])
        else:
            echo_json([{"id": s.id, **to_jsonable(s)} for s in specs])
        return
    headers, rows = _rows(kind[:-1], specs, registry, here, dataset, sort_by)
    if rows:
        click.echo(table(headers, rows, shrink=SHRINK.get(kind[:-1], ())))
    else:
        click.echo(f"no {kind} match" + (" that run here (`zoo pull NAME` fetches a model's files)" if available else ""))


def _bounds(option: str, given: tuple[str, ...]) -> dict[str, float]:
    """``--min top1=0.8`` (repeatable) -> ``{"top1": 0.8}``."""
    bounds = {}
    for text in given:
        name, equals, value = text.partition("=")
        try:
            bounds[name.strip()] = float(value)
        except ValueError:
            equals = ""
        if not equals or not name.strip():
            raise UsageError(f"{option} {text!r}: write METRIC=VALUE, e.g. {option} top1=0.8")
    return bounds


def _print_unavailable(registry: Registry, kind: str, as_json: bool) -> None:
    """Entries set aside quietly: in a catalogue or a plugin, but their builder's plugin or their task is missing."""
    entries = [entry for entry in registry.unavailable if kind == "models" and entry.kind == "model"
               or entry.kind + "s" == kind]
    if as_json:
        echo_json([{"name": e.name, "kind": e.kind, "plugin": e.plugin, "where": e.where, "reason": e.reason}
                   for e in entries])
    elif entries:
        click.echo(table(["name", "kind", "plugin", "where", "reason"],
                         [[e.name, e.kind, e.plugin, e.where, e.reason] for e in entries], shrink=("reason", "where")))
    else:
        click.echo(f"no {kind} are set aside: every entry's plugin and task is here")


def _print_plugins(registry: Registry, as_json: bool) -> None:
    if as_json:
        echo_json([r.as_dict() for r in registry.plugins])
    elif registry.plugins:
        click.echo(table(PLUGIN_COLUMNS, plugin_rows(registry), shrink=PLUGIN_SHRINK))
    else:
        click.echo("no plugins installed (plugins are packages with an entry point in group 'zoo')")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def plugins_command(ctx: click.Context, as_json: bool) -> None:
    """Show every plugin: distribution, version, hooks, contributions and errors."""
    _print_plugins(_state(ctx).registry, as_json)


@click.command("info")
@click.argument("name")
@click.option("--kind", type=click.Choice([k for k in KINDS]), help="When a name is both, say which kind.")
@click.option("--json", "as_json", is_flag=True, help="Print the card as JSON.")
@click.pass_context
def info_command(ctx: click.Context, name: str, kind: str | None, as_json: bool) -> None:
    """Print the whole card of a model, dataset, metric or task."""
    spec = api.get(name, kind, registry=_state(ctx).registry)
    fields = {"id": spec.id, "kind": spec.kind, **to_jsonable(spec)}
    fields["origin"] = str(spec.origin)
    if isinstance(spec, ModelSpec):
        fields["here"] = model_state(spec)
    if as_json:
        echo_json(fields)
        return
    if not fields.get("template"):
        fields.pop("template", None)  # a card says "template: True" only of templates
    click.echo("\n".join(card_lines(fields)))
    if isinstance(spec, ModelSpec):
        for command in reproduce_commands(spec, _state(ctx).registry):
            click.echo(f"reproduce: {printable(command)}")


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def validate_command(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check catalogues (default: every catalogue zoo reads, and the licences of
    every entry plugins register) and list every problem.

    Run it before opening a pull request that changes registry.yaml; it exits
    non-zero when anything is wrong.
    """
    state = _state(ctx)
    registry = state.factory(replace(state.settings, read_catalogues=False))
    targets = [(path, None) for path in files] if files else catalogue_files(registry, state.settings)
    # FILE: that file is judged (and the builders it names), not an unrelated plugin that failed.
    problems = [] if files else [f"plugin {r.name!r}: {r.error}" for r in registry.plugins if r.status == "failed"]
    templates = sum(spec.template for spec in registry.models)  # listed apart: `zoo list builders`
    registered = len(registry.models) - templates
    # Licence ids are checked against the SPDX list here only: loading it would slow every `zoo list`.
    checked: list[Spec] = [] if files else [*registry.models, *registry.datasets]
    read: list[ModelSpec] = []
    for path, namespace in targets:
        try:
            # Without FILE, entries whose plugin is absent are set aside quietly, as everywhere else.
            specs, found = read_catalogue(path, registry, namespace=namespace, unavailable_is_error=bool(files))
        except CatalogueError as error:
            specs, found = [], error.problems
        problems += found
        read += specs
        for spec in specs:
            registry.add(spec)
    unlicensed = set()
    for spec in [*checked, *read]:
        for message in spdx_problems(spec.license):
            problems.append(f"{spec.origin.where}: {spec.kind} {spec.id}: license: {message}")
            unlicensed.add(spec.id)
    for problem in problems:
        click.echo(problem, err=True)
    summary = _validate_summary(len(targets), read, unlicensed, registered, len(problems), bool(files), templates)
    if registry.unavailable and not files:
        plugins = sorted({entry.plugin for entry in registry.unavailable})
        summary += (f"; {len(registry.unavailable)} set aside, their plugin(s) not installed or their task not "
                    f"provided: {', '.join(plugins)} (`zoo list --unavailable`)")
    if problems:
        click.echo(summary, err=True)
        ctx.exit(1)
    click.echo(f"{summary}: OK")


def _validate_summary(catalogues: int, read: list[ModelSpec], unlicensed: set[str], registered: int,
                      problems: int, files_named: bool, templates: int = 0) -> str:
    """What was counted, and how it adds up to what `zoo list` shows.

    `zoo list` shows the models plugins register in code as well as the
    catalogues' entries, and leaves out entries with problems (it warns).
    """
    valid = sum(spec.id not in unlicensed for spec in read)
    summary = f"{catalogues} catalogue(s): {valid} model entries valid"
    if problems:
        summary += f", {problems} problem(s)"
    if not files_named:
        summary += (f"; zoo list shows {len(read) + registered} models ({len(read)} from catalogues, "
                    f"{registered} registered by plugins)")
        if templates:
            summary += f", and zoo list builders {templates} template(s)"
    return summary


COMMANDS = (list_command, info_command, plugins_command, validate_command)
