"""``zoo plugin new``: write a complete plugin package that installs and passes its tests at once.

The package has a light entry module, a small real torch model for the task,
a tiny dataset generated in code (no downloads), a metric, a catalogue with one
entry, the one-line conformance test, a few example tests and a README. The
model and data come from one of four templates, by the task's input and
target: text, image or audio classification, and speech recognition. A task
that is neither built in nor installed is new: the plugin registers it, with
its own metric as the default, and the input kind picks the template.

Templates are package data (``zoo/scaffold/templates``) filled by
:class:`string.Template`; nothing here imports torch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import string
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

from zoo.errors import UsageError
from zoo.plugins import core_distribution
from zoo.registry import Registry
from zoo.schema import NAME_RE

__all__ = ["BUILTIN_TASK_KINDS", "INPUT_KINDS", "PluginNames", "Template", "TEMPLATES", "new_plugin", "plugin_names",
           "render_plugin"]

# The built-in tasks zoo's core provides, by (input kind, target): a plugin adds to them, never registers them.
BUILTIN_TASK_KINDS: Final = {
    "text-classification": ("text", "class"),
    "image-classification": ("image", "class"),
    "audio-classification": ("audio", "class"),
    "speech-recognition": ("audio", "text"),
}
INPUT_KINDS: Final = ("text", "image", "audio")
DEFAULT_TASK: Final = "text-classification"
CORE_PLUGIN: Final = "zoo"  # the name the core's built-in tasks are registered under
PLUGIN_NAME_RE: Final = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


@dataclass(frozen=True)
class Template:
    """The model, dataset and metric a plugin starts from, for one (input kind, target)."""

    folder: str  # under templates/: model.py.tmpl and data.py.tmpl
    model: str  # suffix of the registered builder's name: NAME-<model>
    model_function: str  # the builder, in zoo_NAME.model
    entry: str  # suffix of the catalogue entry's name
    dataset: str  # suffix of the dataset's name
    metric: str  # the plugin's own metric
    metric_template: str  # under templates/metrics/
    metric_function: str  # the metric builder, in zoo_NAME.metrics
    metric_summary: str
    labels: tuple[str, ...]  # the dataset's class names; () for transcripts
    sizes: Mapping[str, int]  # samples per split
    catalogue_args: str  # YAML flow mapping of the catalogue entry's builder arguments
    reported: float  # what `zoo run ENTRY --dataset DATASET --metric METRIC` gives, test split
    params: int
    model_summary: str
    dataset_summary: str


BALANCED_ACCURACY = ("balanced-accuracy", "balanced_accuracy.py.tmpl", "balanced_accuracy",
                     "The mean of the per-class recalls, every class counting equally (torchmetrics)")
TEMPLATES: Final = {
    ("text", "class"): Template(
        "text", "bag-of-words", "build_bag_of_words", "sentiment-lexicon", "reviews", *BALANCED_ACCURACY,
        labels=("negative", "positive"), sizes={"train": 60, "test": 40},
        catalogue_args="{lexicon: {negative: [bad, awful, dull, boring, poor], "
                       "positive: [good, great, fine, lovely, fun]}}",
        reported=0.9, params=22,
        model_summary="word counts over a small vocabulary, one linear layer (weights: +1 for each word of a class)",
        dataset_summary="short reviews made from a fixed word list; the label is the class most of its "
                        "sentiment words belong to"),
    ("image", "class"): Template(
        "image", "edge-cnn", "build_edge_cnn", "stripes-cnn", "stripes", *BALANCED_ACCURACY,
        labels=("checkered", "horizontal", "vertical"), sizes={"train": 60, "test": 45},
        catalogue_args="{image_size: 32}", reported=0.955556, params=27,
        model_summary="a tiny CNN: two 3x3 edge filters (Sobel), their mean absolute response, one linear layer",
        dataset_summary="32x32 pictures of horizontal stripes, vertical stripes or checks, in random colours, "
                        "widths and noise"),
    ("audio", "class"): Template(
        "audio", "band-energy", "build_band_energy", "pitch-bands", "tones", *BALANCED_ACCURACY,
        labels=("high", "low"), sizes={"train": 60, "test": 40},
        catalogue_args="{split_hz: 1000.0}", reported=0.975, params=6,
        model_summary="a spectrogram (torch.stft), the log energy below and above a split frequency, "
                      "one linear layer",
        dataset_summary="half-second 16 kHz clips of one tone, low (200-700 Hz) or high (1.2-4 kHz), in noise"),
    ("audio", "text"): Template(
        "speech", "tone-decoder", "build_tone_decoder", "tone-digits-decoder", "tone-digits",
        "exact-match", "exact_match.py.tmpl", "exact_match",
        "The fraction of clips whose whole transcript is right, after zoo's transcript normalisation",
        labels=(), sizes={"train": 40, "test": 30},
        catalogue_args="{silence_threshold: 5.0}", reported=0.966667, params=2838,
        model_summary="a spectrogram (torch.stft), a linear layer scoring one tone per digit and a blank "
                      "per frame, greedy CTC decoding",
        dataset_summary="16 kHz clips of 2-4 digits, each a tone (500 Hz for zero, +250 Hz a digit), "
                        "transcribed as words"),
}


@dataclass(frozen=True)
class PluginNames:
    """Every name a plugin goes by, derived from the one the author gives."""

    plugin: str  # the entry-point name in group zoo, and the first part of every id: acme-labs
    package: str  # the import package: zoo_acme_labs
    distribution: str  # the name on the package index: zoo-acme-labs


def plugin_names(name: str) -> PluginNames:
    """The plugin, package and distribution names for ``name``, or a UsageError saying what is wrong.

    The name is lower-cased and runs of ``_``, ``.`` and spaces become ``-``:
    ``Acme_Labs`` is plugin ``acme-labs``, package ``zoo_acme_labs``,
    distribution ``zoo-acme-labs``.
    """
    plugin = re.sub(r"[-_.\s]+", "-", name.strip().lower())
    if not plugin:
        raise UsageError("the plugin name is empty; give one such as 'acme'")
    if plugin == "zoo" or plugin.startswith("zoo-"):
        hint = f"; name it {plugin[4:]!r} and its distribution will be zoo-{plugin[4:]}" if plugin[4:] else ""
        raise UsageError(f"plugin name {name!r} is not usable: 'zoo' is the core's own name and the prefix "
                         f"of every plugin's distribution{hint}")
    package = "zoo_" + plugin.replace("-", "_")
    if not PLUGIN_NAME_RE.fullmatch(plugin) or not package.isidentifier():
        normalised = f" (normalised: {plugin!r})" if plugin != name else ""
        raise UsageError(f"plugin name {name!r}{normalised} is not usable: it names the Python package "
                         f"zoo_NAME, so use letters, digits and '-', starting with a letter (say 'acme-labs')")
    return PluginNames(plugin, package, f"zoo-{plugin}")


def _clash(names: PluginNames, registry: Registry) -> str | None:
    """Why the names are taken on this machine, or None."""
    installed = [(CORE_PLUGIN, core_distribution())] + [(r.name, r.distribution) for r in registry.plugins]
    for plugin, distribution in installed:
        if plugin == names.plugin:
            owner = f" (distribution {distribution})" if distribution else ""
            return f"a plugin named {names.plugin!r} is already installed{owner}"
        if distribution and _normalised(distribution) == _normalised(names.distribution):
            return f"distribution {distribution} is already installed, as plugin {plugin!r}"
    if importlib.util.find_spec(names.package) is not None:
        return f"a Python package named {names.package} is already importable here"
    return None


def _normalised(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


@dataclass(frozen=True)
class TaskChoice:
    """The task a new plugin targets, and whether the plugin registers it itself."""

    name: str
    input: str
    target: str
    registers_task: bool
    owner_distribution: str | None = None  # the plugin distribution that provides the task, when not the core


def choose_task(task: str, input_kind: str | None, registry: Registry) -> TaskChoice:
    """A built-in or installed task is targeted as it is; any other name is a new task, which
    the plugin registers, whose samples are of ``input_kind`` (default text)."""
    if not NAME_RE.match(task) or ":" in task:
        raise UsageError(f"task name {task!r} is not usable: use letters, digits, '.', '_', '+' or '-' "
                         "(say 'tabular-classification')")
    spec = next((candidate for candidate in registry.tasks if candidate.name == task), None)
    if task in BUILTIN_TASK_KINDS or spec is not None:
        kind, target = (spec.input, spec.target) if spec is not None else BUILTIN_TASK_KINDS[task]
        if input_kind is not None and input_kind != kind:
            raise UsageError(f"--input {input_kind} does not fit task {task!r}, whose inputs are {kind}; "
                             "leave --input out (it is for new tasks)")
        if (kind, target) not in TEMPLATES:
            raise UsageError(f"task {task!r} takes {kind} inputs with {target} targets, which no template covers; "
                             f"start from a built-in task ({', '.join(BUILTIN_TASK_KINDS)}) and adapt it")
        owner = None
        if spec is not None and task not in BUILTIN_TASK_KINDS:  # another plugin's task: depend on its distribution
            record = registry.plugin(spec.plugin)
            owner = record.distribution if record is not None else None
        return TaskChoice(task, kind, target, registers_task=False, owner_distribution=owner)
    kind = input_kind or "text"
    if kind not in INPUT_KINDS:
        raise UsageError(f"--input {kind!r} is not an input kind; use one of {', '.join(INPUT_KINDS)}")
    return TaskChoice(task, kind, "class", registers_task=True)


def render_plugin(names: PluginNames, task: TaskChoice) -> dict[str, str]:
    """Every file of the plugin package, by path relative to its folder."""
    template = TEMPLATES[(task.input, task.target)]
    values = _values(names, task, template)
    files = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"{names.package}/__init__.py": "entry.py.tmpl",
        f"{names.package}/model.py": f"{template.folder}/model.py.tmpl",
        f"{names.package}/data.py": f"{template.folder}/data.py.tmpl",
        f"{names.package}/metrics.py": f"metrics/{template.metric_template}",
        f"{names.package}/catalogue.yaml": "catalogue.yaml.tmpl",
        f"{names.package}/py.typed": None,
        "tests/test_conformance.py": "test_conformance.py.tmpl",
        f"tests/{_test_file(names)}": f"{template.folder}/test_plugin.py.tmpl",
    }
    return {path: _render(source, values) if source else "" for path, source in files.items()}


def _test_file(names: PluginNames) -> str:
    return f"test_{names.package.removeprefix('zoo_')}.py"


def _values(names: PluginNames, task: TaskChoice, template: Template) -> dict[str, str]:
    prefix = names.plugin
    register_task = ""
    if task.registers_task:
        register_task = (
            "\n\n@zoo.hookimpl\n"
            "def register_tasks(register: Register) -> None:\n"
            "    # A task of this plugin's own: its default metric is the plugin's too.\n"
            f"    register(TASK, target=\"class\", input={json.dumps(task.input)}, "
            f"default_metrics=[{json.dumps(template.metric)}],\n"
            f"             input_loader={json.dumps(INPUT_LOADERS[task.input])},\n"
            f"             description={json.dumps(TASK_DESCRIPTIONS[task.input])})\n")
    if template.labels:
        labels_line = f"LABELS = {json.dumps(list(template.labels))}  # the classes, in the model's output order"
        forward_note = ""
    else:
        labels_line = "LABELS = None  # a transcript per clip: no classes"
        forward_note = " for classification, a list of transcripts for recognition"
    owner = ""
    if task.owner_distribution:
        owner = f'    "{task.owner_distribution}",  # provides task {task.name}\n'
    task_note = (f"It registers the task `{task.name}` itself (inputs: {task.input}), with `{template.metric}` "
                 "as its default metric." if task.registers_task else
                 f"Task `{task.name}` is provided by "
                 + (f"`{task.owner_distribution}`" if task.owner_distribution else "zoo's core")
                 + ": this plugin adds a model, a dataset and a metric to it.")
    return {
        "plugin": names.plugin, "package": names.package, "distribution": names.distribution,
        "core": core_distribution(), "task": task.name, "input": task.input, "register_task": register_task,
        "owner_dependency": owner, "task_note": task_note, "test_file": _test_file(names),
        "model": f"{prefix}-{template.model}", "model_function": template.model_function,
        "entry": f"{prefix}-{template.entry}", "dataset": f"{prefix}-{template.dataset}",
        "metric": template.metric, "metric_function": template.metric_function,
        "labels_line": labels_line, "forward_note": forward_note, "sizes": _flow(template.sizes),
        "train_size": str(template.sizes["train"]), "test_size": str(template.sizes["test"]),
        "catalogue_args": template.catalogue_args, "reported": repr(template.reported),
        "params": str(template.params), "model_summary": template.model_summary,
        "dataset_summary": template.dataset_summary,
        "model_description": _literal(_sentence(template.model_summary), indent=13),
        "dataset_description": _literal(_sentence(f"{template.dataset_summary}; generated in code, the same on "
                                                  "every machine"), indent=13),
        "metric_description": _literal(_sentence(template.metric_summary), indent=13),
        "catalogue_description": textwrap.fill(f"The starter model of {names.distribution}: {template.model_summary}. "
                                               "Replace it with your own.", width=100, initial_indent=" " * 6,
                                               subsequent_indent=" " * 6),
    }


TASK_DESCRIPTIONS: Final = {"text": "One class per text; models return logits [B, C]",
                             "image": "One class per image; models return logits [B, C]",
                             "audio": "One class per audio clip; models return logits [B, C]"}
INPUT_LOADERS: Final = {"text": "zoo.inputs.text:text_from_argument", "image": "zoo.inputs.image:load_image",
                        "audio": "zoo.inputs.audio:load_input"}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _literal(text: str, *, indent: int, width: int = 100) -> str:
    """A Python string literal for ``text``, split into adjacent literals of at most ``width`` characters."""
    parts = textwrap.wrap(text, width=width - indent, drop_whitespace=False)
    return ("\n" + " " * indent).join(json.dumps(part, ensure_ascii=False) for part in parts)


def _flow(mapping: Mapping[str, int]) -> str:
    return "{" + ", ".join(f'"{key}": {value}' for key, value in mapping.items()) + "}"


def _render(source: str, values: Mapping[str, str]) -> str:
    text = resources.files(__name__).joinpath("templates", *source.split("/")).read_text(encoding="utf-8")
    return string.Template(text).substitute(values)


def new_plugin(name: str, *, task: str = DEFAULT_TASK, directory: str | os.PathLike[str] | None = None,
               input_kind: str | None = None, registry: Registry | None = None) -> Path:
    """Write a plugin package for ``name`` into ``directory`` (default ``./NAME``) and return its folder.

    ``registry`` says which plugins and tasks are installed (default: this
    machine's, catalogues left unread). Every refusal is a
    :class:`~zoo.errors.UsageError` raised before anything is written.
    """
    names = plugin_names(name)
    folder = Path(directory) if directory is not None else Path(names.plugin)
    if folder.exists() or folder.is_symlink():
        what = "folder" if folder.is_dir() else "file"
        raise UsageError(f"{folder} already exists (a {what}); choose another --directory, or remove it first")
    if not folder.absolute().parent.is_dir():
        raise UsageError(f"cannot write {folder}: folder {folder.absolute().parent} does not exist")
    registry = registry if registry is not None else _installed()
    clash = _clash(names, registry)
    if clash:
        raise UsageError(f"plugin name {names.plugin!r} is taken: {clash}; choose another name")
    files = render_plugin(names, choose_task(task, input_kind, registry))
    folder.mkdir()
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _installed() -> Registry:
    """This machine's plugins and their tasks; catalogues are not needed."""
    import dataclasses
    import io

    from zoo.loader import Settings, load_registry

    settings = dataclasses.replace(Settings.from_env(), builtin_catalogue=False, read_catalogues=False)
    return load_registry(settings=settings, warn=io.StringIO())
