"""Data-parallel evaluation under torchrun, two CPU processes on gloo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zoo.engine import evaluate


@pytest.mark.slow
def test_two_processes_give_the_single_process_metrics(toy_registry, tmp_path):
    single = evaluate("keyword", "reviews", registry=toy_registry, dataset_args={"size": 37})
    record = tmp_path / "run.json"
    here = Path(__file__).parent
    completed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(here / "distributed_worker.py"), str(record), str(here)],
        capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    written = json.loads(record.read_text())
    assert written["run"]["world_size"] == 2
    assert written["samples"]["evaluated"] == 37  # 19 + 18: nothing dropped or counted twice
    assert written["metrics"] == pytest.approx(single["metrics"])
