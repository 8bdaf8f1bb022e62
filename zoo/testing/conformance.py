"""The plugin contract, as tests a plugin package runs against itself."""

from __future__ import annotations

import inspect
import io
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import pytest

from zoo import api
from zoo.api import resolve_builder
from zoo.catalogue import read_catalogue
from zoo.engine.labels import target_mapping
from zoo.errors import ZooError
from zoo.interface import Sample
from zoo.loader import Settings, load_registry
from zoo.registry import Registry
from zoo.specs import ModelSpec
from zoo.testing.plugin_models import PluginModels, example_inputs

__all__ = ["HEAVY_MODULES", "ORDER_CHECK_SAMPLES", "ORDER_CHECK_TOLERANCE", "SMOKE_CHECK_SAMPLES", "OrderReport",
           "PluginConformance", "SmokeReport", "check_models_run", "check_prediction_order"]

HEAVY_MODULES = ("torch", "timm", "transformers", "torchvision")
# The order check: how many samples each model predicts, and how far batched scores
# may drift from one-at-a-time scores (padding and kernel choice; a state carried
# from one sample to the next moves them much further, or changes the decision).
ORDER_CHECK_SAMPLES: Final = 4
ORDER_CHECK_TOLERANCE: Final = 1e-3
# The smoke check: how many samples each model runs through the engine, as one batch.
SMOKE_CHECK_SAMPLES: Final = 2


