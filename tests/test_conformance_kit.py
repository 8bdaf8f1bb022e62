"""The conformance kit's order check, run on in-memory plugins of toy models."""

from __future__ import annotations

import pytest

from zoo.testing import PluginConformance, check_prediction_order, fake_plugin, registry_of


class ToysKit(PluginConformance):  # not collected: the kit's check is called on purpose below
    plugin = "toys"


def register_reviews(register):
    register("reviews", task="text-classification", builder="zoo.testing.toy:build_reviews", splits=["test"],
             license="CC0-1.0")


def toys(register_models, register_datasets=register_reviews):
    """A registry of one plugin, 'toys': text classification, these models and these datasets."""
    plugin = fake_plugin(
        "toys", register_models=register_models, register_datasets=register_datasets,
        register_tasks=lambda register: register("text-classification", target="class", input="text",
                                                 default_metrics=["accuracy"]),
        register_metrics=lambda register: register("accuracy", tasks=["text-classification"],
                                                   builder="zoo.metrics:accuracy"))
    return registry_of(plugin)


def test_models_without_state_pass_and_those_not_on_this_machine_are_listed(registry_with_unfetched):
    report = check_prediction_order(registry_with_unfetched, "toys")
    assert report.failures == [] and report.no_data == []
    assert report.checked == ["toys:copy on toys:sentences", "toys:keyword on toys:reviews",
                              "toys:keyword-3class on toys:reviews", "toys:keyword-upper on toys:reviews"]
    assert report.not_built == ["toys:unfetched: MissingArtifactError: weights of this model are not in the "
                                "local cache; fetch them first"]
    ToysKit().test_predictions_do_not_depend_on_order_or_batching(registry_with_unfetched)  # passes


def test_a_model_whose_state_carries_from_sample_to_sample_fails_naming_the_samples():
    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")
        register("live-mean", task="text-classification", builder="zoo.testing.toy:build_live_mean_model",
                 license="MIT")

    registry = toys(register_models)
    report = check_prediction_order(registry, "toys")
    assert report.checked == ["toys:keyword on toys:reviews", "toys:live-mean on toys:reviews"]
    assert report.failures and all(line.startswith("toys:live-mean on toys:reviews: sample row ")
                                   and "largest score difference" in line for line in report.failures)
    with pytest.raises(pytest.fail.Exception, match=r"predictions depend on order or batching:\n"
                                                    r"toys:live-mean on toys:reviews: sample row \d"):
        ToysKit().test_predictions_do_not_depend_on_order_or_batching(registry)


def test_the_check_fails_when_models_build_but_none_has_data_to_run_on():
    def register_datasets(register):  # its only dataset is not on this machine
        register("remote-reviews", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 splits=["test"], license="CC0-1.0")

    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    with pytest.raises(pytest.fail.Exception, match=r"the order check ran no model, though some build offline:\n"
                                                    r"toys:keyword: no dataset of task text-classification builds "
                                                    r"offline: toys:remote-reviews \(MissingArtifactError: "):
        ToysKit().test_predictions_do_not_depend_on_order_or_batching(toys(register_models, register_datasets))


def test_the_check_is_skipped_with_the_reasons_when_no_model_is_on_this_machine():
    def register_models(register):
        register("unfetched", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 license="MIT")

    with pytest.raises(pytest.skip.Exception, match=r"no model that builds offline: toys:unfetched: "
                                                    r"MissingArtifactError: weights of this model are not"):
        ToysKit().test_predictions_do_not_depend_on_order_or_batching(toys(register_models))
