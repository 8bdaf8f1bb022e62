"""Sweeps: many models on many datasets, one job per (model, dataset, split), on an existing engine.

``zoo sweep`` calls these. :func:`sweep` plans and runs a sweep and returns its summary
(plain data); :func:`plan_sweep` only plans (what ``--dry-run`` shows), and :func:`run_sweep`
runs a plan. Jobs run through an executor (:mod:`zoo.sweep.executors`): ``local`` (this
process, or a pool of subprocesses), ``ray`` or ``slurm`` (submitit). Every record goes to
the results store (:mod:`zoo.store`) and, with ``output``, to a folder; a job the store
already holds is skipped, so a sweep started again runs only what is missing.

Importing this imports neither torch nor Ray nor submitit: each is imported when used.
See docs/sweeps.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from zoo.registry import Registry
from zoo.sweep.executors import EXECUTORS, ExecutorOptions
from zoo.sweep.jobs import SweepJob
from zoo.sweep.planning import PlannedJob, SweepPlan, plan_sweep
from zoo.sweep.running import SweepInterrupted, run_sweep

__all__ = ["EXECUTORS", "ExecutorOptions", "PlannedJob", "SweepInterrupted", "SweepJob", "SweepPlan", "plan_sweep",
           "run_sweep", "sweep"]


def sweep(models: Any, datasets: Any = (), splits: Any = (), *, executor: str = "local", retries: int = 0,
          output: str | Path | None = None, results: str | Path | None = None, rerun: bool = False,
          registry: Registry | None = None, progress: bool = False, log: TextIO | None = None,
          executor_options: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """Evaluate every model on every dataset (and split); returns the summary.

    ``models``: names or patterns; ``datasets``: names (none: each model's default);
    ``splits``: names (none: each dataset's default). ``options``: run options as for
    :func:`zoo.evaluate` (``limit``, ``batch_size``, ``device``, ``dtype``...).
    ``executor_options``: :class:`ExecutorOptions` fields (``{"jobs": 4}``,
    ``{"address": "auto"}``, ``{"partition": "gpu", "time": "4:00:00"}``...).

    The summary: ``jobs``, one dict per job (``job``, ``model``, ``dataset``, ``split``,
    ``status`` ok / failed / stored / not run, ``metric`` and ``value`` (the main metric),
    ``seconds``, ``attempts``, ``error``, ``record_id`` in the store, ``output`` file), and
    ``counts`` of each status. Ctrl-C raises :class:`SweepInterrupted` (its ``summary`` too).
    """
    plan = plan_sweep(models, datasets, splits, registry=registry, results=results, rerun=rerun,
                      check_device=executor == "local", **options)
    return run_sweep(plan, executor=executor, retries=retries, output=output, progress=progress, log=log,
                     **(executor_options or {}))
