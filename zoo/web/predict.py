"""The try-it predictions of ``zoo serve``: models built on first use and kept under a memory bound.

One :class:`ModelCache` per app. A model is built the first time a request needs it and kept,
least recently used out, while the loaded models' bytes stay within ``model_memory_bytes``; one
model larger than the bound alone is still served, and goes when the next model is loaded.

Each model has its own lock, held while it is built and while it predicts: requests to one model
are queued, never two copies built or run at once, while requests to different models run side by
side. Queued rather than micro-batched, because ``zoo.predict`` stops a whole call at its first bad
input (a silent clip, an over-long one): batched together, one user's bad upload would fail the
others' requests; and one input at a time gives each answer exactly as ``zoo run MODEL INPUT``
does. On a CPU a batch of one already uses every core (torch's intra-op threads).

Requests wait for their turn in the event loop (:meth:`ModelCache.queue`, an asyncio lock per
model), holding no thread, so a hundred requests queued for a slow model leave the worker threads
to the others; the work itself runs in a worker thread (never on the event loop) under the
model's thread lock (:meth:`ModelCache.run`), bounded by a deadline. A request whose model runs
past its deadline is answered 504 by the caller while the thread finishes (a thread cannot be
stopped): the thread lock keeps the next request to that model waiting until it has, and a
request still waiting at its own deadline gives up without running.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoo.errors import ZooError
from zoo.registry import Registry
from zoo.specs import ModelSpec

__all__ = ["CachedModel", "ModelCache", "PredictionTimeout", "model_bytes"]

FLOAT32_BYTES = 4  # what a parameter costs when the model has no torch module to measure


class PredictionTimeout(ZooError):
    """The request's deadline passed while it waited for its model or while the model ran."""


@dataclass
class CachedModel:
    """A built model in the cache, and what it costs."""

    model: Any
    bytes: int
    measured: bool  # True: parameter and buffer bytes of its torch module; False: catalogue params x 4


def model_bytes(model: Any, spec: ModelSpec) -> tuple[int, bool]:
    """``(bytes, measured)``: the model's parameter and buffer bytes, measured on its torch module
    (each tensor once, however often it is shared) when it has one, else the catalogue's ``params``
    as float32 (0 when the catalogue does not say)."""
    from zoo.engine.devices import torch_module

    module = torch_module(model)
    if module is None:
        return (spec.params or 0) * FLOAT32_BYTES, False
    seen: set[int] = set()
    total = 0
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        total += tensor.numel() * tensor.element_size()
    return total, True


class ModelCache:
    """Built models by entry id, least recently used first, within ``memory_bytes`` (see the module)."""

    def __init__(self, registry: Registry, memory_bytes: int,
                 build: Callable[[ModelSpec], Any] | None = None) -> None:
        self.registry = registry
        self.memory_bytes = memory_bytes
        self._build = build or self._build_entry
        self._models: OrderedDict[str, CachedModel] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._queues: dict[str, asyncio.Lock] = {}  # used from the event loop's thread only
        self._guard = threading.Lock()  # over _models and _locks, never held while a model builds or runs

    def _build_entry(self, spec: ModelSpec) -> Any:
        from zoo.api import build_model

        return build_model(spec, registry=self.registry)

    def loaded(self) -> list[tuple[str, int]]:
        """``(id, bytes)`` of each loaded model, least recently used first."""
        with self._guard:
            return [(model_id, entry.bytes) for model_id, entry in self._models.items()]

    def loaded_bytes(self) -> int:
        with self._guard:
            return sum(entry.bytes for entry in self._models.values())

    def queue(self, model_id: str) -> asyncio.Lock:
        """The line in which requests for one model wait for their turn, in the event loop."""
        return self._queues.setdefault(model_id, asyncio.Lock())

    def lock_for(self, model_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(model_id, threading.Lock())

    def run(self, spec: ModelSpec, work: Callable[[Any], Any], *, deadline: float) -> tuple[Any, float]:
        """``work(model)`` with ``spec``'s model, built first if it is not loaded; returns ``(what work
        returned, seconds spent building)``. Holds the model's lock throughout: call from a worker thread.
        Raises :class:`PredictionTimeout` when ``deadline`` (``time.monotonic()``) passes first."""
        lock = self.lock_for(spec.id)
        if not lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise PredictionTimeout(f"model {spec.id} was busy with other requests until the deadline")
        try:
            if time.monotonic() > deadline:  # the caller has answered 504 already: do not run for nobody
                raise PredictionTimeout(f"model {spec.id} was busy with other requests until the deadline")
            started = time.perf_counter()
            model, built = self._model(spec)
            build_seconds = time.perf_counter() - started if built else 0.0
            return work(model), build_seconds
        finally:
            lock.release()

    def _model(self, spec: ModelSpec) -> tuple[Any, bool]:
        """``(model, built now)``: the loaded model of ``spec``, built if it is not (the caller holds its lock)."""
        with self._guard:
            entry = self._models.get(spec.id)
            if entry is not None:
                self._models.move_to_end(spec.id)
                return entry.model, False
            # Make room for what the catalogue says it costs before building: the old models are let go
            # before the new one takes its memory.
            self._evict(incoming=(spec.params or 0) * FLOAT32_BYTES)
        model = self._build(spec)
        size, measured = model_bytes(model, spec)
        with self._guard:
            self._models[spec.id] = CachedModel(model, size, measured)
            self._evict(keep=spec.id)
        return model, True

    def _evict(self, *, incoming: int = 0, keep: str | None = None) -> None:
        """Drop least recently used models until the loaded ones and ``incoming`` fit the bound; never
        ``keep``, so a model larger than the bound alone stays (until the next one is loaded).
        A model being run keeps working: its request holds its own reference until it is done."""
        total = sum(entry.bytes for entry in self._models.values()) + incoming
        for model_id in list(self._models):
            if total <= self.memory_bytes:
                break
            if model_id == keep:
                continue
            total -= self._models.pop(model_id).bytes
