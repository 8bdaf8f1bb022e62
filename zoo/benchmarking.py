"""``zoo bench``: how fast each model runs here, and what it costs (time, memory, parameters, FLOPs).

The method is timm's ``benchmark.py``: the same batch, already on the device, run
``warmup`` times, then timed step by step over a window of ``seconds`` (at least
:data:`MIN_STEPS` steps), under ``torch.inference_mode()``, with
``torch.cuda.synchronize()`` after each step on a GPU; throughput is the samples of
the window over its wall time. A batch is what ``model.collate`` makes of raw inputs
(the model's own preprocessing, as ``zoo run`` does): the first samples of the model's
default dataset when it is here, else synthetic inputs of the model's own size
(:func:`synthetic_inputs`); the record says which.

FLOPs per sample are counted by ``torch.utils.flop_counter.FlopCounterMode`` over one
forward pass at batch 1 (matrix products, convolutions and attention; MACs are half of
them). Peak memory is CUDA's peak allocated on a GPU (weights, inputs, activations), else
the model's parameter and buffer bytes plus how much the process's peak resident set
(``ru_maxrss``) grew while its batches ran (inputs, activations): a high-water mark, so
after a larger model benched in the same process the growth may be nothing.

Importing this module imports torch only when a bench runs.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from zoo.errors import UsageError, ZooError

__all__ = ["DEFAULT_BATCH_SIZES", "MIN_STEPS", "SYNTHETIC_AUDIO_SECONDS", "SYNTHETIC_TEXT_WORDS", "bench",
           "bench_one", "device_name", "synthetic_inputs"]

DEFAULT_BATCH_SIZES: Final = (1, 32)
DEFAULT_SECONDS: Final = 3.0
DEFAULT_WARMUP: Final = 5  # timm's benchmark.py warms up 10 steps; 5 is enough once the batch is built
MIN_STEPS: Final = 3  # a median and a p95 of fewer steps say little
SYNTHETIC_TEXT_WORDS: Final = 128  # common English words: about one token each for WordPiece and BPE tokenizers
SYNTHETIC_AUDIO_SECONDS: Final = 1.0
DEFAULT_IMAGE_SIZE: Final = 224  # for an image model whose config states no input_size
_TEXT = "the quick brown fox jumps over the lazy dog".split()


def bench(models: Sequence[str] | str, *, batch_sizes: Sequence[int] | int = DEFAULT_BATCH_SIZES, device: str = "auto",
          dtype: str = "float32", channels_last: bool | None = None, compile: bool = False,
          seconds: float = DEFAULT_SECONDS, warmup: int = DEFAULT_WARMUP, synthetic: bool = False,
          model_args: Mapping[str, Any] | None = None, random_init: bool = False, registry: Any = None,
          report: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Bench each model (names or fnmatch patterns) on this machine, one after another; one record each.

    Every name is checked before anything is built. A model that cannot be built or run
    does not stop the others: its record has ``status: "failed"`` and the ``error``.
    ``report`` is called with each record as it is done.
    """
    from zoo import api
    from zoo.engine import devices

    registry = registry if registry is not None else api.default_registry()
    names = [models] if isinstance(models, str) else list(models)
    if not names:
        raise UsageError("name a model to bench: zoo bench MODEL (see `zoo list --available`)")
    sizes = check_batch_sizes(batch_sizes)
    if not (isinstance(seconds, (int, float)) and seconds > 0):
        raise UsageError(f"--seconds must be a number of seconds above 0, not {seconds!r}")
    if not (isinstance(warmup, int) and warmup >= 0):
        raise UsageError(f"--warmup must be a whole number of steps, 0 or more, not {warmup!r}")
    devices.resolve_dtype(dtype)
    resolved = devices.resolve_device(device)
    specs = [registry.get(name, "model") for name in api.expand_models(names, registry=registry)]
    records = []
    for spec in specs:
        record = bench_one(spec, registry=registry, batch_sizes=sizes, device=resolved, dtype=dtype,
                           channels_last=channels_last, compile=compile, seconds=float(seconds), warmup=warmup,
                           synthetic=synthetic, model_args=dict(model_args or {}), random_init=random_init)
        records.append(record)
        if report is not None:
            report(record)
    return records


