"""Faults lose nothing: a full disk, SIGTERM, and outputs that are not plain files."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli


@pytest.fixture
def zoo_cli(toy_registry):
    def run(*args):
        return CliRunner().invoke(make_cli(lambda settings: toy_registry), list(args), catch_exceptions=False)
    return run


def test_a_full_disk_still_shows_the_metrics_and_says_where_they_are(zoo_cli, tmp_path, monkeypatch):
    def disk_full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("zoo.engine.record.write_atomic", disk_full)
    record = tmp_path / "run.json"
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "-o", str(record))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].split() == ["metric", "value", "reported", "difference"]
    assert any(line.startswith("accuracy ") for line in result.stdout.splitlines())
    assert result.stderr.splitlines()[-1] == (
        f"zoo: error: cannot write {record}: No space left on device; the metrics are printed above; "
        "rerun with --json > FILE on another disk for the whole record")
    assert not record.exists()


def test_with_json_a_full_disk_says_the_record_is_on_stdout(zoo_cli, tmp_path, monkeypatch):
    monkeypatch.setattr("zoo.engine.record.write_atomic",
                        lambda path, text: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "-o", str(tmp_path / "run.json"), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["metrics"]["accuracy"] > 0.5
    assert result.stderr.rstrip().endswith("the whole record is on stdout above")


def test_an_output_symlink_is_written_through_not_replaced(zoo_cli, tmp_path):
    real = tmp_path / "records" / "run.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert zoo_cli("run", "keyword", "--dataset", "reviews", "--limit", "4", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert json.loads(real.read_text())["samples"]["evaluated"] == 4
    assert [p.name for p in real.parent.iterdir()] == ["run.json"]  # no staging file left beside it


@pytest.mark.parametrize("target", ["/dev/null", "fifo"])
def test_an_output_that_is_a_device_or_a_fifo_is_refused_before_running(zoo_cli, tmp_path, target):
    if target == "fifo":
        target = str(tmp_path / "pipe.json")
        os.mkfifo(target)
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "-o", target)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"zoo: error: cannot write {target}: it is a ") and "give the path of a regular file" in line


def test_a_nan_metric_is_written_as_null_in_strict_json(tmp_path):
    from zoo.engine.record import write_json

    write_json(tmp_path / "run.json", {"metrics": {"mcc": float("nan"), "wer": float("inf"), "top1": 0.5}})
    assert json.loads((tmp_path / "run.json").read_text(), parse_constant=lambda c: pytest.fail(c)) == {
        "metrics": {"mcc": None, "wer": None, "top1": 0.5}}


@pytest.mark.slow
def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    """A scheduler's SIGTERM mid-run leaves no staging file beside --save-predictions."""
    predictions = tmp_path / "predictions.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "zoo.cli", "run", "digits-resnet18", "--dataset", "digits", "--batch-size", "1",
         "--save-predictions", str(predictions)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):  # the run has started writing
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted after" in stderr and "no record was written" in stderr
    assert list(tmp_path.iterdir()) == []
