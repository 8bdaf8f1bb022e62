"""The conformance kit run on in-memory plugins of toy models: its smoke check, its order check,
and what every check does when the plugin did not load."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from xml.etree import ElementTree

import numpy as np
import pytest

from zoo.loader import Settings
from zoo.plugins import PluginSource
from zoo.testing import (PluginConformance, PluginModels, check_models_run, check_prediction_order, example_inputs,
                         fake_plugin, registry_of)


class ToysKit(PluginConformance):  # not collected: the kit's check is called on purpose below
    plugin = "toys"


def run_order_check(registry):
    ToysKit().test_predictions_do_not_depend_on_order_or_batching(registry, PluginModels.build(registry, "toys"))


def run_smoke_check(registry):
    ToysKit().test_every_model_runs_through_the_engine(registry, PluginModels.build(registry, "toys"))


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
    run_order_check(registry_with_unfetched)  # passes


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
        run_order_check(registry)


def test_the_check_fails_when_models_build_but_none_has_data_to_run_on():
    def register_datasets(register):  # its only dataset is not on this machine
        register("remote-reviews", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 splits=["test"], license="CC0-1.0")

    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    with pytest.raises(pytest.fail.Exception, match=r"the order check ran no model, though some build offline:\n"
                                                    r"toys:keyword: no dataset of task text-classification builds "
                                                    r"offline: toys:remote-reviews \(MissingArtifactError: "):
        run_order_check(toys(register_models, register_datasets))


def test_the_check_is_skipped_with_the_reasons_when_no_model_is_on_this_machine():
    def register_models(register):
        register("unfetched", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 license="MIT")

    with pytest.raises(pytest.skip.Exception, match=r"no model that builds offline: toys:unfetched: "
                                                    r"MissingArtifactError: weights of this model are not"):
        run_order_check(toys(register_models))


# The smoke check: every model that builds offline runs 2 samples through the engine.


def test_a_model_returning_two_scores_for_three_labels_fails_naming_the_model_and_the_shape():
    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")
        register("too-narrow", task="text-classification", builder="zoo.testing.toy:build_too_narrow_model",
                 license="MIT")

    registry = toys(register_models)
    report = check_models_run(registry, "toys")
    assert report.ran == ["toys:keyword on toys:reviews"]
    assert report.failures == ["toys:too-narrow on toys:reviews: model toys:too-narrow returned (2, 2) for a batch of "
                               "2; task text-classification needs logits of shape (2, 3) (one column per label)"]
    with pytest.raises(pytest.fail.Exception, match=r"1 model\(s\) do not run through the engine:\n"
                                                    r"toys:too-narrow on toys:reviews: .* returned \(2, 2\)"):
        run_smoke_check(registry)


def test_models_not_on_this_machine_and_templates_are_listed_apart_not_failed():
    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")
        register("keyword-template", task="text-classification", builder="zoo.testing.toy:build_keyword_template",
                 license="MIT")
        register("unfetched", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 license="MIT")

    registry = toys(register_models)
    report = check_models_run(registry, "toys")
    assert report.ran == ["toys:keyword on toys:reviews"] and report.failures == []
    assert report.not_built == ["toys:unfetched: MissingArtifactError: weights of this model are not in the "
                                "local cache; fetch them first"]
    assert report.templates == ["toys:keyword-template: keyword-template needs keywords: "
                                "--model-arg keywords=good,great"]
    run_smoke_check(registry)  # passes


def test_the_smoke_check_is_skipped_with_the_reasons_when_no_model_is_on_this_machine():
    def register_models(register):
        register("keyword-template", task="text-classification", builder="zoo.testing.toy:build_keyword_template",
                 license="MIT")
        register("unfetched", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 license="MIT")

    with pytest.raises(pytest.skip.Exception, match=r"no model that builds offline: toys:unfetched: "
                                                    r"MissingArtifactError: .*; toys:keyword-template: "
                                                    r"keyword-template needs keywords"):
        run_smoke_check(toys(register_models))


def test_a_model_whose_builder_raises_fails_both_checks_even_when_nothing_else_builds():
    def register_models(register):  # labels=7 makes the builder raise a TypeError (len of an int)
        register("bad-args", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"labels": 7})
        register("unfetched", task="text-classification", builder="zoo.testing.toy:build_unfetched_model",
                 license="MIT")

    registry = toys(register_models)
    assert check_models_run(registry, "toys").failures == [
        "toys:bad-args: cannot be built: TypeError: object of type 'int' has no len()"]
    with pytest.raises(pytest.fail.Exception, match=r"toys:bad-args: cannot be built: TypeError"):
        run_smoke_check(registry)
    with pytest.raises(pytest.fail.Exception, match=r"toys:bad-args: cannot be built: TypeError"):
        run_order_check(registry)


def test_labels_must_be_unique_non_empty_strings():
    def register_models(register):
        register("twice-pos", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"labels": ["neg", "pos", "pos"]})
        register("blank", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"labels": ["negative", " "]})

    assert check_models_run(toys(register_models), "toys").failures == [
        "toys:blank: label 1 is str ' '; every label must be a non-empty string",
        "toys:twice-pos: label 'pos' appears 2 times; labels must be unique (the engine matches dataset classes to "
        "them by name)"]


def test_labels_are_matched_by_name_on_the_default_dataset_and_other_datasets_are_used_only_if_they_match():
    def register_models(register):  # classes the reviews dataset does not have
        register("spam-filter", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"labels": ["spam", "ham"]})
        register("spam-filter-on-reviews", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"labels": ["spam", "ham"]}, default_dataset="reviews")
        register("shouting", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"labels": ["NEGATIVE", "POSITIVE"]})  # the engine ignores case

    report = check_models_run(toys(register_models), "toys")
    assert report.ran == ["toys:shouting on toys:reviews", "toys:spam-filter on example text inputs"]
    assert len(report.failures) == 1
    assert report.failures[0].startswith("toys:spam-filter-on-reviews on toys:reviews: labels do not match by name: "
                                         "dataset toys:reviews has ['negative', 'positive'] which model "
                                         "toys:spam-filter-on-reviews lacks")


def test_models_without_a_dataset_run_on_their_input_kinds_example_inputs():
    def register_tasks(register):
        register("toy-image-classification", target="class", input="image", default_metrics=["accuracy"])
        register("toy-audio-classification", target="class", input="audio", default_metrics=["accuracy"])
        register("toy-transcription", target="text", input="text", default_metrics=["wer"])

    def register_metrics(register):
        register("accuracy", tasks=["toy-image-classification", "toy-audio-classification"],
                 builder="zoo.metrics:accuracy")
        register("wer", tasks=["toy-transcription"], builder="zoo.metrics:word_error_rate", higher_is_better=False,
                 range=[0, None])

    def register_models(register):
        register("brightness", task="toy-image-classification", builder="zoo.testing.toy:build_measure_model",
                 license="MIT", args={"task": "toy-image-classification", "labels": ["dark", "bright"]})
        register("loudness", task="toy-audio-classification", builder="zoo.testing.toy:build_measure_model",
                 license="MIT", args={"task": "toy-audio-classification", "labels": ["quiet", "loud"]})
        register("copy", task="toy-transcription", builder="zoo.testing.toy:build_copy_transcriber", license="MIT")

    registry = registry_of(fake_plugin("toys", register_tasks=register_tasks, register_metrics=register_metrics,
                                       register_models=register_models))
    report = check_models_run(registry, "toys")
    assert report.failures == [] and report.no_data == []
    assert report.ran == ["toys:brightness on example image inputs", "toys:copy on example text inputs",
                          "toys:loudness on example audio inputs"]


def test_example_inputs_are_small_and_the_same_every_time():
    images, clips = example_inputs("image"), example_inputs("audio")
    assert [(image.mode, image.size) for image in images] == [("RGB", (32, 32))] * 2
    assert [(clip.sampling_rate, clip.seconds, clip.waveform.dtype) for clip in clips] == [(16000, 1.0, np.float32)] * 2
    assert (np.asarray(example_inputs("image")[0]) == np.asarray(images[0])).all()
    assert all(isinstance(text, str) and text.strip() for text in example_inputs("text"))
    assert example_inputs("point-cloud") is None


# A plugin that did not load fails every check, naming why.

CHECKS = sorted(name for name in dir(PluginConformance) if name.startswith("test_"))


def not_importable():
    import acme_plugin_not_installed  # noqa: F401 - the import error is the point


@pytest.mark.parametrize("how, reason", [
    ("fails to import", r"plugin 'toys' did not load \(failed\): cannot import acme_plugin_not_installed: "
                        r"ModuleNotFoundError: No module named 'acme_plugin_not_installed'"),
    ("is disabled", r"plugin 'toys' did not load \(disabled\): blocked by ZOO_DISABLE_PLUGINS"),
    ("is not installed", r"no plugin 'toys' in entry-point group 'zoo' \(installed: .*\): is its package installed"),
])
def test_every_check_fails_naming_the_cause_when_the_plugin_did_not_load(how, reason):
    source = PluginSource("toys", not_importable, "acme_plugin_not_installed")
    registry = {
        "fails to import": lambda: registry_of(("toys", source)),
        "is disabled": lambda: registry_of(("toys", fake_plugin("toys")),
                                           settings=Settings(builtin_catalogue=False, disabled=("toys",))),
        "is not installed": lambda: registry_of(fake_plugin("others")),
    }[how]()
    models = PluginModels.build(registry, "toys")
    assert len(CHECKS) >= 9
    for check in CHECKS:
        method = getattr(ToysKit(), check)
        arguments = {"zoo_registry": registry, "zoo_plugin_models": models}
        with pytest.raises(pytest.fail.Exception, match=reason):
            method(*(arguments[name] for name in inspect.signature(method).parameters))


@pytest.mark.slow
def test_pytest_reports_one_failure_per_check_for_a_plugin_that_fails_to_import(tmp_path):
    (tmp_path / "test_acme.py").write_text(textwrap.dedent('''
        import pytest
        from zoo.plugins import PluginSource
        from zoo.testing import PluginConformance, registry_of

        def load_acme():
            import acme_plugin_not_installed

        class TestConformance(PluginConformance):
            plugin = "acme"

            @pytest.fixture(scope="class")
            @classmethod
            def zoo_registry(cls):  # as if entry point 'acme' named a module that does not import
                return registry_of(("acme", PluginSource("acme", load_acme, "acme_plugin_not_installed")))
        '''))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=out.xml",
                             "test_acme.py"], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.rstrip().splitlines()[-1].startswith(f"{len(CHECKS)} failed in"), result.stdout
    cases = ElementTree.parse(tmp_path / "out.xml").getroot().iter("testcase")
    failures = {case.get("name"): case.find("failure").get("message") for case in cases}  # failures, not errors
    assert sorted(failures) == CHECKS
    assert set(failures.values()) == {"Failed: plugin 'acme' did not load (failed): cannot import "
                                      "acme_plugin_not_installed: ModuleNotFoundError: No module named "
                                      "'acme_plugin_not_installed'"}
