"""The plugin contract, as tests a plugin package runs against itself."""

from __future__ import annotations

import inspect
import io
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import pytest

from zoo import api
from zoo.api import resolve_builder
from zoo.catalogue import read_catalogue
from zoo.errors import MissingArtifactError, UsageError, ZooError
from zoo.interface import Sample
from zoo.loader import Settings, load_registry
from zoo.registry import Registry
from zoo.specs import ModelSpec

__all__ = ["HEAVY_MODULES", "ORDER_CHECK_SAMPLES", "ORDER_CHECK_TOLERANCE", "OrderReport", "PluginConformance",
           "check_prediction_order"]

HEAVY_MODULES = ("torch", "timm", "transformers", "torchvision")
# The order check: how many samples each model predicts, and how far batched scores
# may drift from one-at-a-time scores (padding and kernel choice; a state carried
# from one sample to the next moves them much further, or changes the decision).
ORDER_CHECK_SAMPLES: Final = 4
ORDER_CHECK_TOLERANCE: Final = 1e-3


class PluginConformance:
    """Subclass with ``plugin = "<entry point name>"``; every test here must pass."""

    plugin: ClassVar[str]

    @pytest.fixture(scope="class")
    @classmethod
    def zoo_registry(cls) -> Registry:
        return load_registry(settings=Settings(), warn=io.StringIO())

    def _specs(self, registry: Registry, kind: str) -> list:
        return [spec for spec in registry.all(kind) if spec.plugin == self.plugin]

    def test_plugin_loads_without_error(self, zoo_registry: Registry) -> None:
        record = zoo_registry.plugin(self.plugin)
        assert record is not None, f"no plugin {self.plugin!r} in entry-point group 'zoo': is the package installed?"
        assert record.status == "loaded", record.error
        assert record.contributed, f"plugin {self.plugin!r} registers nothing"

    def test_loading_reports_no_problem_about_this_plugin(self, zoo_registry: Registry) -> None:
        mine = [p for p in zoo_registry.problems if repr(self.plugin) in p or f"{self.plugin}:" in p]
        assert not mine, mine

    def test_entry_module_imports_nothing_heavy(self, zoo_registry: Registry) -> None:
        module = zoo_registry.plugin(self.plugin).module  # type: ignore[union-attr]
        code = (f"import sys, {module.split(':')[0]}; "
                f"print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))")
        heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        assert not heavy, f"importing {module} imported {heavy}; import heavy libraries inside builders"

    def test_every_builder_import_string_resolves(self, zoo_registry: Registry) -> None:
        for kind in ("model", "dataset", "metric"):
            for spec in self._specs(zoo_registry, kind):
                resolve_builder(spec)

    def test_builders_take_the_contract_arguments(self, zoo_registry: Registry) -> None:
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
        for task in self._specs(zoo_registry, "task"):
            for metric in task.default_metrics:
                zoo_registry.get(metric, "metric", task=task.name)

    def test_catalogues_are_valid(self, zoo_registry: Registry) -> None:
        bare = load_registry(settings=Settings(builtin_catalogue=False, read_catalogues=False), warn=io.StringIO())
        for path, namespace in bare.catalogues:
            if namespace != self.plugin:
                continue
            specs, problems = read_catalogue(path, bare, namespace=namespace, unavailable_is_error=True)
            assert not problems, "\n".join(problems)
            for spec in specs:
                bare.add(spec)

    @pytest.mark.slow
    def test_predictions_do_not_depend_on_order_or_batching(self, zoo_registry: Registry) -> None:
        """Each sample gets the same prediction alone, in one batch and in a reversed batch
        (see :func:`check_prediction_order`), for every model of the plugin that builds offline."""
        report = check_prediction_order(zoo_registry, self.plugin)
        if report.failures:
            pytest.fail("predictions depend on order or batching:\n" + "\n".join(report.failures), pytrace=False)
        if report.no_data and not report.checked:
            pytest.fail(f"plugin {self.plugin!r}: the order check ran no model, though some build offline:\n"
                        + "\n".join(report.no_data), pytrace=False)
        if not report.checked:
            pytest.skip(f"plugin {self.plugin!r} has no model that builds offline: " + "; ".join(report.not_built))


