"""Catalogue files: concrete models as data, checked field by field.

A catalogue is a YAML mapping ``{version: 1, models: [...]}``, or a JSON Lines
file (``.jsonl``, one model entry per line; see :mod:`zoo.jsonl_loader`). Each model names
the registered model whose builder it reuses (``builder: timm`` or
``builder: vision:timm``) and adds its arguments, weights, licence, size and
reported metrics. Every problem names file:line:column and the field path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from zoo import schema
from zoo.errors import AmbiguousNameError, NotFoundError
from zoo.registry import Registry, Unavailable
from zoo.specs import ModelSpec, Origin, WeightsSpec, spec_from_fields
from zoo.jsonl_loader import JSONL_SUFFIXES, load_jsonl
from zoo.yaml_loader import Document, load_yaml

__all__ = ["CATALOGUE_VERSION", "load_document", "read_catalogue"]

CATALOGUE_VERSION: Final = 1
TOP_LEVEL: Final = ("version", "models")


def _check_top_level(doc: Document) -> list[str]:
    data = doc.data
    if not isinstance(data, Mapping):
        return [doc.problem("", "a catalogue is a mapping with keys 'version' and 'models'")]
    problems = [doc.problem(str(key), f"unknown top-level key; expected {', '.join(TOP_LEVEL)}")
                for key in data if key not in TOP_LEVEL]
    version = data.get("version")
    if version is None:
        problems.append(doc.problem("version", "required field is missing (use `version: 1`)"))
    elif isinstance(version, bool) or version != CATALOGUE_VERSION or not isinstance(version, int):
        problems.append(doc.problem("version", f"expected {CATALOGUE_VERSION}, got {version!r}"))
    if not isinstance(data.get("models", []), list):
        problems.append(doc.problem("models", "expected a list of model entries"))
    return problems


def _absolute_weights(weights: Mapping[str, Any], doc: Document) -> WeightsSpec:
    """Relative weight paths are relative to the catalogue file, wherever zoo runs."""
    uri = weights["uri"]
    if not uri.startswith(schema.URI_SCHEMES):
        uri = str((doc.path.parent / uri).resolve())
    return WeightsSpec(uri=uri, sha256=weights.get("sha256"), format=weights.get("format"))


def load_document(path: str | os.PathLike[str]) -> Document:
    """A catalogue file as plain data with locations: JSON Lines by its ``.jsonl`` suffix, else YAML."""
    if str(path).lower().endswith(JSONL_SUFFIXES):
        return load_jsonl(path)
    return load_yaml(path)


def read_catalogue(path: str | os.PathLike[str], registry: Registry, *, namespace: str | None = None,
                   unavailable_is_error: bool = False) -> tuple[list[ModelSpec], list[str]]:
    """Parse and check one catalogue against the registry's builders, tasks and metrics.

    ``namespace`` is the plugin that ships the file; entries of the top-level
    and user catalogues belong to the plugin of the builder they name. Entries
    whose builder's plugin is not installed are recorded in
    ``registry.unavailable`` (an error only with ``unavailable_is_error``).
    """
    doc = load_document(path)
    problems = _check_top_level(doc)
    if problems:
        return [], problems
    problems = list(doc.problems)
    specs: list[ModelSpec] = []
    first_line: dict[str, str] = {}
    for index, entry in enumerate(doc.data.get("models") or []):
        at = f"models[{index}]"
        entry_problems = schema.check_fields("model", entry, path=at, catalogue=True)
        if not entry_problems and entry["name"] in first_line:
            entry_problems = [(f"{at}.name", f"duplicate model {entry['name']!r} (first at {first_line[entry['name']]})")]
        if entry_problems:
            problems += [doc.problem(p, m) for p, m in entry_problems]
            continue
        first_line[entry["name"]] = doc.where(at)
        spec, entry_problems = _entry_spec(entry, at, doc, registry, namespace, unavailable_is_error)
        problems += [doc.problem(p, m) for p, m in entry_problems]
        if spec is not None:
            specs.append(spec)
    return specs, problems


def _entry_spec(entry: Mapping[str, Any], at: str, doc: Document, registry: Registry, namespace: str | None,
                unavailable_is_error: bool) -> tuple[ModelSpec | None, list[tuple[str, str]]]:
    """One well-formed entry checked against the registry: its spec, or the problems."""
    # The builder first: an entry whose plugin is absent is set aside quietly, whatever its task. That is
    # decided before any lookup: a failed lookup's message looks through every entry set aside so far.
    plugin = entry["builder"].split(":", 1)[0] if ":" in entry["builder"] else None
    record = registry.plugin(plugin) if plugin else None
    if plugin and (record is None or record.status != "loaded") and not unavailable_is_error:
        state = "is not installed" if record is None else f"is {record.status}"
        registry.unavailable.append(Unavailable(entry["name"], "model", plugin, doc.where(at),
                                                f"its builder {entry['builder']!r} comes from plugin {plugin!r}, which {state}"))
        return None, []
    try:
        base: ModelSpec = registry.get(entry["builder"], "model")
    except (NotFoundError, AmbiguousNameError) as error:
        return None, [(f"{at}.builder", f"unknown builder: {error}")]
    tasks = {task.name for task in registry.entries["task"].values()}  # not registry.tasks: no sort per entry
    if tasks and entry["task"] not in tasks:
        return None, [(f"{at}.task", f"unknown task {entry['task']!r}; known tasks: {', '.join(sorted(tasks))}")]
    escapes = _escaping_paths(entry, at, doc)
    if escapes:
        return None, escapes
    if namespace is None and (entry.get("args") or {}).get("remote_code_allowed"):
        # Running a repository's code is reviewed with a plugin's own code, not granted by any YAML file.
        return None, [(f"{at}.args.remote_code_allowed", "only a catalogue shipped inside an installed plugin "
                       "package may allow remote code; user catalogues (--registry, ZOO_REGISTRY) and the "
                       "community catalogue cannot")]
    if entry["task"] != base.task:
        return None, [(f"{at}.task", f"{entry['task']!r} does not match the task of builder {base.id} ({base.task!r})")]
    problems = _check_reported(entry, at, registry, prefer=(namespace, base.plugin))
    if problems:
        return None, problems
    weights = _absolute_weights(entry["weights"], doc) if entry.get("weights") else base.weights
    fields = {**entry, "builder": base.builder, "args": {**base.args, **(entry.get("args") or {})}, "weights": None}
    spec = replace(spec_from_fields("model", fields, Origin(namespace or base.plugin, doc.where(at))),  # type: ignore[type-var]
                   based_on=base.id, weights=weights)
    clash = registry.entries["model"].get(spec.id)
    if clash is not None:
        return None, [(f"{at}.name", f"model {spec.id!r} is already defined at {clash.origin.where}; rename one of them")]
    return spec, []


def _escaping_paths(entry: Mapping[str, Any], at: str, doc: Document) -> list[tuple[str, str]]:
    """Paths a catalogue gives stay inside its folder, symlinks included.

    A shared catalogue must not make zoo read ``/etc/passwd`` as a checkpoint, or
    follow a link out of the folder that a reviewer looked at.
    """
    problems = []
    uri = (entry.get("weights") or {}).get("uri")
    if uri and not uri.startswith(schema.URI_SCHEMES):
        folder = doc.path.parent.resolve()
        target = (doc.path.parent / uri).resolve()  # follows every symlink on the way
        if target != folder and folder not in target.parents:
            problems.append((f"{at}.weights.uri", f"{uri!r} leads outside the catalogue's folder (to {target}, "
                                                  "through a symlink); keep weights inside it"))
    for path, value in _strings(entry.get("args") or {}, f"{at}.args"):
        parts = value.replace("\\", "/").split("/")
        if ".." in parts or value.startswith(("/", "~")):
            problems.append((path, f"{value!r} points outside the catalogue's folder; catalogue arguments may not "
                                   "name absolute paths or '..' (a user passes their own with --model-arg)"))
    return problems


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [found for key, item in value.items() for found in _strings(item, f"{path}.{key}")]
    if isinstance(value, (list, tuple)):
        return [found for index, item in enumerate(value) for found in _strings(item, f"{path}[{index}]")]
    return []


def _check_reported(entry: Mapping[str, Any], at: str, registry: Registry,
                    prefer: tuple[str | None, ...] = ()) -> list[tuple[str, str]]:
    problems = []
    for i, reported in enumerate(entry.get("reported") or []):
        try:
            # The entry's own plugin's metric first, then the task owner's: a newcomer's `accuracy` cannot
            # make this catalogue's `accuracy` ambiguous.
            metric = registry.metric(reported["metric"], entry["task"], prefer=tuple(p for p in prefer if p))
        except (NotFoundError, AmbiguousNameError) as error:
            problems.append((f"{at}.reported[{i}].metric", str(error)))
            continue
        if schema.out_of_range(reported["value"], metric.range):
            problems.append((f"{at}.reported[{i}].value", _range_message(reported["value"], metric)))
    return problems


def _range_message(value: float, metric: Any) -> str:
    low, high = ("-inf" if metric.range[0] is None else metric.range[0]), ("inf" if metric.range[1] is None else metric.range[1])
    return (f"{value} is outside the range of metric {metric.id} [{low}, {high}]; "
            "metrics are fractions (0.754, not 75.4)")
