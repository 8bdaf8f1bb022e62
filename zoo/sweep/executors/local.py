"""The ``local`` executor: jobs in this process, or in a bounded pool of worker subprocesses.

``--jobs 1`` (the default) runs the jobs one after another in this process. ``--jobs N``
keeps N worker subprocesses (``python -m zoo.sweep.worker``) running at a time, through a
:class:`concurrent.futures.ThreadPoolExecutor` of N slots: each slot has its own device
(``cuda:0``, ``cuda:1``... round-robin over this machine's GPUs when the device is ``auto``
or ``cuda``, else the device asked for) and starts one subprocess per job. A job in its own
process gives back all its memory (GPU memory included) when it ends, and a crash or a
kill fails that job alone, with its exit status as the reason. On the CPU each subprocess
gets ``OMP_NUM_THREADS`` (``--cpus-per-job``, else the cores shared out between the slots),
unless the environment sets it.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from zoo.sweep.executors import Executor, ExecutorOptions, Finished
from zoo.sweep.jobs import SweepJob, one_line, run_job, write_job

__all__ = ["InProcessExecutor", "SubprocessPoolExecutor", "slot_devices"]

STOP_GRACE_S = 10.0  # a stopped worker's time to clean up (SIGTERM), before SIGKILL


class InProcessExecutor(Executor):
    """Each job in this process, one after another, in the order submitted."""

    name = "local"

    def __init__(self, options: ExecutorOptions | None = None) -> None:
        self._queue: collections.deque[SweepJob] = collections.deque()

    def submit(self, job: SweepJob) -> None:
        self._queue.append(job)

    def finished(self) -> Iterator[Finished]:
        from zoo.engine import EvaluationInterrupted

        while self._queue:
            job = self._queue.popleft()
            started = time.perf_counter()
            try:
                record = run_job(job)
            except EvaluationInterrupted:
                raise KeyboardInterrupt from None  # Ctrl-C inside the run: the sweep stops
            except Exception as error:  # noqa: BLE001 - this job's reason, and the sweep goes on
                yield Finished(job, error=one_line(error), seconds=time.perf_counter() - started)
                continue
            yield Finished(job, record=record, seconds=time.perf_counter() - started)

    def close(self, *, cancel: bool = False) -> None:
        self._queue.clear()


def slot_devices(device: str, slots: int) -> list[str]:
    """The device of each of ``slots`` pool slots for jobs asking for ``device``: ``auto`` and
    ``cuda`` go round-robin over this machine's GPUs (``auto`` without one stays ``auto``:
    each job picks mps or cpu); any other device is every slot's."""
    if device not in ("auto", "cuda"):
        return [device] * slots
    from zoo.engine.devices import available_devices

    gpus = [name for name in available_devices() if name.startswith("cuda:")]
    if not gpus:
        return [device] * slots
    return [gpus[slot % len(gpus)] for slot in range(slots)]


class SubprocessPoolExecutor(Executor):
    """At most ``options.jobs`` jobs at a time, each in a worker subprocess on its slot's device."""

    name = "local"

    def __init__(self, options: ExecutorOptions) -> None:
        self._slots = options.jobs
        self._cpus = options.cpus_per_job
        self._pool = ThreadPoolExecutor(max_workers=self._slots, thread_name_prefix="zoo-sweep-slot")
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(self._slots):
            self._free.put(slot)
        self._devices: dict[str, list[str]] = {}  # a job's device -> each slot's
        self._futures: dict[Future[Finished], SweepJob] = {}
        self._running: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._stopping = False
        self._folder = Path(tempfile.mkdtemp(prefix="zoo-sweep-"))
        self._count = 0

    def submit(self, job: SweepJob) -> None:
        device = job.request.device
        if device not in self._devices:
            self._devices[device] = slot_devices(device, self._slots)  # asked here, in the sweep's thread
        self._futures[self._pool.submit(self._run, job)] = job

    def finished(self) -> Iterator[Finished]:
        while self._futures:
            done, _ = wait(list(self._futures), return_when=FIRST_COMPLETED)
            for future in done:
                self._futures.pop(future)
                yield future.result()

    def _environment(self, device: str) -> dict[str, str]:
        environment = dict(os.environ)
        # The worker imports what this process can (the builders' modules included).
        environment["PYTHONPATH"] = os.pathsep.join(
            [entry for entry in sys.path if entry] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
        if "OMP_NUM_THREADS" not in os.environ and not device.startswith("cuda"):
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            environment["OMP_NUM_THREADS"] = str(self._cpus or max(1, cores // self._slots))
        return environment

    def _run(self, job: SweepJob) -> Finished:
        """In a slot's thread: run one job in a worker subprocess and read back its record."""
        slot = self._free.get()
        try:
            device = self._devices[job.request.device][slot]
            with self._lock:
                self._count += 1
                base = self._folder / f"{self._count}-{job.name}"
            job_file, record_file, log_file = (base.with_suffix(suffix) for suffix in (".pickle", ".json", ".log"))
            write_job(job_file, job.on(device))
            started = time.perf_counter()
            with open(log_file, "wb") as log:
                with self._lock:
                    if self._stopping:
                        return Finished(job, error="not started: the sweep was stopped")
                    process = subprocess.Popen(
                        [sys.executable, "-m", "zoo.sweep.worker", str(job_file), str(record_file)],
                        stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self._environment(device),
                        start_new_session=True)  # Ctrl-C reaches the sweep, which stops its workers itself
                    self._running[process.pid] = process
                try:
                    status = process.wait()
                finally:
                    with self._lock:
                        self._running.pop(process.pid, None)
            seconds = time.perf_counter() - started
            where = {"device": device, "pid": process.pid}
            if record_file.exists():
                return Finished(job, record=json.loads(record_file.read_text(encoding="utf-8")), seconds=seconds,
                                where=where)
            return Finished(job, error=_exit_reason(status, log_file), seconds=seconds, where=where)
        finally:
            self._free.put(slot)

    def close(self, *, cancel: bool = False) -> None:
        if cancel:
            with self._lock:
                self._stopping = True
                running = list(self._running.values())
            for process in running:
                _signal(process, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_S
            for process in running:
                try:
                    process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal(process, signal.SIGKILL)
                    process.wait()
        self._pool.shutdown(wait=True, cancel_futures=cancel)
        shutil.rmtree(self._folder, ignore_errors=True)


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        process.send_signal(signum)
    except ProcessLookupError:
        pass


def _exit_reason(status: int, log_file: Path) -> str:
    """Why a worker left no record, in one line: the signal that killed it, or its last error line."""
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"its worker process was killed by {name} (out of memory, or stopped from outside)"
    lines = [line.strip() for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines()
             if line.strip()]
    errors = [line.removeprefix("zoo: error: ") for line in lines if line.startswith("zoo: error: ")]
    if errors:
        return errors[-1]
    return f"its worker process exited with status {status}" + (f": {lines[-1]}" if lines else " and wrote nothing")