class PluginConformance:
    """Subclass with ``plugin = "<entry point name>"``; every test here must pass.

    Every check starts by asserting that the plugin loaded, so a plugin that
    failed to import (or was disabled, or is not installed) fails every check
    with the reason, instead of passing those that would find nothing to check.
    """

    plugin: ClassVar[str]

    @pytest.fixture(scope="class")
    @classmethod
    def zoo_registry(cls) -> Registry:
        """The installed plugins' registry, as ``zoo`` loads it, shared by the class's checks."""
        return load_registry(settings=Settings(), warn=io.StringIO())

    @pytest.fixture(scope="class")
    @classmethod
    def zoo_plugin_models(cls, zoo_registry: Registry) -> PluginModels:
        """The plugin's models that build on this machine, each built once for the checks that run them."""
        return PluginModels.build(zoo_registry, cls.plugin)

    def _loaded(self, registry: Registry) -> None:
        """Fail the calling check, naming the cause, unless the plugin loaded."""
        record = registry.plugin(self.plugin)
        if record is None:
            installed = ", ".join(r.name for r in registry.plugins) or "none"
            pytest.fail(f"no plugin {self.plugin!r} in entry-point group 'zoo' (installed: {installed}): "
                        "is its package installed (pip install -e .)?", pytrace=False)
        if record.status != "loaded":
            why = record.error or ("blocked by ZOO_DISABLE_PLUGINS or --disable" if record.status == "disabled"
                                   else "no reason recorded")
            pytest.fail(f"plugin {self.plugin!r} did not load ({record.status}): {why}", pytrace=False)

    def _specs(self, registry: Registry, kind: str) -> list:
        return [spec for spec in registry.all(kind) if spec.plugin == self.plugin]

    def test_plugin_loads_without_error(self, zoo_registry: Registry) -> None:
        """The plugin is installed, loads, and registers something."""
        self._loaded(zoo_registry)
        record = zoo_registry.plugin(self.plugin)
        assert record is not None and record.contributed, f"plugin {self.plugin!r} registers nothing"

    def test_loading_reports_no_problem_about_this_plugin(self, zoo_registry: Registry) -> None:
        """No load problem (a warning line) names the plugin or one of its entries."""
        self._loaded(zoo_registry)
        mine = [p for p in zoo_registry.problems if repr(self.plugin) in p or f"{self.plugin}:" in p]
        assert not mine, mine

    def test_entry_module_imports_nothing_heavy(self, zoo_registry: Registry) -> None:
        """Importing the entry module, in a fresh interpreter, imports none of :data:`HEAVY_MODULES`."""
        self._loaded(zoo_registry)
        module = zoo_registry.plugin(self.plugin).module  # type: ignore[union-attr]
        code = (f"import sys, {module.split(':')[0]}; "
                f"print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))")
        heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        assert not heavy, f"importing {module} imported {heavy}; import heavy libraries inside builders"

    def test_every_builder_import_string_resolves(self, zoo_registry: Registry) -> None:
        """Every model, dataset and metric builder imports (the import strings are right)."""
        self._loaded(zoo_registry)
        for kind in ("model", "dataset", "metric"):
            for spec in self._specs(zoo_registry, kind):
                resolve_builder(spec)

    def test_builders_take_the_contract_arguments(self, zoo_registry: Registry) -> None:
        """Dataset builders take ``split=``, metric builders ``labels=``, and the builders of
        models with weights ``weights=``."""
        self._loaded(zoo_registry)
        expected = {"dataset": "split", "metric": "labels"}
        for kind, argument in expected.items():
            for spec in self._specs(zoo_registry, kind):
                parameters = inspect.signature(resolve_builder(spec)).parameters
                assert argument in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()), \
                    f"{kind} {spec.id}: its builder must accept {argument}="
        for spec in self._specs(zoo_registry, "model"):
            if spec.weights is not None:
                parameters = inspect.signature(resolve_builder(spec)).parameters
                assert "weights" in parameters, f"model {spec.id} has weights: its builder must accept weights="

    def test_every_task_has_its_default_metrics(self, zoo_registry: Registry) -> None:
        """Each task the plugin registers has each of its default metrics registered for it."""
        self._loaded(zoo_registry)
        for task in self._specs(zoo_registry, "task"):
            for metric in task.default_metrics:
                zoo_registry.get(metric, "metric", task=task.name)

    def test_catalogues_are_valid(self, zoo_registry: Registry) -> None:
        """The plugin's catalogues validate, every builder they name present."""
        self._loaded(zoo_registry)
        bare = load_registry(settings=Settings(builtin_catalogue=False, read_catalogues=False), warn=io.StringIO())
        for path, namespace in bare.catalogues:
            if namespace != self.plugin:
                continue
            specs, problems = read_catalogue(path, bare, namespace=namespace, unavailable_is_error=True)
            assert not problems, "\n".join(problems)
            for spec in specs:
                bare.add(spec)

    @pytest.mark.slow
    def test_every_model_runs_through_the_engine(self, zoo_registry: Registry,
                                                 zoo_plugin_models: PluginModels) -> None:
        """Every model of the plugin that builds offline evaluates 2 samples of a dataset of its task
        (or predicts the task's example inputs) with the right output shapes and label names
        (see :func:`check_models_run`)."""
        self._loaded(zoo_registry)
        report = check_models_run(zoo_registry, self.plugin, zoo_plugin_models)
        if report.failures:
            pytest.fail(f"plugin {self.plugin!r}: {len(report.failures)} model(s) do not run through the engine:\n"
                        + "\n".join(report.failures), pytrace=False)
        if report.no_data and not report.ran:
            pytest.fail(f"plugin {self.plugin!r}: the smoke check ran no model, though some build offline:\n"
                        + "\n".join(report.no_data), pytrace=False)
        if not report.ran:
            pytest.skip(f"plugin {self.plugin!r} has no model that builds offline: "
                        + "; ".join(report.not_built + report.templates))

    @pytest.mark.slow
    def test_predictions_do_not_depend_on_order_or_batching(self, zoo_registry: Registry,
                                                            zoo_plugin_models: PluginModels) -> None:
        """Each sample gets the same prediction alone, in one batch and in a reversed batch
        (see :func:`check_prediction_order`), for every model of the plugin that builds offline."""
        self._loaded(zoo_registry)
        report = check_prediction_order(zoo_registry, self.plugin, zoo_plugin_models)
        if report.failures:
            pytest.fail("predictions depend on order or batching:\n" + "\n".join(report.failures), pytrace=False)
        if report.no_data and not report.checked:
            pytest.fail(f"plugin {self.plugin!r}: the order check ran no model, though some build offline:\n"
                        + "\n".join(report.no_data), pytrace=False)
        if not report.checked:
            pytest.skip(f"plugin {self.plugin!r} has no model that builds offline: " + "; ".join(report.not_built))


@dataclass
class SmokeReport:
    """What :func:`check_models_run` did: one line per model, by outcome."""

    ran: list[str] = field(default_factory=list)  # "model on dataset", or "model on example text inputs"
    failures: list[str] = field(default_factory=list)  # models that should build or run and do not
    not_built: list[str] = field(default_factory=list)  # weights or data not on this machine
    templates: list[str] = field(default_factory=list)  # generic builders that need an argument (model=...)
    no_data: list[str] = field(default_factory=list)  # built, but neither a dataset nor example inputs to run on


