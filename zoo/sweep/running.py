"""Carrying out a sweep's plan: submit, retry, keep every record, report each job and the whole.

Only this process writes: each record goes first to ``--output DIR/<job>.json`` (written
whole, then renamed) and then to the results store (one transaction), so a sweep stopped at
any moment leaves every finished job kept whole and nothing half-written; the store is
what marks a job done when the sweep starts again. A job that fails (its record says
``failed``, or it ended without one) runs again up to ``retries`` times; then its failed
record is kept, with the reason, and the sweep goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from zoo.errors import UsageError, ZooError
from zoo.sweep.executors import ExecutorOptions, Finished, make_executor
from zoo.sweep.jobs import JobFailed
from zoo.sweep.planning import PlannedJob, SweepPlan

__all__ = ["SweepInterrupted", "run_sweep"]


class SweepInterrupted(ZooError):
    """Ctrl-C (or SIGTERM) stopped the sweep; ``summary`` says what ran, and every finished job is kept."""

    exit_code = 130

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        super().__init__(message)
        self.summary = summary


def run_sweep(sweep_plan: SweepPlan, *, executor: str = "local", retries: int = 0,
              output: str | Path | None = None, progress: bool = False, log: TextIO | None = None,
              **executor_options: Any) -> dict[str, Any]:
    """Run the jobs of ``sweep_plan`` the store does not hold; returns the summary (plain data).

    ``executor``: ``local``, ``ray`` or ``slurm``, with ``executor_options`` the fields of
    :class:`~zoo.sweep.executors.ExecutorOptions` (``jobs``, ``address``, ``partition``...).
    ``retries``: how many times a failed job runs again. ``output``: a folder for one JSON
    record per job (created if missing). ``progress``: a bar over the jobs on stderr; ``log``:
    where each finished job's line goes (None: nowhere). Ctrl-C raises :class:`SweepInterrupted`,
    whose ``summary`` says what ran.
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise UsageError(f"--retries must be 0 or more, not {retries!r}")
    known = {f.name for f in dataclasses.fields(ExecutorOptions)}
    unknown = sorted(set(executor_options) - known)
    if unknown:
        raise UsageError(f"unknown executor option {unknown[0]!r}; known: {', '.join(sorted(known))}")
    options = ExecutorOptions(**{k: v for k, v in executor_options.items() if v is not None})
    options.check(executor)
    folder = _output_folder(output)
    progress_bar = _Progress(len(sweep_plan.to_run), progress, log)
    outcomes = {planned.job.name: _initial(planned) for planned in sweep_plan.jobs}
    by_name = {planned.job.name: planned for planned in sweep_plan.jobs}
    store = _open_store(sweep_plan.results)
    try:
        with make_executor(executor, options) as runner:
            for planned in sweep_plan.to_run:
                runner.submit(planned.job)
                outcomes[planned.job.name]["attempts"] = 1
            for finished in runner.finished():
                planned = by_name[finished.job.name]
                outcome = outcomes[finished.job.name]
                record = finished.record if finished.record is not None else _failed(planned, finished)
                outcome["seconds"] = round(outcome["seconds"] + finished.seconds, 3)
                if record.get("status") != "ok" and outcome["attempts"] <= retries:
                    outcome["attempts"] += 1
                    progress_bar.line(f"{finished.job.title}: attempt {outcome['attempts'] - 1} failed, "
                                      f"retrying: {record.get('error')}")
                    runner.submit(planned.job)
                    continue
                with _interrupts_deferred():  # a record is kept whole, file, store and summary, or not at all
                    _keep(record, planned, outcome, folder, store)
                progress_bar.done(_line(finished.job.title, outcome))
    except KeyboardInterrupt:
        summary = _summary(sweep_plan, outcomes, executor, folder, interrupted=True)
        done = sum(outcome["status"] in ("ok", "failed") for outcome in summary["jobs"])
        left = sum(outcome["status"] == "not run" for outcome in summary["jobs"])
        raise SweepInterrupted(f"interrupted: {done} job(s) finished and kept, {left} not run; "
                               "run the same sweep again to run only those", summary) from None
    finally:
        progress_bar.close()
        if store is not None:
            store.close()
    return _summary(sweep_plan, outcomes, executor, folder, interrupted=False)


