"""Every model of one plugin, built once, and data to run each on.

The conformance kit's checks that run models (:func:`zoo.testing.check_models_run`
and :func:`zoo.testing.check_prediction_order`) share one :class:`PluginModels`,
so a test session builds each model once, whatever the number of checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from zoo import api
from zoo.errors import MissingArtifactError, UsageError, ZooError
from zoo.registry import Registry
from zoo.specs import DatasetSpec, ModelSpec
from zoo.testing.weight_reads import watch_weight_reads

__all__ = ["EXAMPLE_AUDIO_RATE", "PluginModels", "example_inputs"]

EXAMPLE_AUDIO_RATE: Final = 16_000  # Hz: one second of noise is the audio example input


@dataclass
class PluginModels:
    """The models of ``plugin`` that build on this machine, each built once on the CPU, and
    one line for each that did not, by cause. Make one with :meth:`build`."""

    registry: Registry = field(repr=False)
    plugin: str
    built: dict[str, Any] = field(default_factory=dict)  # model id -> the model, in name order
    missing: list[str] = field(default_factory=list)  # "id: why": weights or data not on this machine
    templates: list[str] = field(default_factory=list)  # "id: why": generic builders that need an argument
    broken: list[str] = field(default_factory=list)  # "id: why": entries that should build and raised instead
    _datasets: dict[str, Any] = field(default_factory=dict, repr=False)  # dataset id -> built, or why not

    @classmethod
    def build(cls, registry: Registry, plugin: str) -> PluginModels:
        """Build every model of ``plugin``: a :class:`~zoo.errors.MissingArtifactError` lists it as
        missing; a :class:`~zoo.errors.UsageError` from a builder given no weights (``hf-ctc`` with
        no ``model=``) lists it as a template; anything else a catalogue entry raises is broken."""
        models = cls(registry, plugin)
        for spec in sorted((s for s in registry.all("model") if s.plugin == plugin), key=lambda s: s.name):
            try:
                with watch_weight_reads() as reads:
                    built = api.build_model(spec, registry=registry).to("cpu")
                if reads.unchecked:
                    models.broken.append(f"{spec.id}: its builder read weights zoo never checked: "
                                         f"{', '.join(reads.unchecked)}; load weights.path, the file zoo "
                                         "resolved and checked against the pin, or hash what you load with "
                                         "zoo.weights.verify")
                    continue
                models.built[spec.id] = built
            except MissingArtifactError as error:
                models.missing.append(f"{spec.id}: MissingArtifactError: {error}")
            except UsageError as error:
                if spec.weights is None:  # a builder told nothing to load, say which checkpoint
                    models.templates.append(f"{spec.id}: {error}")
                else:  # an entry with weights must build as it stands
                    models.broken.append(f"{spec.id}: cannot be built: UsageError: {error}")
            except Exception as error:  # noqa: BLE001 - a builder's bug is this model's failure, not the kit's
                models.broken.append(f"{spec.id}: cannot be built: {type(error).__name__}: {error}")
        return models

    def spec(self, model_id: str) -> ModelSpec:
        """The registry entry of a built model."""
        return self.registry.get(model_id, "model")  # type: ignore[no-any-return]

    def candidate_datasets(self, spec: ModelSpec) -> tuple[list[DatasetSpec], list[str]]:
        """Datasets to run a model on, best first: its ``default_dataset``, then the datasets of its
        plugin for its task by name; and why a default dataset that is not registered is left out."""
        candidates: list[DatasetSpec] = []
        reasons: list[str] = []
        if spec.default_dataset:
            try:
                candidates.append(self.registry.get(spec.default_dataset, "dataset"))
            except ZooError as error:
                reasons.append(f"default dataset {spec.default_dataset} ({error})")
        candidates += sorted((d for d in self.registry.all("dataset")
                              if d.plugin == spec.plugin and d.task == spec.task and d not in candidates),
                             key=lambda d: d.name)
        return candidates, reasons

    def dataset(self, spec: DatasetSpec) -> Any:
        """The dataset's default split, built once; or a string saying why it cannot be built here
        (data not on this machine, a ``root=`` or ``path=`` to give, fewer than 2 samples)."""
        if spec.id not in self._datasets:
            try:
                built = api.build_dataset(spec, registry=self.registry)
                self._datasets[spec.id] = built if len(built) >= 2 else "fewer than 2 samples"
            except ZooError as error:
                self._datasets[spec.id] = f"{type(error).__name__}: {error}"
        return self._datasets[spec.id]

    def __iter__(self) -> Iterator[tuple[ModelSpec, Any]]:
        """``(spec, model)`` for every model that was built, in name order."""
        for model_id, model in self.built.items():
            yield self.spec(model_id), model


def example_inputs(input_kind: str, count: int = 2) -> list[Any] | None:
    """``count`` synthetic inputs of a built-in input kind, for a model with no dataset to run on:
    short texts, small random RGB PIL images, one second of :class:`zoo.Audio` noise at 16 kHz;
    None for any other input kind. Seeded: the same inputs every time."""
    if input_kind == "text":
        texts = ["a short example sentence", "another example, a few words longer than the first one"]
        return [texts[i % len(texts)] for i in range(count)]
    import numpy as np

    rng = np.random.default_rng(0)
    if input_kind == "image":
        from PIL import Image

        return [Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), "RGB") for _ in range(count)]
    if input_kind == "audio":
        from zoo.interface import Audio

        return [Audio(rng.normal(0.0, 0.1, EXAMPLE_AUDIO_RATE).astype(np.float32), EXAMPLE_AUDIO_RATE)
                for _ in range(count)]
    return None
