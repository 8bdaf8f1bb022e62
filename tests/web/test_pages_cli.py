"""`zoo serve` as a user starts it: it serves the pages, says where, warns off this machine's addresses,
and answers a port in use or a bad size in one line. Its options and `zoo site build`'s are documented."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.cli.serve import is_local, parse_size, serve_command
from zoo.cli.site import build_command
from zoo.errors import UsageError

REPOSITORY = Path(__file__).resolve().parents[2]


def test_zoo_serve_serves_the_catalogue_and_stops_on_ctrl_c(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ZOO_DISABLE_PLUGINS": "vision,text,speech"}
    process = subprocess.Popen([sys.executable, "-m", "zoo.cli", "serve", "--port", "0", "--results",
                                str(tmp_path / "results.sqlite")], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stderr.readline()
        found = re.fullmatch(r"zoo: serving the catalogue at (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops it\)\n", line)
        assert found, line
        page = httpx.get(found.group(1), timeout=30)
        assert page.status_code == 200 and "<h1>Catalogue</h1>" in page.text
        metrics = httpx.get(found.group(1) + "api/metrics", timeout=30).json()
        assert "top1" in [metric["name"] for metric in metrics]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode in (0, 130) and "Traceback" not in process.stderr.read()


@pytest.fixture
def cli(toy_registry):
    return make_cli(lambda settings: toy_registry)


def test_a_port_in_use_is_one_line_and_another_host_is_warned_about(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", str(port)])
    assert result.exit_code == 2
    warning, error = result.output.splitlines()
    assert warning.startswith("zoo: warning: --host 0.0.0.0 lets other machines reach this server, and its try-it "
                              "API runs models for anyone who can reach it")
    assert error == (f"zoo: error: port {port} on 0.0.0.0 is in use (another zoo serve?): give another with --port, "
                     "or --port 0 for any free one")


def test_the_limits_given_reach_the_app(cli, monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets: served.append(server.config.app.state.settings))
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--max-upload-mb", "1.5", "--model-memory", "500MB",
                                      "--request-seconds", "5"])
    assert result.exit_code == 0, result.output
    [settings] = served
    assert (settings.max_upload_bytes, settings.model_memory_bytes, settings.request_seconds) == \
        (1_500_000, 500_000_000, 5.0)


def test_a_bad_model_memory_size_is_one_line(cli):
    result = CliRunner().invoke(cli, ["serve", "--model-memory", "lots"])
    assert result.exit_code == 2
    assert result.output == "zoo: error: --model-memory 'lots': give a size such as 2GB, 500MB or 1.5GiB\n"


@pytest.mark.parametrize("text,size", [("2GB", 2_000_000_000), ("500MB", 500_000_000), ("1.5GiB", 1_610_612_736),
                                       ("512", 512), ("64 mib", 67_108_864)])
def test_sizes_are_read_with_their_unit(text, size):
    assert parse_size(text, "--model-memory") == size


@pytest.mark.parametrize("text", ["", "0", "-1GB", "2 parsecs", "GB"])
def test_a_size_without_a_number_or_with_an_unknown_unit_is_refused(text):
    with pytest.raises(UsageError, match="give a size such as"):
        parse_size(text, "--model-memory")


@pytest.mark.parametrize("host,local", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
                                        ("0.0.0.0", False), ("::", False), ("192.168.1.4", False),
                                        ("example.org", False)])
def test_only_loopback_addresses_count_as_this_machine(host, local):
    assert is_local(host) is local


def test_every_option_of_zoo_serve_and_zoo_site_build_is_documented():
    web = (REPOSITORY / "docs" / "web.md").read_text(encoding="utf-8")
    reference = (REPOSITORY / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in (serve_command, build_command):
        for option in (name for param in command.params for name in param.opts if name.startswith("--")):
            assert option in web and option in reference, (command.name, option)
    assert "## `zoo serve`" in reference and "## `zoo site build OUT`" in reference
