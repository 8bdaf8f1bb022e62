"""The ``ray`` executor: one Ray task per job (``pip install 'model-zoo-registry[ray]'``).

``--address auto`` joins the cluster this machine belongs to, ``--address host:port`` the one
there; without ``--address`` a Ray already started in this process is used, else a local
Ray is started for the sweep (``--jobs`` CPUs when given) and stopped after it. Each task asks
for ``--cpus-per-job`` CPUs (default 1) and ``--gpus-per-job`` GPUs (default 0: a GPU job must
say so, and Ray then gives it its own GPUs through ``CUDA_VISIBLE_DEVICES``). Ray does not
retry a task itself: ``--retries`` does, in the sweep.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

from zoo.errors import UsageError
from zoo.sweep.executors import Executor, ExecutorOptions, Finished, needs_extra
from zoo.sweep.jobs import SweepJob, one_line, run_job

__all__ = ["RayExecutor"]

CONNECT_TIMEOUT_S = 5.0


class RayExecutor(Executor):
    """Jobs as Ray tasks; the results come back as they finish (``ray.wait``)."""

    name = "ray"

    def __init__(self, options: ExecutorOptions) -> None:
        try:
            import ray
        except ImportError as error:
            raise needs_extra("ray", "Ray", "ray", error) from None
        self._ray = ray
        self._started_here = False
        if options.address is not None:
            _check_answers(options.address)
            try:
                # ignore_reinit_error: from Python, a Ray already joined is the one to use.
                ray.init(address=options.address, logging_level=logging.WARNING, ignore_reinit_error=True)
            except ConnectionError as error:
                raise UsageError(f"--address {options.address}: no Ray cluster answers there ({one_line(error)}); "
                                 "start one (`ray start --head`) or leave out --address for a local Ray") from None
        elif not ray.is_initialized():
            ray.init(num_cpus=options.jobs * (options.cpus_per_job or 1) if options.jobs > 1 else None,
                     include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
            self._started_here = True
        self._task = ray.remote(run_job).options(num_cpus=options.cpus_per_job or 1,
                                                 num_gpus=options.gpus_per_job or 0, max_retries=0)
        self._pending: dict[Any, tuple[SweepJob, float]] = {}

    def submit(self, job: SweepJob) -> None:
        self._pending[self._task.remote(job)] = (job, time.perf_counter())

    def finished(self) -> Iterator[Finished]:
        ray = self._ray
        while self._pending:
            ready, _ = ray.wait(list(self._pending), num_returns=1)
            for ref in ready:
                job, submitted = self._pending.pop(ref)
                try:
                    record = ray.get(ref)
                except ray.exceptions.RayTaskError as error:  # the job raised: its own error, in one line
                    cause = error.cause if isinstance(getattr(error, "cause", None), BaseException) else error
                    yield Finished(job, error=one_line(cause), seconds=time.perf_counter() - submitted)
                except ray.exceptions.RayError as error:  # the worker died, the node was lost, the task cancelled
                    yield Finished(job, error=f"its Ray task ended without a result: {one_line(error)}",
                                   seconds=time.perf_counter() - submitted)
                else:
                    yield Finished(job, record=record, seconds=time.perf_counter() - submitted)

    def close(self, *, cancel: bool = False) -> None:
        ray = self._ray
        if cancel:
            for ref in list(self._pending):
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001 - already finished, or its worker gone: nothing to stop
                    pass
        self._pending.clear()
        if self._started_here:
            ray.shutdown()


def _check_answers(address: str) -> None:
    """A ``host:port`` that accepts no connection is said at once: Ray itself keeps trying for minutes."""
    if address == "auto":
        return
    host, separator, port = address.removeprefix("ray://").rpartition(":")
    if not separator or not host or not port.isdigit():
        raise UsageError(f"--address {address}: expected auto, host:port or ray://host:port")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise UsageError(f"--address {address}: no Ray cluster answers there ({reason}); check the head node's "
                         "address and port (`ray status` on it), or leave out --address for a local Ray") from None