@dataclass
class OrderReport:
    """What :func:`check_prediction_order` did: one line per model, by outcome."""

    checked: list[str] = field(default_factory=list)  # "model on dataset"
    failures: list[str] = field(default_factory=list)  # one line per sample whose prediction moved
    not_built: list[str] = field(default_factory=list)  # weights not on this machine, or a builder needing arguments
    no_data: list[str] = field(default_factory=list)  # built, but no dataset to predict on


def check_prediction_order(registry: Registry, plugin: str) -> OrderReport:
    """Predict a few samples with every model of ``plugin`` one at a time, in one batch and
    in a reversed batch, and report every sample whose prediction differs.

    Each model is built once, on the CPU, and predicts the first
    :data:`ORDER_CHECK_SAMPLES` samples of its default dataset, or else of the
    plugin's first dataset of its task that builds with no arguments. A metric
    must not depend on order, ``--limit``, batch size or how ranks shard the
    data, so any state carried from one sample to the next is a failure.
    """
    report = OrderReport()
    datasets: dict[str, list[Sample] | str] = {}  # dataset id -> its first samples, or why it cannot be used
    for spec in sorted(registry.all("model"), key=lambda s: s.name):
        if spec.plugin != plugin:
            continue
        model, why = _build_offline(spec, registry)
        if model is None:
            report.not_built.append(f"{spec.id}: {why}")
            continue
        dataset_id, samples, why = _order_check_samples(spec, registry, datasets)
        if samples is None:
            report.no_data.append(f"{spec.id}: {why}")
            continue
        transcripts = registry.get(spec.task, "task").target == "text"
        report.failures += _order_differences(f"{spec.id} on {dataset_id}", model, samples, transcripts)
        report.checked.append(f"{spec.id} on {dataset_id}")
    return report


def _order_check_samples(spec: ModelSpec, registry: Registry, datasets: dict[str, list[Sample] | str]
                         ) -> tuple[str | None, list[Sample] | None, str]:
    """(dataset id, its first samples) for a model, or (None, None, why none could be used)."""
    candidates, reasons = [], []
    if spec.default_dataset:
        try:
            candidates.append(registry.get(spec.default_dataset, "dataset"))
        except ZooError as error:
            reasons.append(f"default dataset {spec.default_dataset} ({error})")
    candidates += sorted((d for d in registry.all("dataset")
                          if d.plugin == spec.plugin and d.task == spec.task and d not in candidates),
                         key=lambda d: d.name)
    for dataset in candidates:
        if dataset.id not in datasets:
            try:
                built = api.build_dataset(dataset, registry=registry)
                count = min(ORDER_CHECK_SAMPLES, len(built))
                datasets[dataset.id] = [built[i] for i in range(count)] if count >= 2 else "fewer than 2 samples"
            except ZooError as error:  # data not on this machine, or a root/path to give
                datasets[dataset.id] = f"{type(error).__name__}: {error}"
        found = datasets[dataset.id]
        if not isinstance(found, str):
            return dataset.id, found, ""
        reasons.append(f"{dataset.id} ({found})")
    return None, None, f"no dataset of task {spec.task} builds offline: {'; '.join(reasons) or 'none'}"


def _build_offline(spec: ModelSpec, registry: Registry) -> tuple[Any, str]:
    """(the model on the CPU, ""), or (None, why it cannot be built on this machine)."""
    try:
        return api.build_model(spec, registry=registry).to("cpu"), ""
    except MissingArtifactError as error:  # weights not on this machine
        return None, f"MissingArtifactError: {error}"
    except UsageError as error:
        if spec.weights is not None:  # a catalogue entry must build as it stands
            raise
        return None, f"a builder that needs arguments: {error}"  # say, which checkpoint to load


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
