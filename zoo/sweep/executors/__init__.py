"""Where a sweep's jobs run: one module per engine, behind one small interface.

* ``local`` (:mod:`zoo.sweep.executors.local`): in this process, one job after another, or
  a bounded pool of worker subprocesses, one device each;
* ``ray`` (:mod:`zoo.sweep.executors.ray`): one Ray task per job, on a cluster or a local Ray;
* ``slurm`` (:mod:`zoo.sweep.executors.slurm`): submitit job arrays on Slurm (or submitit's
  local processes), a job optionally running ``torchrun`` across its node's GPUs.

An :class:`Executor` takes jobs (:meth:`~Executor.submit`), yields each one as it finishes
with its record or the one-line reason it has none (:meth:`~Executor.finished`), and stops
(:meth:`~Executor.close`). It only runs jobs: the sweep itself retries them and writes every
record, in this process only.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from zoo.errors import UsageError
from zoo.sweep.jobs import SweepJob

__all__ = ["EXECUTORS", "Executor", "ExecutorOptions", "Finished", "make_executor", "needs_extra"]

EXECUTORS = ("local", "ray", "slurm")
"""The executors a sweep can run its jobs on."""

# Which executor each option belongs to (given to another, it is refused).
_OWNERS: dict[str, tuple[str, ...]] = {
    "address": ("ray",), "gpus_per_job": ("ray",),
    "partition": ("slurm",), "time": ("slurm",), "gpus_per_node": ("slurm",), "nodes": ("slurm",),
    "array_parallelism": ("slurm",), "slurm_folder": ("slurm",), "nproc_per_node": ("slurm",), "cluster": ("slurm",),
}


@dataclass(frozen=True)
class ExecutorOptions:
    """How and where jobs run. ``jobs``: jobs at once (the local pool's size; a local Ray's CPUs);
    ``cpus_per_job`` / ``gpus_per_job``: what a Ray task asks for (``cpus_per_job`` is also each
    local subprocess's threads and each Slurm job's CPUs); ``address``: the Ray cluster to join
    (``auto``, ``host:port``); the rest are Slurm's (see :mod:`zoo.sweep.executors.slurm`)."""

    jobs: int = 1
    cpus_per_job: int | None = None
    gpus_per_job: float | None = None
    address: str | None = None
    partition: str | None = None
    time: str | None = None
    gpus_per_node: int | None = None
    nodes: int | None = None
    array_parallelism: int | None = None
    slurm_folder: str | None = None
    nproc_per_node: int | None = None
    cluster: str | None = None

    def check(self, executor: str) -> None:
        """Refuse options of another executor, and values that cannot be right."""
        if executor not in EXECUTORS:
            raise UsageError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
        for name, owners in _OWNERS.items():
            if getattr(self, name) is not None and executor not in owners:
                raise UsageError(f"--{name.replace('_', '-')} is an option of --executor {' or '.join(owners)}, "
                                 f"not of --executor {executor}")
        for name in ("jobs", "cpus_per_job", "gpus_per_node", "nodes", "array_parallelism", "nproc_per_node"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise UsageError(f"--{name.replace('_', '-')} must be a whole number of at least 1, not {value!r}")
        if self.gpus_per_job is not None and not self.gpus_per_job >= 0:
            raise UsageError(f"--gpus-per-job must be 0 or more, not {self.gpus_per_job!r}")


@dataclass
class Finished:
    """A job that ended: its ``record`` (ok or failed), or the one-line ``error`` saying why it has
    none; ``seconds`` from when it started (or was submitted) to when it ended."""

    job: SweepJob
    record: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    where: dict[str, Any] = field(default_factory=dict)


class Executor(abc.ABC):
    """Runs sweep jobs somewhere; use it as a context manager (leaving it stops what still runs)."""

    name: ClassVar[str]

    @abc.abstractmethod
    def submit(self, job: SweepJob) -> None:
        """Queue a job; it may start at once or when :meth:`finished` is iterated."""

    @abc.abstractmethod
    def finished(self) -> Iterator[Finished]:
        """Each job as it ends, in the order they end, until none is left: a job submitted while
        this iterates (a retry) is waited for too."""

    @abc.abstractmethod
    def close(self, *, cancel: bool = False) -> None:
        """Release what the executor holds; ``cancel``: stop the jobs still queued or running."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self.close(cancel=kind is not None)


def needs_extra(executor: str, library: str, extra: str, error: ImportError) -> UsageError:
    """The one line for an executor whose library is not installed: which extra installs it."""
    from zoo.plugins import CORE_DISTRIBUTION

    message = f"--executor {executor} needs {library}: pip install '{CORE_DISTRIBUTION}[{extra}]'"
    if error.name is not None and error.name.split(".")[0] != _extra_module(extra):
        message += f" (it is installed, but importing it failed: {error})"  # a broken install, not a missing one
    return UsageError(message)


def _extra_module(extra: str) -> str:
    """The module an extra installs: ``ray`` for ``[ray]``, ``submitit`` for ``[slurm]``."""
    return {"ray": "ray", "slurm": "submitit"}[extra]


def make_executor(name: str, options: ExecutorOptions) -> Executor:
    """The executor called ``name`` (``local``, ``ray``, ``slurm``), set up with ``options``."""
    options.check(name)
    if name == "ray":
        from zoo.sweep.executors.ray import RayExecutor

        return RayExecutor(options)
    if name == "slurm":
        from zoo.sweep.executors.slurm import SlurmExecutor

        return SlurmExecutor(options)
    from zoo.sweep.executors.local import InProcessExecutor, SubprocessPoolExecutor

    if options.jobs == 1:
        return InProcessExecutor(options)
    return SubprocessPoolExecutor(options)
