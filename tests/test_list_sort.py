"""`zoo list --sort FIELD --top N`: the best models by a reported metric, the smallest, or by name."""

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
    model("alpha", params=300, accuracy=0.70, wer=0.30)
    model("bravo", params=100, accuracy=0.90, wer=0.20)
    model("charlie", accuracy=0.80, wer=0.10)
    model("delta", params=200)  # reports nothing


@pytest.fixture
def registry():
    return registry_of(fake_plugin("toys", register_metrics=register_metrics, register_models=register_models))


def listed(registry, *args):
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [row["name"] for row in json.loads(result.stdout)]


@pytest.mark.parametrize(("field", "order"), [
    ("accuracy", ["bravo", "charlie", "alpha", "delta"]),  # higher is better: best first, unreported last
    ("wer", ["charlie", "bravo", "alpha", "delta"]),  # lower is better
    ("params", ["bravo", "delta", "alpha", "charlie"]),  # smallest first, unknown size last
    ("name", ["alpha", "bravo", "charlie", "delta"]),
])
def test_sort_orders_models_best_first(registry, field, order):
    assert listed(registry, "--sort", field) == order
    assert zoo.list_models(sort=field, registry=registry) == [registry.get(name, "model") for name in order]


def test_top_keeps_the_first_n_after_sorting_and_filtering(registry):
    assert listed(registry, "--sort", "accuracy", "--top", "2") == ["bravo", "charlie"]
    assert listed(registry, "--top", "1") == ["alpha"]
    assert listed(registry, "a*", "--sort", "wer", "--top", "5") == ["alpha"]


def test_the_table_shows_the_values_it_is_sorted_by(registry):
    def reported(*args):
        result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", *args])
        return [" ".join(line.split()[-3:]) for line in result.stdout.splitlines()[2:]]

    assert reported("--sort", "wer", "--top", "2") == ["wer 0.1 (reviews)", "wer 0.2 (reviews)"]  # not accuracy
    assert reported("--sort", "params", "--top", "1") == ["accuracy 0.9 (reviews)"]  # no metric: the task's main one


@pytest.mark.parametrize(("args", "message"), [
    (["--sort", "bleu"], "zoo: error: cannot sort by 'bleu': it is not a metric; sort by name, params or a metric "
                         "(accuracy, cer, macro-f1, mcc, top1, top5, wer)"),
    (["datasets", "--top", "2"], "zoo: error: --top applies to models, not datasets"),
])
def test_a_bad_sort_or_top_is_one_line(registry, args, message):
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", *args])
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_top_must_be_positive(capsys):
    from zoo.cli.app import main

    with pytest.raises(SystemExit) as exit_info:
        main(["list", "--top", "0"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("zoo: error: Invalid value for '--top': 0 is not in the range x>=1. "
                                       "(see `zoo list --help`)\n")


def register_numbers_on_two_datasets(register):
    def model(name, **values):
        register(name, task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 reported=[{"metric": "accuracy", "value": value, "dataset": dataset,
                            "source": "https://example.org/card"} for dataset, value in values.items()])
    model("digits-net", digits=0.99)  # the best number of all, on another dataset
    model("wide", imagenet=0.85, digits=0.5)
    model("narrow", imagenet=0.80)


def test_dataset_ranks_and_bounds_models_on_that_dataset_s_numbers():
    registry = registry_of(fake_plugin("toys", register_metrics=register_metrics,
                                       register_models=register_numbers_on_two_datasets))
    assert listed(registry, "--sort", "accuracy") == ["digits-net", "wide", "narrow"]  # first values, any dataset
    assert listed(registry, "--sort", "accuracy", "--dataset", "imagenet") == ["wide", "narrow"]
    assert listed(registry, "--dataset", "toys:digits", "--sort", "accuracy") == ["digits-net", "wide"]
    assert listed(registry, "--dataset", "digits", "--max", "accuracy=0.6") == ["wide"]  # its digits number
    assert zoo.list_models(dataset="imagenet", sort="accuracy", top=1, registry=registry)[0].name == "wide"
    shown = CliRunner().invoke(make_cli(lambda settings: registry), ["list", "--dataset", "digits", "--sort", "accuracy"])
    assert shown.stdout.splitlines()[-1].split()[-2:] == ["0.5", "(digits)"]  # wide's number there, not its first

