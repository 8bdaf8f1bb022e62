"""The ``slurm`` executor: jobs through submitit (``pip install 'model-zoo-registry[slurm]'``).

The jobs waiting to be submitted go to Slurm together as one job array (``executor.batch()``:
one ``sbatch``, ``--array=0-N%P`` with P ``--array-parallelism``), each array task one job
with ``--partition``, ``--time`` (Slurm's formats: ``90``, ``4:00:00``, ``1-12:00:00``; default
60 minutes), ``--gpus-per-node`` and ``--cpus-per-job``. A retry is a new, smaller array.

For a dataset too large for one GPU, ``--nproc-per-node N`` makes each job run ``torchrun``
with N processes on its node (one per GPU: give ``--gpus-per-node N`` too), each evaluating a
shard of the samples; with ``--nodes M`` the job spans M nodes, one ``torchrun`` per node
meeting at the first. submitit keeps each job's pickles and logs in ``--slurm-folder``
(default ``zoo-sweep-slurm/%j`` here, which must be on a filesystem the nodes share).

``--cluster local`` runs the same submitit jobs as local processes (submitit's own
LocalExecutor), ``--jobs`` at a time: a sweep tried on a laptop before it goes to the
cluster, and what the tests run.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import time
from collections.abc import Iterator
from typing import Any

from zoo.errors import UsageError
from zoo.sweep.executors import Executor, ExecutorOptions, Finished, needs_extra
from zoo.sweep.jobs import SweepJob, run_job, run_job_under_torchrun

__all__ = ["CLUSTERS", "DEFAULT_FOLDER", "DEFAULT_TIME", "SlurmExecutor", "slurm_minutes"]

CLUSTERS = ("slurm", "local")
DEFAULT_FOLDER = "zoo-sweep-slurm/%j"
DEFAULT_TIME = "60"
# Slurm states of a job that ended without running to its end: its result will never come.
_ENDED_UNFINISHED = ("CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
                     "FAILED", "INTERRUPTED")


def slurm_minutes(text: str) -> int:
    """Slurm's ``--time`` formats as whole minutes (rounded up): ``90``, ``90:30`` (min:s),
    ``4:00:00``, ``2-0``, ``2-12:00``, ``2-12:00:00``."""
    match = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", text.strip())
    if not match:
        raise UsageError(f"--time {text!r}: use minutes (90), hours:minutes:seconds (4:00:00) or "
                         "days-hours[:minutes[:seconds]] (1-12:00:00), as sbatch --time does")
    days, first, second, third = (int(part) if part is not None else None for part in match.groups())
    if days is not None:  # days-hours[:minutes[:seconds]]
        seconds = days * 86400 + first * 3600 + (second or 0) * 60 + (third or 0)
    elif third is not None:  # hours:minutes:seconds
        seconds = first * 3600 + (second or 0) * 60 + third
    else:  # minutes[:seconds]
        seconds = first * 60 + (second or 0)
    if seconds <= 0:
        raise UsageError(f"--time {text!r}: a job needs some time")
    return -(-seconds // 60)


class SlurmExecutor(Executor):
    """Jobs as submitit jobs: arrays on Slurm, or submitit's local processes (``cluster="local"``)."""

    name = "slurm"

    def __init__(self, options: ExecutorOptions) -> None:
        try:
            import submitit
        except ImportError as error:
            raise needs_extra("slurm", "submitit", "slurm", error) from None
        self._submitit = submitit
        cluster = options.cluster or "slurm"
        if cluster not in CLUSTERS:
            raise UsageError(f"--cluster must be one of {', '.join(CLUSTERS)}, not {cluster!r}")
        nodes = options.nodes or 1
        if nodes > 1 and not options.nproc_per_node:
            raise UsageError(f"--nodes {nodes}: a job spans nodes only under torchrun; give --nproc-per-node too "
                             "(one process per GPU of a node)")
        if nodes > 1 and cluster == "local":
            raise UsageError(f"--nodes {nodes}: --cluster local runs on this machine alone; use --nodes 1")
        if cluster == "slurm" and (shutil.which("sbatch") is None or shutil.which("srun") is None):
            raise UsageError("--executor slurm submits with sbatch and srun, which are not on PATH here: run the sweep "
                             "on a Slurm login node (or pass --cluster local to run the same jobs as local processes)")
        self._cluster = cluster
        self._executor = submitit.AutoExecutor(folder=options.slurm_folder or DEFAULT_FOLDER, cluster=cluster)
        parameters: dict[str, Any] = {"name": "zoo-sweep", "timeout_min": slurm_minutes(options.time or DEFAULT_TIME),
                                      "nodes": nodes, "tasks_per_node": 1}
        if options.gpus_per_node:
            parameters["gpus_per_node"] = options.gpus_per_node
        if options.cpus_per_job:
            parameters["cpus_per_task"] = options.cpus_per_job
        if cluster == "slurm":
            if options.partition:
                parameters["slurm_partition"] = options.partition
            if options.array_parallelism:
                parameters["slurm_array_parallelism"] = options.array_parallelism
        self._executor.update_parameters(**parameters)
        self._nproc = options.nproc_per_node
        self._single_task = nodes == 1
        self._queued: list[SweepJob] = []
        self._handles: list[tuple[Any, SweepJob, float]] = []
        self._poll_s = 0.1 if cluster == "local" else 2.0
        # Slurm queues what it cannot run yet; submitit's local processes all start at once, so
        # on this machine --jobs says how many run together.
        self._room = options.jobs if cluster == "local" else None

    @property
    def folder(self) -> Any:
        """Where submitit keeps the jobs' pickles, submission scripts and logs."""
        return self._executor.folder

    def submit(self, job: SweepJob) -> None:
        self._queued.append(job)

    def flush(self) -> list[Finished]:
        """Submit the queued jobs now, as one array (:meth:`finished` does it too, as it waits); returns
        the jobs sbatch refused, each a finished job with sbatch's error line as its reason."""
        room = len(self._queued) if self._room is None else max(0, self._room - len(self._handles))
        batch, self._queued = self._queued[:room], self._queued[room:]
        if not batch:
            return []
        utils = self._submitit.core.utils
        chatter = io.StringIO()  # submitit prints sbatch's error output itself; the sweep says it once, per job
        try:
            with contextlib.redirect_stderr(chatter), self._executor.batch():
                handles = [self._executor.submit(run_job_under_torchrun, job, self._nproc) if self._nproc
                           else self._executor.submit(run_job, job) for job in batch]
        except (utils.FailedJobError, utils.FailedSubmissionError, OSError) as error:
            reason = _refused(str(error) or chatter.getvalue())
            return [Finished(job, error=reason) for job in batch]
        submitted = time.perf_counter()
        self._handles += [(handle, job, submitted) for handle, job in zip(handles, batch)]
        return []

    def finished(self) -> Iterator[Finished]:
        while self._queued or self._handles:
            if self._queued:
                yield from self.flush()
            for entry in list(self._handles):
                handle, job, submitted = entry
                if not handle.done():
                    continue
                self._handles.remove(entry)
                yield self._outcome(handle, job, time.perf_counter() - submitted)
            if self._handles:
                time.sleep(self._poll_s)

    def _outcome(self, handle: Any, job: SweepJob, seconds: float) -> Finished:
        utils = self._submitit.core.utils
        where = {"job_id": handle.job_id, "log": str(handle.paths.stderr)}
        try:
            if self._single_task and not handle.paths.result_pickle.exists() and self._ended_unfinished(handle):
                raise utils.UncompletedJobError(handle.state)
            results = handle.results()
        except utils.FailedJobError as error:  # the job's own code raised: its last line says what
            return Finished(job, error=_raised_in_job(str(error)), seconds=seconds, where=where)
        except utils.UncompletedJobError:
            state = str(handle.state)
            said = f" ({state})" if state.split()[0] in _ENDED_UNFINISHED else ""  # TIMEOUT, CANCELLED by 0...
            return Finished(job, seconds=seconds, where=where,
                            error=f"slurm job {handle.job_id} ended without a result{said}: killed by the scheduler "
                                  f"(time limit, preemption, memory) or a signal; its log: {handle.paths.stderr}")
        record = next((result for result in results if result is not None), None)
        if record is None:
            return Finished(job, error=f"slurm job {handle.job_id} returned no record; its log: {handle.paths.stderr}",
                            seconds=seconds, where=where)
        return Finished(job, record=record, seconds=seconds, where=where)

    def _ended_unfinished(self, handle: Any) -> bool:
        """Whether a job that left no result has ended for good (a local process has; on Slurm, a
        state such as TIMEOUT says so, else submitit waits a little for a slow filesystem)."""
        if self._cluster == "local":
            return True
        return str(handle.state).split()[0] in _ENDED_UNFINISHED

    def close(self, *, cancel: bool = False) -> None:
        self._queued.clear()
        if cancel:
            for handle, _, _ in self._handles:
                with contextlib.suppress(Exception):  # already ended: nothing to cancel
                    handle.cancel(check=False)
        self._handles.clear()


def _refused(text: str) -> str:
    """sbatch's refusal in one line: its error line, with what to check for a partition."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "sbatch failed")
    hint = " (`sinfo --summarize` lists the partitions; check --partition)" if "partition" in line.lower() else ""
    return f"not submitted: {line}{hint}"


def _raised_in_job(text: str) -> str:
    """The exception line of the trace submitit reports for a job whose code raised."""
    trace = text.split("-" * 22)
    body = trace[1] if len(trace) >= 3 else text
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    last = lines[-1] if lines else text.strip()
    kind, separator, message = last.partition(": ")
    if separator and kind.startswith("zoo."):  # a zoo error's message is written for the user
        return message
    return f"{kind.rsplit('.', 1)[-1]}: {message}" if separator else last