def _initial(planned: PlannedJob) -> dict[str, Any]:
    outcome = {"job": planned.job.name, "model": planned.job.model, "dataset": planned.job.dataset,
               "split": planned.job.split, "status": "not run", "metric": None, "value": None, "seconds": 0.0,
               "attempts": 0, "error": None, "record_id": None, "output": None}
    if planned.stored is not None:
        outcome.update(status="stored", record_id=planned.stored.id)
        outcome["metric"], outcome["value"] = _main_metric(planned.stored.record)
    return outcome


def _main_metric(record: dict[str, Any]) -> tuple[str | None, float | None]:
    """The record's first metric (the task's main one: top1, accuracy, wer) and its value."""
    metrics = record.get("metrics") or {}
    for name, value in metrics.items():
        return name, value
    return None, None


def _failed(planned: PlannedJob, finished: Finished) -> dict[str, Any]:
    """The failed record of a job that ended without one (its process died, it was not submitted)."""
    from zoo.engine import failed_record

    return failed_record(planned.plan, JobFailed(finished.error or "it ended without a record"))


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) or SIGTERM while the block runs is acted on when it ends: a sweep stopped while
    it keeps a record says that job finished, as its file and the store do."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {number: signal.signal(number, lambda signum, frame: received.append(signum))
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if received:
            raise KeyboardInterrupt


def _keep(record: dict[str, Any], planned: PlannedJob, outcome: dict[str, Any], folder: Path | None,
          store: Any) -> None:
    """The output file first, then the store: the store saying "done" always has the file behind it."""
    from zoo.engine.record import write_json

    if folder is not None:
        path = folder / f"{planned.job.name}.json"
        write_json(path, record)
        outcome["output"] = str(path)
    if store is not None:
        outcome["record_id"] = store.add(record)
    outcome["status"] = "ok" if record.get("status") == "ok" else "failed"
    outcome["metric"], outcome["value"] = _main_metric(record)
    outcome["error"] = record.get("error") if outcome["status"] == "failed" else None


def _line(title: str, outcome: dict[str, Any]) -> str:
    seconds = f"{outcome['seconds']:.1f} s"
    if outcome["status"] == "ok":
        value = outcome["value"]
        shown = f"{outcome['metric']} {value:.4f}" if isinstance(value, float) else f"{outcome['metric']} {value}"
        return f"{title}: {shown} ({seconds})"
    tries = f" after {outcome['attempts']} attempts" if outcome["attempts"] > 1 else ""
    return f"{title}: failed{tries} ({seconds}): {outcome['error']}"


def _summary(sweep_plan: SweepPlan, outcomes: dict[str, dict[str, Any]], executor: str, folder: Path | None, *,
             interrupted: bool) -> dict[str, Any]:
    jobs = [outcomes[planned.job.name] for planned in sweep_plan.jobs]
    counts = {status: sum(job["status"] == status for job in jobs) for status in ("ok", "failed", "stored", "not run")}
    return {"executor": executor, "jobs": jobs, "counts": counts, "left_out": list(sweep_plan.left_out),
            "results": str(sweep_plan.results) if sweep_plan.results else None,
            "output": str(folder) if folder else None, "interrupted": interrupted}


def _output_folder(output: str | Path | None) -> Path | None:
    """The ``--output`` folder, made now (before any job runs) when missing."""
    if output is None:
        return None
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {output}: it is a file; a sweep writes one record per job into a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--output {output}: cannot make the folder ({error.strerror or error})") from None
    from zoo.engine.record import check_writable

    check_writable(folder / ".zoo-sweep-check")
    return folder


def _open_store(path: Path | None) -> Any:
    if path is None:
        return None
    from zoo.store import ResultsStore

    return ResultsStore.open(path)


class _Progress:
    """One bar over the jobs (stderr, when asked for) and one line per finished job (to ``log``)."""

    def __init__(self, total: int, shown: bool, log: TextIO | None) -> None:
        self._log = log
        self._bar = None
        if shown and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="job", desc="sweep", file=sys.stderr, dynamic_ncols=True, leave=False)

    def line(self, text: str) -> None:
        if self._log is None:
            return
        if self._bar is not None:
            self._bar.write(text, file=self._log)
        else:
            print(text, file=self._log, flush=True)

    def done(self, text: str) -> None:
        self.line(text)
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