def check_models_run(registry: Registry, plugin: str, models: PluginModels | None = None) -> SmokeReport:
    """Run every model of ``plugin`` that builds offline through the engine, and report each that fails.

    Each model (built once, on the CPU: ``models``, or :meth:`PluginModels.build`)
    is evaluated with ``zoo.evaluate(..., limit=2, batch_size=2)`` on the first
    dataset that builds offline: its ``default_dataset``, else a dataset of its
    task from its plugin whose labels match the model's by name (as the engine
    matches them); with none, it predicts the task's example inputs
    (:func:`zoo.testing.plugin_models.example_inputs`) with ``zoo.predict``. The
    engine checks the outputs (logits ``[B, len(labels)]``, or a list of ``B``
    transcripts); classifiers' labels must be non-empty, unique strings. A model
    whose weights are missing, or a builder that needs an argument, is listed,
    not failed; a model that should build and raises is a failure.
    """
    models = models if models is not None else PluginModels.build(registry, plugin)
    report = SmokeReport(failures=list(models.broken), not_built=list(models.missing),
                         templates=list(models.templates))
    for spec, model in models:
        task = registry.get(spec.task, "task")
        if task.target == "class":
            problem = _label_problem(model.labels)
            if problem:
                report.failures.append(f"{spec.id}: {problem}")
                continue
        dataset_id, dataset, why = _smoke_data(spec, model, models, task.target == "class")
        if dataset is not None:
            what, failure = f"{spec.id} on {dataset_id}", None
            try:
                run = api.evaluate(model, dataset, registry=registry, limit=SMOKE_CHECK_SAMPLES,
                                   batch_size=SMOKE_CHECK_SAMPLES, device="cpu", num_workers=0)
                if run["samples"]["evaluated"] != SMOKE_CHECK_SAMPLES:
                    failure = f"evaluated {run['samples']['evaluated']} of {SMOKE_CHECK_SAMPLES} samples"
            except Exception as error:  # noqa: BLE001 - a model that raises is this model's failure
                failure = _one_line(error)
        else:
            inputs = example_inputs(task.input, SMOKE_CHECK_SAMPLES)
            if inputs is None:
                report.no_data.append(f"{spec.id}: {why}; task {task.name}'s input kind {task.input!r} has no "
                                      "example input: give the model a default_dataset that ships with the plugin")
                continue
            what, failure = f"{spec.id} on example {task.input} inputs", None
            try:
                predictions = api.predict(model, inputs, top_k=1, batch_size=SMOKE_CHECK_SAMPLES, device="cpu",
                                          registry=registry)
                failure = _prediction_problem(predictions, task.target == "text")
            except Exception as error:  # noqa: BLE001 - a model that raises is this model's failure
                failure = _one_line(error)
        if failure:
            report.failures.append(f"{what}: {failure}")
        else:
            report.ran.append(what)
    return report


def _smoke_data(spec: ModelSpec, model: Any, models: PluginModels, classes: bool) -> tuple[str | None, Any, str]:
    """(dataset id, the built dataset, "") to run a model on, or (None, None, why none builds offline).

    The model's default dataset is used as it is: classes that do not match are the engine's
    error to report. Any other dataset of the task is used only if its classes match the model's.
    """
    candidates, reasons = models.candidate_datasets(spec)
    default = candidates[0] if spec.default_dataset and candidates and not reasons else None  # resolved: first
    for dataset_spec in candidates:
        built = models.dataset(dataset_spec)
        if isinstance(built, str):
            reasons.append(f"{dataset_spec.id} ({built})")
            continue
        if classes and dataset_spec is not default:
            try:  # another dataset of the task may have other classes: not this model's fault
                target_mapping(model.labels, built.labels, model=f"model {spec.id}",
                               dataset=f"dataset {dataset_spec.id}")
            except ZooError as error:
                reasons.append(f"{dataset_spec.id} (labels do not match: {error})")
                continue
        return dataset_spec.id, built, ""
    return None, None, f"no dataset of task {spec.task} builds offline: {'; '.join(reasons) or 'none'}"


def _label_problem(labels: Any) -> str | None:
    """Why a classifier's labels are unusable, or None: they must be non-empty, unique strings."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence) or not labels:
        return f"labels must be a non-empty list of class names, not {_brief(labels)}"
    for position, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip():
            return f"label {position} is {_brief(label)}; every label must be a non-empty string"
    repeated = [label for label, count in Counter(labels).items() if count > 1]
    if repeated:
        return (f"label {repeated[0]!r} appears {Counter(labels)[repeated[0]]} times; labels must be unique "
                "(the engine matches dataset classes to them by name)")
    return None


def _prediction_problem(predictions: list[dict[str, Any]], transcripts: bool) -> str | None:
    if len(predictions) != SMOKE_CHECK_SAMPLES:
        return f"zoo.predict gave {len(predictions)} predictions for {SMOKE_CHECK_SAMPLES} inputs"
    if transcripts:
        wrong = [p["transcript"] for p in predictions if not isinstance(p["transcript"], str)]
        if wrong:
            return f"returned a transcript of type {type(wrong[0]).__name__}; transcripts must be strings"
    return None


def _brief(value: Any) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _one_line(error: BaseException) -> str:
    """A ZooError's message as it is (it is written for the user); anything else with its type."""
    text = str(error).strip()
    if isinstance(error, ZooError):
        return text
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


