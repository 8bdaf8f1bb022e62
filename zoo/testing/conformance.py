"""The plugin contract, as tests a plugin package runs against itself."""

from __future__ import annotations

import inspect
import io
import subprocess
import sys
from typing import ClassVar

import pytest

from zoo.api import resolve_builder
from zoo.catalogue import read_catalogue
from zoo.loader import Settings, load_registry
from zoo.registry import Registry

__all__ = ["PluginConformance", "HEAVY_MODULES"]

HEAVY_MODULES = ("torch", "timm", "transformers", "torchvision")


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
