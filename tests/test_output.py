"""What zoo prints for people: tables that fit the terminal, numbers without a stray minus sign."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.testing import fake_plugin, registry_of

LONG = ("Reviews of films collected from a long-running website, one sentence each, labelled by the "
        "star rating the reviewer gave; the test split holds the most recent year")


def register_metrics(register):
    register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")


def register_datasets(register):
    register("reviews", task="text-classification", builder="zoo.testing.toy:build_reviews", splits=["test"],
             license="CC0-1.0", description=LONG)


def register_models(register):
    # The keyword model gets 34 of the 40 toy reviews right: accuracy 0.85. The card says 0.85004,
    # so the difference, -0.00004, rounds to zero at four decimals.
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             reported=[{"metric": "accuracy", "value": 0.85004, "dataset": "reviews", "source": "https://example.org/k"}])
    # Its labels match none of the dataset's: it fails with a long error.
    register("mislabelled", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             args={"labels": ["bad", "good"]})


@pytest.fixture
def invoke(monkeypatch):
    """Run the zoo command; ``terminal=N``: as if stdout were a terminal N columns wide."""
    plugin = fake_plugin("toys", register_metrics=register_metrics,
                         register_datasets=register_datasets, register_models=register_models)

    def run(*args, terminal=None, env=None, exit_code=0):
        if terminal is not None:
            monkeypatch.setattr("zoo.cli.render.terminal_width", lambda: terminal)
        result = CliRunner().invoke(make_cli(lambda settings: registry_of(plugin)), list(args), env=env)
        monkeypatch.undo()
        assert result.exit_code == exit_code, result.output
        return result.stdout
    return run


def test_a_table_fits_the_terminal_by_cutting_descriptions(invoke):
    lines = invoke("list", "datasets", "--plugin", "toys", terminal=70).splitlines()
    assert max(len(line) for line in lines) == 70
    assert lines[2].startswith("reviews  text-classification  toys    test    CC0-1.0  Reviews of f")
    assert lines[2].endswith("...")


def test_piped_output_and_the_card_keep_the_whole_description(invoke):
    # Piped, COLUMNS is no reason to cut: programs export it to their children (pytest-xdist: 80).
    assert invoke("list", "datasets", "--plugin", "toys", env={"COLUMNS": "70"}).splitlines()[2].endswith(LONG)
    assert f"description: {LONG}" in invoke("info", "reviews", terminal=70)
    assert json.loads(invoke("list", "datasets", "--plugin", "toys", "--json", terminal=70))[0]["description"] == LONG


def test_names_are_never_cut(invoke):
    # Too narrow for the table: the description keeps 12 characters, the other columns all of theirs.
    lines = invoke("list", "datasets", "--plugin", "toys", terminal=20).splitlines()
    assert lines[2] == "reviews  text-classification  toys    test    CC0-1.0  Reviews o..."


def test_a_difference_that_rounds_to_zero_has_no_minus_sign(invoke):
    header, rule, row, *_ = invoke("run", "keyword", "--dataset", "reviews").splitlines()
    assert header.split() == ["metric", "value", "reported", "difference"]
    assert row.split() == ["accuracy", "0.8500", "0.8500", "0.0000"]


def test_a_comparison_cuts_long_errors_to_fit(invoke):
    wide = invoke("run", "keyword", "mislabelled", "--dataset", "reviews", exit_code=1)
    narrow = invoke("run", "keyword", "mislabelled", "--dataset", "reviews", terminal=100, exit_code=1)
    failed = next(line for line in wide.splitlines() if line.startswith("toys:mislabelled"))
    assert "labels do not match by name" in failed and len(failed) > 150
    assert max(len(line) for line in narrow.splitlines()) == 100
    assert next(line for line in narrow.splitlines() if line.startswith("toys:mislabelled")).endswith("...")


def zoo_in_a_terminal(*args: str, columns: int) -> list[str]:
    """Run the installed zoo with stdout on a pseudo-terminal ``columns`` wide; its output lines."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "zoo", *args], stdout=terminal, stderr=subprocess.DEVNULL,
                               env=env)
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal closed when zoo exited
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    return output.decode().splitlines()


def test_zoo_list_on_a_terminal_fits_its_width_and_piped_keeps_everything():
    on_terminal = zoo_in_a_terminal("list", "datasets", columns=120)
    assert max(len(line) for line in on_terminal) <= 120
    assert any(line.endswith("...") for line in on_terminal)
    piped = subprocess.run([sys.executable, "-m", "zoo", "list", "datasets"], capture_output=True, text=True,
                           timeout=60, env={**os.environ, "COLUMNS": "120"}).stdout.splitlines()
    assert len(piped) == len(on_terminal) and max(len(line) for line in piped) > 120


def test_a_reader_that_goes_away_stops_zoo_quietly():
    """`zoo info NAME | head -1`: no error line, no traceback; the shell's status for SIGPIPE."""
    process = subprocess.Popen([sys.executable, "-m", "zoo", "info", "digits-resnet18"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    process.stdout.close()  # the reader is gone before zoo writes
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr.decode()) == (141, "")
