"""Tasks are shared: many plugins contribute to one task, and a newcomer can never break an owner."""

from __future__ import annotations

import io

from zoo.testing import fake_plugin, registry_of

CATALOGUE = """version: 1
models:
  - name: keyword-reviewed
    builder: keyword
    task: text-classification
    license: MIT
    reported:
      - {metric: accuracy, value: 0.85, dataset: reviews, source: zoo run}
"""


def established_plugin(tmp_path):
    """'text': a model builder and a catalogue for zoo's built-in text-classification task."""
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(CATALOGUE)
    return fake_plugin(
        "text",
        register_models=lambda register: register("keyword", task="text-classification",
                                                  builder="zoo.testing.toy:build_keyword_model", license="MIT"),
        register_datasets=lambda register: register("reviews", task="text-classification",
                                                    builder="zoo.testing.toy:build_reviews", splits=["test"],
                                                    license="CC0-1.0"),
        register_catalogues=lambda register: register(str(catalogue)))


def test_a_newcomers_metric_of_the_same_name_breaks_no_catalogue(tmp_path):
    def own_accuracy(register):
        register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy",
                 description="acme's own accuracy")

    warn = io.StringIO()
    registry = registry_of(established_plugin(tmp_path), fake_plugin("acme", register_metrics=own_accuracy), warn=warn)
    assert warn.getvalue() == ""
    assert {m.id for m in registry.models} == {"text:keyword", "text:keyword-reviewed"}
    # The catalogue's `accuracy` is the task owner's (zoo), not the newcomer's...
    assert registry.metric("accuracy", "text-classification", prefer=("text",)).id == "zoo:accuracy"
    # ...and acme's own entries mean acme's.
    assert registry.metric("accuracy", "text-classification", prefer=("acme",)).id == "acme:accuracy"


def test_redefining_a_built_in_task_is_refused_for_that_plugin_alone(tmp_path):
    def redefine(register):
        register("image-classification", target="class", input="image", default_metrics=["top1"])

    def own_top1(register):
        register("top1", tasks=["image-classification"], builder="zoo.metrics:accuracy")

    def vision_models(register):
        for name in ("resnet", "vit"):
            register(name, task="image-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    warn = io.StringIO()
    registry = registry_of(fake_plugin("vision", register_models=vision_models),
                           fake_plugin("aaa", register_tasks=redefine, register_metrics=own_top1,
                                       register_models=lambda register: register(
                                           "mine", task="image-classification",
                                           builder="zoo.testing.toy:build_keyword_model", license="MIT")),
                           warn=warn)
    assert registry.get("image-classification", "task").id == "zoo:image-classification"
    assert {m.id for m in registry.models} == {"vision:resnet", "vision:vit", "aaa:mine"}  # nobody's models hidden
    assert registry.plugin("aaa").status == "loaded"
    (line,) = warn.getvalue().splitlines()
    assert ("plugin 'aaa' registers task 'image-classification', which plugin 'zoo' already provides; its "
            "registration is ignored") in line


def test_a_plugin_may_own_a_task_of_its_own_and_others_may_target_it(tmp_path):
    def tabular(register):
        register("tabular-classification", target="class", input="text", default_metrics=["balanced-accuracy"])

    def tabular_metrics(register):
        register("balanced-accuracy", tasks=["tabular-classification"], builder="zoo.metrics:accuracy")

    def mlp(register):
        register("mlp", task="tabular-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    registry = registry_of(fake_plugin("tabular", register_tasks=tabular, register_metrics=tabular_metrics),
                           fake_plugin("mlps", register_models=mlp))
    assert registry.get("tabular-classification", "task").plugin == "tabular"
    assert registry.get("mlp", "model").id == "mlps:mlp"
    assert registry.metric("balanced-accuracy", "tabular-classification").id == "tabular:balanced-accuracy"


def test_a_task_whose_default_metric_nobody_registers_is_set_aside_with_its_entries():
    def broken_task(register):
        register("ranking", target="class", input="text", default_metrics=["ndcg"])

    def ranker(register):
        register("ranker", task="ranking", builder="zoo.testing.toy:build_keyword_model", license="MIT")
        register("bow", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    registry = registry_of(fake_plugin("rank", register_tasks=broken_task, register_models=ranker))
    assert [m.id for m in registry.models] == ["rank:bow"]
    reasons = {(u.kind, u.name): u.reason for u in registry.unavailable}
    assert "default metric(s) ndcg are registered by no plugin" in reasons[("task", "ranking")]
    assert "task 'ranking', which no installed plugin provides" in reasons[("model", "ranker")]


def test_a_squatted_plugin_name_keeps_the_owner_and_refuses_the_squatter(tasks_plugin, model_plugin):
    from zoo.plugins import PluginSource, settle_names

    owner = model_plugin("vision", "resnet")
    squatter = model_plugin("vision", "fake-resnet")
    sources = settle_names([PluginSource("vision", lambda: squatter, "evil", "aaa-evil-dist", "6.6.6"),
                            PluginSource("vision", lambda: owner, "zoo_vision", "zoo-vision", "0.1.0")])
    warn = io.StringIO()
    registry = registry_of(*[(source.name, source) for source in sources], warn=warn)
    assert [m.id for m in registry.models] == ["vision:resnet"]
    assert registry.plugin("vision").distribution == "zoo-vision"
    refused = registry.plugin("vision@aaa-evil-dist")
    assert refused.status == "failed"
    assert refused.error == ("distribution 'aaa-evil-dist' declares plugin 'vision', which distribution 'zoo-vision' "
                             "provides; refused (its entry point needs a name of its own)")


def test_nobody_can_take_the_core_plugins_name():
    from zoo.plugins import CORE_DISTRIBUTION, PluginSource, settle_names

    settled = settle_names([PluginSource("zoo", lambda: None, "evil", "evil", "1"),
                            PluginSource("zoo", lambda: None, "zoo.builtin", CORE_DISTRIBUTION, "0.1")])
    assert [(s.name, s.distribution) for s in settled] == [("zoo", CORE_DISTRIBUTION), ("zoo@evil", "evil")]


def test_a_task_may_declare_an_input_kind_of_its_own_with_its_loader(tmp_path):
    import zoo

    def table_task(register):
        register("row-classification", target="class", input="table-row", default_metrics=["accuracy"],
                 input_loader="zoo.inputs.text:text_from_argument")  # a CSV row is read as its text here

    def metrics(register):
        register("accuracy", tasks=["row-classification"], builder="zoo.metrics:accuracy")

    def models(register):
        register("rows", task="row-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    registry = registry_of(fake_plugin("tables", register_tasks=table_task, register_metrics=metrics,
                                       register_models=models))
    assert registry.get("row-classification", "task").input == "table-row"
    (result,) = zoo.predict("rows", ["good value, great seller"], registry=registry, top_k=1)
    assert result["top"][0]["label"] == "positive"


def test_an_input_kind_of_its_own_needs_its_loader():
    def table_task(register):
        register("row-classification", target="class", input="table-row", default_metrics=["accuracy"])

    registry = registry_of(fake_plugin("tables", register_tasks=table_task))
    assert ("input_loader: input kind 'table-row' is not one of zoo's (text, image, audio), so the task must name "
            "the input_loader that reads it") in registry.plugin("tables").error
