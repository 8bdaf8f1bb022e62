"""Fake plugins shared by the core tests: nothing installed is involved."""

from __future__ import annotations

import pytest

from zoo.testing import fake_plugin


def register_text_task(register):
    register("text-classification", target="class", input="text", default_metrics=["accuracy"])


def register_text_metrics(register):
    register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")


@pytest.fixture
def tasks_plugin():
    """A plugin owning the text-classification task and its accuracy metric."""
    return fake_plugin("tasks", register_tasks=register_text_task, register_metrics=register_text_metrics)


@pytest.fixture
def model_plugin():
    """``model_plugin("alpha", "bert", ...)``: a plugin registering text models by those names."""

    def make(plugin_name: str, *names: str, builder: str = "zoo.testing.toy:build_keyword_model"):
        def register_models(register):
            for name in names:
                register(name, task="text-classification", builder=builder, license="MIT", tags=["toy"], params=10)
        return fake_plugin(plugin_name, register_models=register_models)

    return make
