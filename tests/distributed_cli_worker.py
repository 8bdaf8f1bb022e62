"""Run by tests/test_cli_results.py under torchrun: `zoo run` of the toy model, each rank a process."""

import sys

from zoo.cli import make_cli
from zoo.testing import fake_plugin, registry_of

sys.path.insert(0, sys.argv[1])
import conftest  # noqa: E402 - the toy plugin's hooks live beside the tests

plugin = fake_plugin("toys", register_tasks=conftest.register_toy_tasks, register_metrics=conftest.register_toy_metrics,
                     register_models=conftest.register_toy_models, register_datasets=conftest.register_toy_datasets)
registry = registry_of(plugin)
make_cli(lambda settings: registry).main(["run", "keyword", "--dataset", "reviews", "--device", "cpu", "-b", "4",
                                          "--dataset-arg", "size=37"], standalone_mode=False)
