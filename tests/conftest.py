"""Fake plugins shared by the core tests: nothing installed is involved."""

from __future__ import annotations

import pytest

from zoo.testing import fake_plugin


def register_text_metrics(register):
    register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")


@pytest.fixture
def tasks_plugin():
    """A plugin contributing its own accuracy metric to zoo's built-in text-classification task."""
    return fake_plugin("tasks", register_metrics=register_text_metrics)


@pytest.fixture
def model_plugin():
    """``model_plugin("alpha", "bert", ...)``: a plugin registering text models by those names."""

    def make(plugin_name: str, *names: str, builder: str = "zoo.testing.toy:build_keyword_model"):
        def register_models(register):
            for name in names:
                register(name, task="text-classification", builder=builder, license="MIT", tags=["toy"], params=10)
        return fake_plugin(plugin_name, register_models=register_models)

    return make


def register_toy_tasks(register):
    # text-classification is zoo's built-in task (zoo.builtin); toys adds a task of its own.
    register("toy-transcription", target="text", input="text", default_metrics=["wer"])


def register_toy_metrics(register):
    register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")
    register("macro-f1", tasks=["text-classification"], builder="zoo.metrics:f1_macro")
    register("mcc", tasks=["text-classification"], builder="zoo.metrics:matthews", range=[-1, 1])
    register("wer", tasks=["toy-transcription"], builder="zoo.metrics:word_error_rate", higher_is_better=False,
             range=[0, None])
    register("cer", tasks=["toy-transcription"], builder="zoo.metrics:char_error_rate", higher_is_better=False,
             range=[0, None])


def register_toy_models(register):
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="MIT", default_dataset="reviews", params=4,
             reported=[{"metric": "accuracy", "value": 0.5, "dataset": "reviews", "split": "test",
                        "source": "https://example.org/keyword-card"}])
    register("keyword-upper", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="MIT", args={"labels": ["NEGATIVE", "POSITIVE"]})
    register("keyword-3class", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="MIT", args={"labels": ["neg", "pos", "neutral"]})
    register("copy", task="toy-transcription", builder="zoo.testing.toy:build_copy_transcriber", license="MIT")


def register_toy_datasets(register):
    register("reviews", task="text-classification", builder="zoo.testing.toy:build_reviews",
             splits=["train", "test"], default_split="test", license="CC0-1.0")
    register("sentences", task="toy-transcription", builder="zoo.testing.toy:build_reviews",
             splits=["test"], license="CC0-1.0", args={"transcripts": True})


@pytest.fixture
def toy_registry():
    """A registry of one in-memory plugin, 'toys', with real (tiny) torch models."""
    from zoo.testing import registry_of

    plugin = fake_plugin("toys", register_tasks=register_toy_tasks, register_metrics=register_toy_metrics,
                         register_models=register_toy_models, register_datasets=register_toy_datasets)
    return registry_of(plugin)


@pytest.fixture
def registry_with_unfetched():
    """The toy registry plus ``unfetched``, a text model that fails when built (its weights are missing)."""
    from zoo.testing import registry_of

    def register_models(register):
        register_toy_models(register)
        register("unfetched", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 license="MIT")

    plugin = fake_plugin("toys", register_tasks=register_toy_tasks, register_metrics=register_toy_metrics,
                         register_models=register_models, register_datasets=register_toy_datasets)
    return registry_of(plugin)


@pytest.fixture
def toy_plugin_with():
    """``toy_plugin_with(register_more)``: the 'toys' plugin, plus the models ``register_more(register)`` adds."""

    def make(register_more):
        def register_models(register):
            register_toy_models(register)
            register_more(register)

        return fake_plugin("toys", register_tasks=register_toy_tasks, register_metrics=register_toy_metrics,
                           register_models=register_models, register_datasets=register_toy_datasets)

    return make


@pytest.fixture
def gated_registry(tmp_path):
    """The toy registry plus ``gated``: the keyword model, built only once the file ``tmp_path/gate``
    exists, its process id first written to ``gate.pid`` (a job a test can watch start, stop or kill).
    Returns ``(registry, gate)``."""
    from zoo.testing import registry_of

    gate = tmp_path / "gate"

    def register_models(register):
        register_toy_models(register)
        register("gated", task="text-classification", builder="zoo.testing.toy:build_gated_model", license="MIT",
                 args={"gate": str(gate)})

    plugin = fake_plugin("toys", register_tasks=register_toy_tasks, register_metrics=register_toy_metrics,
                         register_models=register_models, register_datasets=register_toy_datasets)
    return registry_of(plugin), gate


@pytest.fixture
def toy_plugin():
    """The in-memory 'toys' plugin of ``toy_registry``, for a test that loads it with settings of its own."""
    return fake_plugin("toys", register_tasks=register_toy_tasks, register_metrics=register_toy_metrics,
                       register_models=register_toy_models, register_datasets=register_toy_datasets)