@dataclass
class OrderReport:
    """What :func:`check_prediction_order` did: one line per model, by outcome."""

    checked: list[str] = field(default_factory=list)  # "model on dataset"
    # One line per sample whose prediction moved, and per model that should build and does not.
    failures: list[str] = field(default_factory=list)
    not_built: list[str] = field(default_factory=list)  # weights not on this machine, or a builder needing arguments
    no_data: list[str] = field(default_factory=list)  # built, but no dataset to predict on


def check_prediction_order(registry: Registry, plugin: str, models: PluginModels | None = None) -> OrderReport:
    """Predict a few samples with every model of ``plugin`` one at a time, in one batch and
    in a reversed batch, and report every sample whose prediction differs.

    Each model is built once, on the CPU (``models``, or :meth:`PluginModels.build`),
    and predicts the first :data:`ORDER_CHECK_SAMPLES` samples of its default
    dataset, or else of the plugin's first dataset of its task that builds with
    no arguments. A metric must not depend on order, ``--limit``, batch size or
    how ranks shard the data, so any state carried from one sample to the next
    is a failure.
    """
    models = models if models is not None else PluginModels.build(registry, plugin)
    report = OrderReport(failures=list(models.broken), not_built=models.missing + models.templates)
    for spec, model in models:
        dataset_id, samples, why = _order_check_samples(spec, models)
        if samples is None:
            report.no_data.append(f"{spec.id}: {why}")
            continue
        transcripts = registry.get(spec.task, "task").target == "text"
        report.failures += _order_differences(f"{spec.id} on {dataset_id}", model, samples, transcripts)
        report.checked.append(f"{spec.id} on {dataset_id}")
    return report


def _order_check_samples(spec: ModelSpec, models: PluginModels) -> tuple[str | None, list[Sample] | None, str]:
    """(dataset id, its first samples) for a model, or (None, None, why none could be used)."""
    candidates, reasons = models.candidate_datasets(spec)
    for dataset in candidates:
        built = models.dataset(dataset)
        if not isinstance(built, str):
            try:
                return dataset.id, [built[i] for i in range(min(ORDER_CHECK_SAMPLES, len(built)))], ""
            except ZooError as error:  # a sample that cannot be read
                built = f"{type(error).__name__}: {error}"
        reasons.append(f"{dataset.id} ({built})")
    return None, None, f"no dataset of task {spec.task} builds offline: {'; '.join(reasons) or 'none'}"


def _order_differences(what: str, model: Any, samples: Sequence[Sample], transcripts: bool) -> list[str]:
    """One line per sample whose prediction differs between one at a time, a batch and a reversed batch."""
    import torch

    inputs = [sample.input for sample in samples]
    with torch.inference_mode():
        runs = {"one at a time": [_forward(model, [x])[0] for x in inputs],
                "in one batch": _forward(model, inputs),
                "in a reversed batch": _forward(model, inputs[::-1])[::-1]}
    reference_name, reference = next(iter(runs.items()))
    lines = []
    for name, outputs in list(runs.items())[1:]:
        for sample, expected, got in zip(samples, reference, outputs):
            if transcripts:
                differs = expected != got
                shown = f"{expected!r} {reference_name}, {got!r} {name}"
            else:
                differs = (int(expected.argmax()) != int(got.argmax())
                           or not torch.allclose(expected, got, rtol=ORDER_CHECK_TOLERANCE, atol=ORDER_CHECK_TOLERANCE))
                labels = model.labels
                shown = (f"{labels[int(expected.argmax())]!r} {reference_name}, {labels[int(got.argmax())]!r} {name}; "
                         f"largest score difference {float((expected - got).abs().max()):.3g}")
            if differs:
                lines.append(f"{what}: sample {sample.id}: {shown}")
    return lines


def _forward(model: Any, inputs: list[Any]) -> list[Any]:
    """Outputs of one batch, one per input: a transcript, or a float score row on the CPU."""
    outputs = model.forward(model.collate(inputs))
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return list(outputs.detach().float().cpu())
