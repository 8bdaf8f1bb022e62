"""`zoo list --min-params/--max-params COUNT --min/--max METRIC=VALUE`: only the models within bounds;
`--json` carries every reported value."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli.app import make_cli
from zoo.testing import fake_plugin, registry_of


def register_metrics(register):
    register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")
    register("wer", tasks=["text-classification"], builder="zoo.metrics:word_error_rate", higher_is_better=False,
             range=[0, None])


def register_models(register):
    def model(name, params=None, **reported):
        register(name, task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 params=params, reported=[{"metric": metric, "value": value, "dataset": "reviews",
                                           "source": "https://example.org/card"} for metric, value in reported.items()])
    model("alpha", params=3_000_000, accuracy=0.70, wer=0.30)
    model("bravo", params=100_000, accuracy=0.90, wer=0.20)
    model("charlie", accuracy=0.80, wer=0.10)  # size unknown
    model("delta", params=20_000_000)  # reports nothing


@pytest.fixture
def registry():
    return registry_of(fake_plugin("toys", register_metrics=register_metrics, register_models=register_models))


def listed(registry, *args, exit_code=0):
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", *args, "--json"])
    assert result.exit_code == exit_code, result.output
    return [row["name"] for row in json.loads(result.stdout)] if exit_code == 0 else result.output


@pytest.mark.parametrize(("args", "names"), [
    (["--max-params", "10M"], ["alpha", "bravo"]),  # charlie's size is unknown: left out
    (["--min-params", "3M"], ["alpha", "delta"]),  # bounds are inclusive
    (["--min-params", "150K", "--max-params", "3.5M"], ["alpha"]),
    (["--min", "accuracy=0.8"], ["bravo", "charlie"]),  # delta reports nothing: left out
    (["--max", "wer=0.2", "--sort", "wer"], ["charlie", "bravo"]),
    (["--min", "accuracy=0.75", "--max", "wer=0.15"], ["charlie"]),  # repeated: every bound holds
    (["--min", "accuracy=0.7", "--max-params", "5M", "--sort", "accuracy", "--top", "1"], ["bravo"]),
])
def test_conditions_keep_the_models_within_bounds(registry, args, names):
    assert listed(registry, *args) == names


def test_the_python_api_takes_the_same_bounds(registry):
    found = zoo.list_models(max_params="10M", minimum={"accuracy": 0.8}, registry=registry)
    assert [spec.name for spec in found] == ["bravo"]
    assert zoo.list_models(min_params=20_000_000, registry=registry) == [registry.get("delta", "model")]


@pytest.mark.parametrize(("args", "message"), [
    (["--min", "accuracy"], "zoo: error: --min 'accuracy': write METRIC=VALUE, e.g. --min top1=0.8"),
    (["--max", "wer=low"], "zoo: error: --max 'wer=low': write METRIC=VALUE, e.g. --max top1=0.8"),
    (["--min", "bleu=0.3"], "zoo: error: --min bleu=0.3: 'bleu' is not a metric; use one of accuracy, cer, "
                            "macro-f1, mcc, top1, top5, wer"),
    (["--min", "accuracy=80"], "zoo: error: --min accuracy=80: accuracy values lie in [0, 1] (zoo's metrics are "
                               "fractions, as torchmetrics gives them); write 0.8 for 80%"),
    (["--max-params", "ten"], "zoo: error: --max-params 'ten': give a parameter count such as 5000000, 5M, 350K "
                              "or 1.5B"),
    (["datasets", "--max-params", "1M"], "zoo: error: --max-params applies to models, not datasets"),
])
def test_bad_bounds_are_one_line(registry, args, message):
    assert listed(registry, *args, exit_code=2).strip() == message


def test_json_carries_every_reported_value(registry):
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", "alpha", "--json"])
    [alpha] = json.loads(result.stdout)
    assert [(one["metric"], one["value"], one["dataset"]) for one in alpha["reported"]] == [
        ("accuracy", 0.70, "reviews"), ("wer", 0.30, "reviews")]