def check_batch_sizes(batch_sizes: Sequence[int] | int) -> tuple[int, ...]:
    """Batch sizes in the order given, each once; each a whole number of at least 1 (one number: that one)."""
    if isinstance(batch_sizes, int):
        batch_sizes = (batch_sizes,)
    sizes = tuple(dict.fromkeys(batch_sizes))
    if not sizes or any(isinstance(size, bool) or not isinstance(size, int) or size < 1 for size in sizes):
        raise UsageError(f"--batch-size takes whole numbers of at least 1, comma-separated (1,32), "
                         f"not {','.join(map(str, batch_sizes)) or 'nothing'}")
    return sizes


def bench_one(spec: Any, *, registry: Any, batch_sizes: Sequence[int], device: str, dtype: str,
              channels_last: bool | None, compile: bool, seconds: float, warmup: int, synthetic: bool,
              model_args: dict[str, Any], random_init: bool) -> dict[str, Any]:
    """The bench record of one catalogue entry; ``status: "failed"`` with the reason when it cannot run."""
    from zoo.engine import record as records

    request = {"model": spec.id, "batch_sizes": list(batch_sizes), "device": device, "dtype": dtype,
               "channels_last": channels_last, "compile": compile, "seconds": seconds, "warmup": warmup,
               "synthetic": synthetic, "model_args": {**model_args, **({"random_init": True} if random_init else {})}}
    try:
        model_section, bench_section = _measure(spec, registry, request, model_args, random_init)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - one model's failure is its row in the table, not the end
        reason = str(error) if isinstance(error, ZooError) else f"{type(error).__name__}: {error}"
        return {"zoo_record": records.RECORD_VERSION, "kind": "bench", "status": "failed", "error": reason,
                "request": request, "task": spec.task,
                "model": {"id": spec.id, "parameters": spec.params, "license": spec.license},
                "bench": {"device": device, "device_name": device_name(device), "dtype": dtype},
                "versions": records.library_versions()}
    return {"zoo_record": records.RECORD_VERSION, "kind": "bench", "status": "ok", "request": request,
            "task": spec.task, "model": model_section, "bench": bench_section, "versions": records.library_versions()}


