"""One job of a sweep: what it evaluates, carried whole to wherever it runs, and how it runs there.

A :class:`SweepJob` holds the run request and a registry of only the entries it needs (its
task, model, dataset and metrics, with their plugins' records): a job never loads plugins
or reads catalogues, so a catalogue edited during a sweep cannot change or break a job
planned before it, and a job runs the same in this process, a subprocess, a Ray worker or
a Slurm node. :func:`run_job` is what each executor calls: the engine's own
:func:`zoo.engine.plan` and :func:`zoo.engine.run`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.engine.planning import Plan, RunRequest
from zoo.errors import ZooError
from zoo.registry import Registry

__all__ = ["JobFailed", "SweepJob", "job_name", "one_line", "run_job", "run_job_under_torchrun"]


class JobFailed(ZooError):
    """A job ended without a record: its process died, the scheduler killed it, it was never submitted."""


@dataclass(frozen=True)
class SweepJob:
    """One (model, dataset, split) evaluation of a sweep, as it travels to where it runs.

    ``request`` is the run request (the device as the user gave it: each machine resolves
    ``auto`` itself); ``registry`` holds only the entries the job needs.
    """

    name: str
    model: str
    dataset: str
    split: str
    request: RunRequest
    registry: Registry

    def on(self, device: str) -> SweepJob:
        """The same job, run on ``device`` (a local pool gives each of its slots one device)."""
        return dataclasses.replace(self, request=dataclasses.replace(self.request, device=device))

    @property
    def title(self) -> str:
        """How messages name the job: ``plugin:model on plugin:dataset [split]``."""
        return f"{self.model} on {self.dataset} [{self.split}]"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def job_name(model: str, dataset: str, split: str) -> str:
    """A job's name, which is also its output file's name: ids with ``:`` as ``.``, and anything
    that is not a letter, digit, ``.``, ``_`` or ``-`` as ``_`` (``toys.keyword--toys.reviews--test``)."""
    return "--".join(_UNSAFE.sub("_", part.replace(":", ".")).strip(".") or "_" for part in (model, dataset, split))


def needed_registry(p: Plan, registry: Registry) -> Registry:
    """A registry of the entries plan ``p`` uses and the records of their plugins: small, and
    picklable (no plugin manager), so it travels with the job."""
    subset = Registry()
    specs = [p.task, p.model, p.dataset, *p.metrics]
    for spec in specs:
        if spec is not None:
            subset.add(spec)
    plugins = {spec.plugin for spec in specs if spec is not None}
    subset.plugins = [dataclasses.replace(record, exception=None, contributed={})
                      for record in registry.plugins if record.name in plugins]
    return subset


def run_job(job: SweepJob) -> dict[str, Any]:
    """Plan and run one job here; returns its record: ``status: "ok"``, or ``"failed"`` with the
    reason when the model or data fail once tried. A job that cannot even be planned here (a
    device this machine lacks) raises, and the sweep records that."""
    from zoo.engine import EvaluationInterrupted, failed_record, plan, run

    checked = plan(job.request, job.registry)
    try:
        return run(checked, job.registry)
    except EvaluationInterrupted:
        raise
    except Exception as error:  # noqa: BLE001 - the model's failure is this job's record, not the sweep's end
        return failed_record(checked, error)


def run_job_under_torchrun(job: SweepJob, nproc_per_node: int) -> dict[str, Any] | None:
    """Run one job as ``torchrun`` processes on this node: ``nproc_per_node`` ranks (one per GPU),
    each evaluating its shard of the samples (see :mod:`zoo.engine.distributed`); rank 0 writes
    the record. Under a submitit job of several nodes, each node's task starts its node's ranks,
    and the first node's returns the record (the others return None)."""
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={nproc_per_node}"]
    node = 0
    environment = _submitit_environment()
    if environment is not None and environment.num_nodes > 1:
        node = environment.node
        command += [f"--nnodes={environment.num_nodes}", f"--node-rank={node}",
                    f"--master-addr={environment.hostnames[0]}", f"--master-port={_master_port(environment.job_id)}"]
    else:
        command.append("--standalone")
    with tempfile.TemporaryDirectory(prefix="zoo-sweep-job-") as folder:
        job_file, record_file = Path(folder) / "job.pickle", Path(folder) / "record.json"
        write_job(job_file, job)
        completed = subprocess.run([*command, "-m", "zoo.sweep.worker", str(job_file), str(record_file)],
                                   check=False)
        if node != 0:
            return None
        if record_file.exists():
            return json.loads(record_file.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    raise JobFailed(f"torchrun exited with status {completed.returncode} without a record (the job's log says why)")


def _submitit_environment() -> Any:
    """The submitit job this runs in, or None outside one (or without submitit)."""
    try:
        import submitit

        return submitit.JobEnvironment()
    except (ImportError, RuntimeError):
        return None


def _master_port(job_id: str) -> int:
    """A port for the first node's rendezvous, the same on every node of the job, and different
    for two jobs that share a first node."""
    digits = "".join(ch for ch in str(job_id) if ch.isdigit()) or "0"
    return 20000 + int(digits) % 20000


def write_job(path: str | os.PathLike[str], job: SweepJob) -> None:
    """Write a job for a worker process (a pickle: specs and a run request; written by the sweep
    itself, read back only by :mod:`zoo.sweep.worker`)."""
    import pickle

    Path(path).write_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))


def read_job(path: str | os.PathLike[str]) -> SweepJob:
    """A job written by :func:`write_job`."""
    import pickle

    job = pickle.loads(Path(path).read_bytes())  # noqa: S301 - our own file, from this sweep
    if not isinstance(job, SweepJob):
        raise JobFailed(f"{path} holds no sweep job")
    return job


def one_line(error: BaseException) -> str:
    """An error as the one line a summary shows: a zoo error's message, else ``Type: message``,
    its first line only."""
    text = str(error) if isinstance(error, ZooError) else f"{type(error).__name__}: {error}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
