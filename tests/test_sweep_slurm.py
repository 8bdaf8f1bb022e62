"""zoo sweep on Slurm through submitit: submitit's own local processes run the jobs (slow tests);
the sbatch script it would submit is read from a stand-in ``sbatch`` on PATH, which also plays
Slurm refusing a partition."""

from __future__ import annotations

import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoo import UsageError
from zoo.cli import make_cli
from zoo.engine import evaluate
from zoo.store import ResultsStore
from zoo.sweep import ExecutorOptions, plan_sweep, run_sweep
from zoo.sweep.executors.slurm import SlurmExecutor, slurm_minutes
from zoo.sweep.jobs import run_job_under_torchrun

INVALID_PARTITION = """#!/bin/sh
echo "sbatch: error: invalid partition specified: nope" >&2
echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2
exit 1
"""
RECORDING_SBATCH = """#!/bin/sh
cp "$1" "$(dirname "$0")/submitted.sh"
echo "Submitted batch job 4242"
"""
RECORDING_SCANCEL = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/cancelled"
"""


@pytest.fixture
def slurm_commands(tmp_path, monkeypatch):
    """A folder on PATH where a test writes its own sbatch; srun and scancel are there too (submitit
    checks for srun; a cancelled job is recorded)."""
    folder = tmp_path / "bin"
    folder.mkdir()

    def write(name, text):
        path = folder / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)

    write("srun", "#!/bin/sh\nexit 0\n")
    write("scancel", RECORDING_SCANCEL)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder, write


def stored(path):
    with ResultsStore.open(path) as store:
        return store.query()


def test_the_sbatch_script_is_one_array_with_the_partition_time_and_gpus_asked_for(toy_registry, slurm_commands,
                                                                                   tmp_path):
    folder, write = slurm_commands
    write("sbatch", RECORDING_SBATCH)
    plan = plan_sweep(["keyword", "keyword-upper", "keyword-3class"], ["reviews"], registry=toy_registry,
                      check_device=False, device="cuda")
    executor = SlurmExecutor(ExecutorOptions(partition="gpu", time="4:00:00", gpus_per_node=8, nodes=2,
                                             nproc_per_node=8, array_parallelism=2, cpus_per_job=32,
                                             slurm_folder=str(tmp_path / "logs" / "%j")))
    for planned in plan.jobs:
        executor.submit(planned.job)
    assert executor.flush() == []  # nothing refused
    script = (folder / "submitted.sh").read_text()
    flags = [line for line in script.splitlines() if line.startswith("#SBATCH")]
    for flag in ("--array=0-2%2", "--partition=gpu", "--time=240", "--gpus-per-node=8", "--nodes=2",
                 "--ntasks-per-node=1", "--cpus-per-task=32", "--job-name=zoo-sweep"):
        assert f"#SBATCH {flag}" in flags, flag
    assert f"#SBATCH --output={tmp_path}/logs/%A_%a/%A_%a_0_log.out" in flags
    assert "srun --unbuffered" in script and "-m submitit.core._submit" in script
    # Each array task runs torchrun over its node's 8 GPUs, on the job the sweep planned.
    import submitit

    handles = [handle for handle, _, _ in executor._handles]
    submitted = submitit.core.utils.DelayedSubmission.load(handles[1].paths.submitted_pickle)
    assert submitted.function is run_job_under_torchrun
    assert (submitted.args[0].model, submitted.args[0].request.device, submitted.args[1]) == ("toys:keyword-upper",
                                                                                              "cuda", 8)
    executor.close(cancel=True)
    assert (folder / "cancelled").read_text().split() == ["4242_0", "4242_1", "4242_2"]


def test_a_partition_slurm_does_not_have_fails_each_job_in_one_line_and_the_sweep_goes_on(toy_registry,
                                                                                          slurm_commands, tmp_path):
    _, write = slurm_commands
    write("sbatch", INVALID_PARTITION)
    results = tmp_path / "results.sqlite"
    cli = make_cli(lambda settings: toy_registry)
    result = CliRunner().invoke(cli, ["sweep", "keyword", "keyword-upper", "-d", "reviews", "--executor", "slurm",
                                      "--partition", "nope", "--retries", "1", "--results", str(results),
                                      "--slurm-folder", str(tmp_path / "logs")], catch_exceptions=False)
    assert result.exit_code == 1
    reason = ("not submitted: sbatch: error: invalid partition specified: nope "
              "(`sinfo --summarize` lists the partitions; check --partition)")
    assert result.stderr.splitlines() == [
        f"toys:keyword on toys:reviews [test]: attempt 1 failed, retrying: {reason}",
        f"toys:keyword-upper on toys:reviews [test]: attempt 1 failed, retrying: {reason}",
        f"toys:keyword on toys:reviews [test]: failed after 2 attempts (0.0 s): {reason}",
        f"toys:keyword-upper on toys:reviews [test]: failed after 2 attempts (0.0 s): {reason}",
        "zoo: error: 2 of 2 job(s) failed: toys.keyword--toys.reviews--test, toys.keyword-upper--toys.reviews--test"]
    kept = stored(results)  # each failed record whole, with the reason
    assert sorted((found.model, found.status, found.error) for found in kept) == [
        ("toys:keyword", "failed", reason), ("toys:keyword-upper", "failed", reason)]


def test_without_sbatch_the_slurm_executor_says_where_to_run(toy_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no Slurm here
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry)
    with pytest.raises(UsageError, match=r"^--executor slurm submits with sbatch and srun, which are not on PATH here: "
                                         r"run the sweep on a Slurm login node \(or pass --cluster local"):
        run_sweep(plan, executor="slurm")


@pytest.mark.parametrize("text,minutes", [("90", 90), ("90:30", 91), ("4:00:00", 240), ("2-0", 2880),
                                          ("1-12:00", 2160), ("0-0:0:1", 1)])
def test_slurm_times_are_minutes(text, minutes):
    assert slurm_minutes(text) == minutes


def test_nodes_need_torchrun_and_a_cluster(toy_registry):
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry)
    with pytest.raises(UsageError, match=r"^--nodes 2: a job spans nodes only under torchrun; give --nproc-per-node too"):
        run_sweep(plan, executor="slurm", cluster="local", nodes=2)
    with pytest.raises(UsageError, match=r"^--nodes 2: --cluster local runs on this machine alone; use --nodes 1$"):
        run_sweep(plan, executor="slurm", cluster="local", nodes=2, nproc_per_node=2)


@pytest.mark.slow
def test_submitit_jobs_give_what_zoo_evaluate_gives_and_a_killed_job_is_one_line(gated_registry, tmp_path):
    """submitit's LocalExecutor: real submitit code, local processes. The gated job's process is
    killed, as a scheduler kills a job; the other job and every record kept are unaffected."""
    registry, gate = gated_registry
    results = tmp_path / "results.sqlite"

    def kill_the_gated_job():
        pid_file = Path(f"{gate}.pid")
        while not pid_file.exists():
            time.sleep(0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_the_gated_job)
    killer.start()
    plan = plan_sweep(["gated", "keyword", "keyword-upper"], ["reviews"], registry=registry, limit=12, results=results)
    summary = run_sweep(plan, executor="slurm", cluster="local", jobs=2, slurm_folder=str(tmp_path / "logs" / "%j"))
    killer.join()
    gated, keyword, upper = summary["jobs"]
    assert gated["status"] == "failed"
    assert gated["error"].startswith("slurm job ") and " ended without a result: killed by the scheduler (time limit, " \
                                                      "preemption, memory) or a signal; its log: " in gated["error"]
    for job in (keyword, upper):
        expected = evaluate(job["model"], "reviews", registry=registry, limit=12)["metrics"]["accuracy"]
        assert (job["status"], job["value"]) == ("ok", pytest.approx(expected))
    assert sorted((found.model, found.status) for found in stored(results)) == [
        ("toys:gated", "failed"), ("toys:keyword", "ok"), ("toys:keyword-upper", "ok")]


@pytest.mark.slow
def test_a_job_under_torchrun_shards_the_samples_over_its_processes(toy_registry, tmp_path):
    """--nproc-per-node 2 on the CPU: each submitit job runs torchrun with 2 ranks (gloo), rank 0's
    record has every sample once and the single-process metrics."""
    results = tmp_path / "results.sqlite"
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry, device="cpu", batch_size=4,
                      results=results, check_device=False)
    summary = run_sweep(plan, executor="slurm", cluster="local", nproc_per_node=2,
                        slurm_folder=str(tmp_path / "logs" / "%j"))
    (job,) = summary["jobs"]
    assert job["status"] == "ok", job["error"]
    (found,) = stored(results)
    assert found.record["run"]["world_size"] == 2
    assert found.record["samples"]["evaluated"] == 40  # 20 + 20: nothing dropped or counted twice
    single = evaluate("keyword", "reviews", registry=toy_registry)
    assert found.record["metrics"] == pytest.approx(single["metrics"])


@pytest.mark.slow
def test_a_job_that_raises_on_its_node_fails_in_one_line(toy_registry, tmp_path):
    """The job's own exception, out of the trace submitit reports (no GPU was asked for, so none is seen)."""
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry, device="cuda:0", check_device=False,
                      results=tmp_path / "results.sqlite")
    summary = run_sweep(plan, executor="slurm", cluster="local", slurm_folder=str(tmp_path / "logs" / "%j"))
    (job,) = summary["jobs"]
    assert (job["status"], job["error"]) == ("failed", "device 'cuda:0' is not available here; available: cpu")