def _measure(spec: Any, registry: Any, request: dict[str, Any], model_args: dict[str, Any],
             random_init: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    import torch
    import torch.utils.flop_counter  # noqa: F401 - imported before the memory baseline, not counted in it

    from zoo import api
    from zoo.engine import devices

    device, dtype = request["device"], request["dtype"]
    task = registry.get(spec.task, "task")
    cuda = device.startswith("cuda")
    started = time.perf_counter()
    model = api.build_model(spec, registry=registry, random_init=random_init, **model_args)
    raw, inputs, description = _raw_inputs(spec, model, task.input, max(request["batch_sizes"]), registry,
                                           synthetic=request["synthetic"])
    # The baseline once the model and its inputs are built: what libraries and data loading take is not the model's.
    rss_before = _peak_rss_bytes()
    name = f"model {spec.id}"
    how = devices.execution(model, device=device, dtype=dtype, image_input=task.input == "image",
                            channels_last=request["channels_last"], compile=request["compile"], name=name)
    build_seconds = time.perf_counter() - started
    one = model.collate(raw[:1])
    # FLOPs of the plain module (a compiled one hides its operations from the counter), then the real setup.
    restore = devices.prepare(model, devices.Execution(device, dtype, how.channels_last, compile=False))
    try:
        flops = _count_flops(model, how.inputs(one), how)
    finally:
        restore()
    restore = devices.prepare(model, how)
    by_batch_size: dict[str, dict[str, Any]] = {}
    window_seconds: dict[str, float] = {}
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    try:
        for size in request["batch_sizes"]:
            batch = how.inputs(model.collate(_cycle(raw, size)))
            steps, elapsed = _timed_steps(lambda: _forward(model, batch, how), warmup=request["warmup"],
                                          seconds=request["seconds"], sync=_synchronizer(device))
            figures = {"samples_per_second": round(size * len(steps) / elapsed, 3),
                       "latency_ms_median": round(1000 * statistics.median(steps), 3),
                       "latency_ms_p95": round(1000 * _percentile(steps, 95), 3), "steps": len(steps)}
            if task.input == "audio":  # the real-time factor: seconds of audio per second of compute
                audio = sum(getattr(item, "seconds", 0.0) for item in _cycle(raw, size))
                figures["audio_seconds_per_second"] = round(audio * len(steps) / elapsed, 3)
            by_batch_size[str(size)] = figures
            window_seconds[str(size)] = round(elapsed, 3)
    finally:
        restore()
    if cuda:
        peak, memory_kind = int(torch.cuda.max_memory_allocated(device)), "cuda-peak-allocated"
    else:
        peak, memory_kind = _weights_bytes(model) + max(0, _peak_rss_bytes() - rss_before), "rss-increase"
    parameters = _parameters(model, spec)
    largest = str(max(request["batch_sizes"]))
    bench_section = {
        "device": device, "device_name": device_name(device), "dtype": dtype, "autocast": how.autocast,
        "channels_last": how.channels_last, "compile": how.compile, "inputs": inputs,
        "input_description": description, "input_shape": _shape(one),
        "flops_per_sample": flops, "macs_per_sample": None if flops is None else flops // 2,
        "params": parameters, "peak_memory_bytes": peak, "memory_kind": memory_kind,
        "by_batch_size": by_batch_size, "samples_per_second": by_batch_size[largest]["samples_per_second"],
        "seconds_per_batch_size": window_seconds, "warmup_steps": request["warmup"],
        "build_seconds": round(build_seconds, 3), "threads": torch.get_num_threads(),
    }
    model_section = {"id": spec.id, "parameters": parameters, "weights_sha256": getattr(model, "weights_sha256", None),
                     "random_weights": bool(getattr(model, "random_weights", False)), "license": spec.license,
                     "builder": spec.builder, "config": dict(getattr(model, "config", {}) or {})}
    return model_section, bench_section


def _forward(model: Any, batch: Any, how: Any) -> Any:
    import torch

    with torch.inference_mode(), how.forward_context():
        return model.forward(batch)


def _timed_steps(step: Callable[[], Any], *, warmup: int, seconds: float,
                 sync: Callable[[], None]) -> tuple[list[float], float]:
    """timm's benchmark.py loop: ``warmup`` untimed steps, then steps timed one by one until the
    window is over (and at least MIN_STEPS ran); returns each step's seconds and the window's."""
    for _ in range(warmup):
        step()
    sync()
    steps: list[float] = []
    window_started = time.perf_counter()
    while True:
        began = time.perf_counter()
        step()
        sync()
        ended = time.perf_counter()
        steps.append(ended - began)
        if ended - window_started >= seconds and len(steps) >= MIN_STEPS:
            return steps, ended - window_started


def _synchronizer(device: str) -> Callable[[], None]:
    """Waits for the device's queued work, so a step's time is its work's (the CPU's is done on return)."""
    import torch

    if device.startswith("cuda"):
        return lambda: torch.cuda.synchronize(device)
    if device == "mps":
        return torch.mps.synchronize
    return lambda: None


def _percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: a value that was measured, never one interpolated between two."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))  # ceil
    return ordered[int(rank) - 1]


def _count_flops(model: Any, batch: Any, how: Any) -> int | None:
    """FLOPs of one forward pass of ``batch`` (one sample), or None when no counted operation ran
    (a model that is not a torch network, such as PocketSphinx)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        _forward(model, batch, how)
    total = int(counter.get_total_flops())
    return total or None


def _raw_inputs(spec: Any, model: Any, kind: str, count: int, registry: Any, *,
                synthetic: bool) -> tuple[list[Any], str, str]:
    """``count`` raw inputs (or all a smaller dataset has), what the record calls them, and how they were made."""
    if not synthetic and spec.default_dataset:
        from zoo import api

        try:
            dataset = api.build_dataset(spec.default_dataset, registry=registry)
        except ZooError:  # not here (a hub dataset not pulled): synthetic inputs, and the record says so
            dataset = None
        if dataset is not None and len(dataset):
            raw = []
            for index in range(min(count, len(dataset))):
                try:
                    raw.append(dataset[index].input)
                except ZooError:  # an unreadable sample is left out, as `zoo run --on-error skip` would
                    continue
            if raw:
                ident = getattr(getattr(dataset, "built_from", None), "spec", None)
                name = ident.id if ident is not None else spec.default_dataset
                return raw, f"dataset:{name}", (f"the first {len(raw)} samples of {name} [{dataset.split}], "
                                                "repeated to fill larger batches, through the model's preprocessing")
    return synthetic_inputs(model, kind, count)


def synthetic_inputs(model: Any, kind: str, count: int) -> tuple[list[Any], str, str]:
    """``count`` synthetic raw inputs of the model's own size, seeded so every bench sees the same:
    images of its config's ``input_size`` (uniform noise), texts of :data:`SYNTHETIC_TEXT_WORDS`
    words, clips of :data:`SYNTHETIC_AUDIO_SECONDS` of quiet noise at its ``sampling_rate``."""
    import numpy as np

    config = dict(getattr(model, "config", {}) or {})
    generator = np.random.default_rng(0)
    if kind == "image":
        size = config.get("input_size") or (3, DEFAULT_IMAGE_SIZE, DEFAULT_IMAGE_SIZE)
        channels, height, width = (int(value) for value in size)
        shape = (height, width) if channels == 1 else (height, width, 3)
        images = [generator.integers(0, 256, size=shape, dtype=np.uint8) for _ in range(count)]
        return images, "synthetic", f"{count} random {width}x{height} images (the model's input_size)"
    if kind == "audio":
        from zoo.interface import Audio

        rate = int(config.get("sampling_rate") or 16000)
        samples = int(SYNTHETIC_AUDIO_SECONDS * rate)
        clips = [Audio((0.01 * generator.standard_normal(samples)).astype(np.float32), rate) for _ in range(count)]
        return clips, "synthetic", f"{count} clips of {SYNTHETIC_AUDIO_SECONDS:g} s of noise at {rate} Hz"
    text = " ".join(_TEXT[i % len(_TEXT)] for i in range(SYNTHETIC_TEXT_WORDS))
    return [text] * count, "synthetic", f"{count} texts of {SYNTHETIC_TEXT_WORDS} words"


def _cycle(items: Sequence[Any], size: int) -> list[Any]:
    return [items[i % len(items)] for i in range(size)]


def _shape(batch: Any) -> Any:
    """The shape of a collated batch (of one sample): a list, or a mapping of them; None when not tensors."""
    shape = getattr(batch, "shape", None)
    if shape is not None:
        return list(shape)
    if isinstance(batch, Mapping):
        shapes = {str(key): _shape(value) for key, value in batch.items()}
        return {key: value for key, value in shapes.items() if value is not None} or None
    if hasattr(batch, "keys") and hasattr(batch, "__getitem__"):  # transformers' BatchEncoding
        return _shape({key: batch[key] for key in batch.keys()})
    return None


def _parameters(model: Any, spec: Any) -> int | None:
    counter = getattr(model, "num_parameters", None)
    return int(counter()) if callable(counter) else spec.params


def _weights_bytes(model: Any) -> int:
    """The bytes of the model's torch parameters and buffers (0 for a model that has no torch module)."""
    from zoo.engine.devices import torch_module

    module = torch_module(model)
    if module is None:
        return 0
    tensors = [*module.parameters(), *module.buffers()]
    return sum(tensor.numel() * tensor.element_size() for tensor in tensors)


def _peak_rss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # macOS says bytes, Linux kibibytes


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's model name (``/proc/cpuinfo``, else ``platform.processor()``)."""
    if device.startswith("cuda"):
        import torch

        return str(torch.cuda.get_device_name(device))
    if device == "mps":
        return f"Apple {platform.machine()} (mps)"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"
