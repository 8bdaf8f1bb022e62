"""Hostile plugins: whatever a plugin's own code does, it fails alone and zoo goes on.

Each test is one attack that once broke zoo for every plugin: exiting, raising
what ``except Exception`` does not catch, printing into ``--json`` output,
registering what JSON cannot hold, importing slowly, leaving a thread behind.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.plugins import PluginSource
from zoo.testing import fake_plugin, registry_of


class NotAnException(BaseException):
    """Raised by a plugin: not an ``Exception``, so ``except Exception`` lets it through."""


def _exit_3(register):
    sys.exit(3)


def _raise_base(register):
    raise NotAnException("escaping")


def _raise_keyboard_interrupt(register):
    raise KeyboardInterrupt  # the plugin's own doing: nobody pressed Ctrl-C


@pytest.mark.parametrize("hook,expected", [
    (_exit_3, "hook register_models raised called sys.exit(3)"),
    (_raise_base, "hook register_models raised NotAnException: escaping"),
    (_raise_keyboard_interrupt, "hook register_models raised KeyboardInterrupt"),
])
def test_a_hook_that_exits_or_raises_a_base_exception_fails_only_its_plugin(tasks_plugin, model_plugin, hook, expected):
    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"), fake_plugin("rogue", register_models=hook))
    assert registry.plugin("rogue").status == "failed"
    assert registry.plugin("rogue").error == expected
    assert [m.id for m in registry.models] == ["good:tiny"]


@pytest.mark.parametrize("raised,expected", [
    (SystemExit(4), "cannot import zoo_rogue: called sys.exit(4)"),
    (NotAnException("at import"), "cannot import zoo_rogue: NotAnException: at import"),
])
def test_an_import_that_exits_fails_only_its_plugin(tasks_plugin, model_plugin, raised, expected):
    def load():
        raise raised

    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"), ("rogue", PluginSource("rogue", load, "zoo_rogue")))
    assert registry.plugin("rogue").error == expected
    assert [m.id for m in registry.models] == ["good:tiny"]


def test_a_real_ctrl_c_while_a_plugin_loads_still_stops_zoo(tasks_plugin):
    def interrupted_by_the_user(register):
        signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C right now
        time.sleep(1)

    with pytest.raises(KeyboardInterrupt):
        registry_of(tasks_plugin, fake_plugin("slow", register_models=interrupted_by_the_user))


def test_a_plugin_that_prints_cannot_spoil_json_output(tasks_plugin, model_plugin):
    def chatty_models(register):
        print("Hello from a plugin!")
        register("loud", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    def load():
        print("importing the chatty plugin...")
        return fake_plugin("chatty", register_models=chatty_models)

    registry = registry_of(tasks_plugin, ("chatty", PluginSource("chatty", load, "zoo_chatty")))
    result = CliRunner().invoke(make_cli(lambda settings: registry_of(
        tasks_plugin, ("chatty", PluginSource("chatty", load, "zoo_chatty")))), ["list", "--json"])
    assert [entry["id"] for entry in json.loads(result.stdout)] == ["chatty:loud"]
    assert "importing the chatty plugin..." in result.stderr and "Hello from a plugin!" in result.stderr
    assert registry.plugin("chatty").status == "loaded"


def test_a_print_at_the_file_descriptor_level_goes_to_stderr_too():
    """A C extension writes to fd 1 directly; run in a real process to see the real descriptors."""
    code = """
import os
from zoo.plugins import PluginSource
from zoo.testing import registry_of
def load():
    os.write(1, b"raw bytes from C\\n")
    return object()
registry_of(("raw", PluginSource("raw", load, "zoo_raw")))
print("clean")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "clean\n"
    assert "raw bytes from C" in result.stderr


def test_registering_what_json_cannot_hold_fails_that_plugin(tasks_plugin, model_plugin):
    def odd_arguments(register):
        register("odd", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 args={"keywords": {"good", "great"}})

    def nan_argument(register):
        register("nan", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 args={"threshold": float("nan")})

    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"), fake_plugin("odd", register_models=odd_arguments),
                           fake_plugin("nan", register_models=nan_argument))
    assert "args.keywords is a set, which is not JSON-serialisable" in registry.plugin("odd").error
    assert "args.threshold is nan, which is not a number JSON can hold" in registry.plugin("nan").error
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", "--json"])
    assert [entry["id"] for entry in json.loads(result.stdout)] == ["good:tiny"]


def test_a_failing_register_commands_is_named_and_isolates_the_plugin(tasks_plugin, model_plugin):
    def broken_commands(cli):
        raise RuntimeError("no such click decorator")

    plugin = fake_plugin("cmds", register_models=lambda register: register(
        "cmd-model", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT"),
        register_commands=broken_commands)
    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"), plugin)
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["--help"])
    assert result.exit_code == 0
    assert ("zoo: warning: plugin 'cmds' failed and was skipped: hook register_commands raised "
            "RuntimeError: no such click decorator") in result.stderr
    assert registry.plugin("cmds").status == "failed"
    assert [m.id for m in registry.models] == ["good:tiny"]


def test_a_slow_import_is_named_and_timed(tasks_plugin, monkeypatch):
    monkeypatch.setenv("ZOO_SLOW_PLUGIN_SECONDS", "0.05")

    def slow_load():
        time.sleep(0.1)
        return fake_plugin("slow")

    warn = io.StringIO()
    registry = registry_of(tasks_plugin, ("slow", PluginSource("slow", slow_load, "zoo_slow")), warn=warn)
    (line,) = [line for line in warn.getvalue().splitlines() if "slow" in line]
    assert line.startswith("zoo: warning: plugin 'slow' took 0.1 s to import (module zoo_slow)")
    assert "ZOO_DISABLE_PLUGINS=slow" in line
    assert registry.plugin("slow").as_dict()["import_seconds"] >= 0.1


def test_tracing_shows_each_plugin_import_time(tasks_plugin):
    from zoo import Settings

    warn = io.StringIO()
    registry_of(tasks_plugin, settings=Settings(builtin_catalogue=False, trace=True), warn=warn)
    assert any(line.startswith("zoo: trace: tasks imported in ") and line.endswith(" ms")
               for line in warn.getvalue().splitlines())


def test_the_command_exits_when_its_work_is_done_even_with_a_thread_left_running(tmp_path):
    code = """
import threading, time
threading.Thread(target=time.sleep, args=(60,), daemon=False).start()  # what a careless plugin might leave
from zoo.cli import main
main(["list", "tasks"])
"""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=50,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert "image-classification" in result.stdout
    assert time.monotonic() - started < 40
