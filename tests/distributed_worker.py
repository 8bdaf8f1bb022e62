"""Run by tests/test_distributed.py under torchrun: evaluate the toy model on a shard."""

import json
import sys

from zoo.engine import evaluate
from zoo.testing import fake_plugin, registry_of

sys.path.insert(0, sys.argv[2])
import conftest  # noqa: E402 - the toy plugin's hooks live beside the tests

plugin = fake_plugin("toys", register_tasks=conftest.register_toy_tasks, register_metrics=conftest.register_toy_metrics,
                     register_models=conftest.register_toy_models, register_datasets=conftest.register_toy_datasets)
run = evaluate("keyword", "reviews", registry=registry_of(plugin), batch_size=4, device="cpu",
               dataset_args={"size": 37}, output=sys.argv[1])
print(json.dumps({"metrics": run["metrics"], "evaluated": run["samples"]["evaluated"]}))
