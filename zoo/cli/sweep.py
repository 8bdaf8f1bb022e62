"""``zoo sweep``: many models on many datasets, one job per (model, dataset, split). Calls zoo.sweep."""

from __future__ import annotations

import sys
from typing import Any

import click

from zoo.cli.render import echo_json, table
from zoo.errors import ZooError
from zoo.printable import printable

# zoo.sweep.EXECUTORS, written out: importing zoo.sweep here would slow every command's start.
EXECUTOR_NAMES = ("local", "ray", "slurm")


class SweepFailed(ZooError):
    """Some jobs of the sweep failed (after their retries); the others' records were kept."""

    exit_code = 1


@click.command("sweep")
@click.argument("models", nargs=-1, metavar="MODEL...")
@click.option("--dataset", "-d", "datasets", multiple=True,
              help="A dataset to evaluate every model on (repeatable; default: each model's default dataset).")
@click.option("--split", "splits", multiple=True, help="A split (repeatable; default: each dataset's default split).")
@click.option("--executor", type=click.Choice(EXECUTOR_NAMES), default="local", show_default=True,
              help="Where jobs run: here (local), on Ray, or on Slurm through submitit.")
@click.option("--dry-run", is_flag=True, help="Show the jobs and which the results store already holds; run nothing.")
@click.option("--retries", type=int, default=0, show_default=True, help="Run a failed job again up to N times.")
@click.option("--output", "-o", type=click.Path(file_okay=False), help="A folder for one JSON record per job.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="The results store to keep records in and skip stored jobs by (or ZOO_RESULTS; default: in zoo's cache).")
@click.option("--rerun", is_flag=True, help="Run every job, even those the results store already holds.")
@click.option("--limit", type=int, help="Evaluate only the first N samples of each dataset.")
@click.option("--device", help="auto (default), cpu, cuda, cuda:N or mps; checked where each job runs.")
@click.option("--batch-size", "-b", type=int, help="Samples per batch (default 32).")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16", "float16"]), help="float32 (default), or autocast.")
@click.option("--dataset-arg", "dataset_args", multiple=True, metavar="KEY=VALUE",
              help="Builder argument for every dataset, e.g. root=/data/val (repeatable).")
@click.option("--jobs", "-j", type=int, help="local: jobs at once, each in its own subprocess and device (default 1: "
                                             "one after another, here); ray: a local Ray's size; slurm "
                                             "--cluster local: jobs at once.")
@click.option("--cpus-per-job", type=int, help="CPUs per job: a Ray task's request, a Slurm job's, a local worker's threads.")
@click.option("--gpus-per-job", type=float, help="ray: GPUs per task (default 0; fractions share a GPU).")
@click.option("--address", help="ray: the cluster to join, auto or host:port (default: a local Ray).")
@click.option("--partition", help="slurm: the partition to submit to.")
@click.option("--time", help="slurm: each job's time limit: 90 (minutes), 4:00:00, 1-12:00:00 (default 60 minutes).")
@click.option("--gpus-per-node", type=int, help="slurm: GPUs each job asks for on its node.")
@click.option("--nodes", type=int, help="slurm: nodes per job (with --nproc-per-node; default 1).")
@click.option("--nproc-per-node", type=int, help="slurm: run each job under torchrun, N processes per node (one per GPU).")
@click.option("--array-parallelism", type=int, help="slurm: array tasks running at once (default 256).")
@click.option("--slurm-folder", type=click.Path(file_okay=False),
              help="slurm: submitit's folder for job scripts and logs, on a shared filesystem (default zoo-sweep-slurm/%j).")
@click.option("--cluster", type=click.Choice(["slurm", "local"]),
              help="slurm: submit to Slurm (default), or run the same submitit jobs as local processes.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan (--dry-run) or the summary as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no line per job.")
@click.pass_context
def sweep_command(ctx: click.Context, models: tuple[str, ...], datasets: tuple[str, ...], splits: tuple[str, ...],
                  executor: str, dry_run: bool, retries: int, output: str | None, results_path: str | None,
                  rerun: bool, as_json: bool, quiet: bool, limit: int | None, device: str | None,
                  batch_size: int | None, dtype: str | None, dataset_args: tuple[str, ...],
                  **executor_options: Any) -> None:
    """Evaluate every MODEL on every --dataset (and --split): one job each.

    \b
      zoo sweep 'digits-*' --dataset digits --dry-run
      zoo sweep 'resnet*' convnext_tiny.fb_in1k -d imagenet-1k --dataset-arg root=val/ --jobs 4 -o runs/
      zoo sweep 'minilm-*' -d rotten-tomatoes -d sst2 --executor ray --address auto --gpus-per-job 1
      zoo sweep 'efficientnet*' -d imagenet-1k --executor slurm --partition gpu --time 2:00:00 --gpus-per-node 1

    Every record goes to the results store (and --output); a job the store already
    holds is skipped, so a sweep stopped half-way and started again runs only the
    rest. A failed job runs again up to --retries times, then is reported with its
    reason; the others go on, and the exit code is 1.
    """
    from zoo.cli.run import _key_values
    from zoo.sweep import SweepInterrupted, plan_sweep, run_sweep

    registry = ctx.find_root().obj.registry
    run_options = {name: value for name, value in (("limit", limit), ("device", device), ("batch_size", batch_size),
                                                   ("dtype", dtype)) if value is not None}
    if dataset_args:
        run_options["dataset_args"] = _key_values(dataset_args, "--dataset-arg")
    plan = plan_sweep(models, datasets, splits, registry=registry, results=results_path, rerun=rerun,
                      check_device=executor == "local", **run_options)
    log = None if quiet else sys.stderr
    if dry_run:
        _print_plan(plan, as_json, log)
        return
    for reason in plan.left_out if log else ():
        click.echo(f"zoo: left out: {printable(reason)}", err=True)
    try:
        summary = run_sweep(plan, executor=executor, retries=retries, output=output, log=log,
                            progress=not quiet and sys.stderr.isatty(), **executor_options)
    except SweepInterrupted as interrupted:
        _print_summary(interrupted.summary, as_json)
        raise
    _print_summary(summary, as_json)
    failed = [job for job in summary["jobs"] if job["status"] == "failed"]
    if failed:
        raise SweepFailed(f"{len(failed)} of {len(summary['jobs'])} job(s) failed: "
                          f"{', '.join(job['job'] for job in failed[:5])}{' ...' if len(failed) > 5 else ''}")


def _print_plan(plan: Any, as_json: bool, log: Any) -> None:
    rows = plan.rows()
    if as_json:
        echo_json({"jobs": rows, "left_out": plan.left_out, "results": str(plan.results) if plan.results else None})
        return
    click.echo(table(["job", "model", "dataset", "split", "state"],
                     [[row["job"], row["model"], row["dataset"], row["split"], row["state"]] for row in rows]))
    stored = sum(row["state"] == "stored" for row in rows)
    if log:
        for reason in plan.left_out:
            click.echo(f"zoo: left out: {printable(reason)}", err=True)
        click.echo(f"{len(rows)} job(s): {len(rows) - stored} to run, {stored} stored"
                   + (f" in {plan.results}" if plan.results else ""), err=True)


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(summary)
        return
    rows = []
    for job in summary["jobs"]:
        value = job["value"]
        metric = "-" if job["metric"] is None else (
            f"{job['metric']} {value:.4f}" if isinstance(value, float) else f"{job['metric']} {value}")
        seconds = f"{job['seconds']:.1f}" if job["attempts"] else "-"
        rows.append([job["job"], job["status"], metric, seconds, job["attempts"], job["error"] or ""])
    click.echo(table(["job", "status", "main metric", "seconds", "attempts", "error"], rows, shrink=("error", "job")))


COMMANDS = (sweep_command,)
