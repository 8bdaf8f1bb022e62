"""Run by the sweep tests as a process of its own: ``zoo`` (its real main: signals, exit codes)
on the toy plugin, plus ``gated``, the keyword model built once the file $ZOO_TEST_GATE exists."""

import os
import sys

from zoo.cli import app
from zoo.testing import fake_plugin, registry_of

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conftest  # noqa: E402 - the toy plugin's hooks live beside the tests


def register_models(register):
    conftest.register_toy_models(register)
    register("gated", task="text-classification", builder="zoo.testing.toy:build_gated_model", license="MIT",
             args={"gate": os.environ["ZOO_TEST_GATE"]})


plugin = fake_plugin("toys", register_tasks=conftest.register_toy_tasks, register_metrics=conftest.register_toy_metrics,
                     register_models=register_models, register_datasets=conftest.register_toy_datasets)
registry = registry_of(plugin)
make_cli = app.make_cli
app.make_cli = lambda factory=None: make_cli(lambda settings: registry)  # main() builds the CLI it runs
app.main(sys.argv[1:])
