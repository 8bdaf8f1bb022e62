"""Templates (generic builders) are not models: listed apart, and never built on random weights unasked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli import make_cli
from zoo.errors import UsageError
from zoo.testing import fake_plugin, registry_of


def register_template(register):
    # A generic builder: the keywords it is given are what it has learnt (as checkpoint= is for timm).
    register("keyword-net", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="MIT", template=True, weights_args=["keywords"], description="Any keyword model")


@pytest.fixture
def registry(toy_plugin_with):
    """The toy models, and one template."""
    return registry_of(toy_plugin_with(register_template))


def run(registry, *args):
    return CliRunner().invoke(make_cli(lambda settings: registry), list(args), catch_exceptions=False)


def test_a_template_given_no_weights_is_refused_with_every_way_to_give_them(registry):
    with pytest.raises(UsageError) as error:
        zoo.build_model("keyword-net", registry=registry)
    message = str(error.value)
    assert message.startswith("model toys:keyword-net is a template (a generic builder, not a trained model)")
    assert "--model-arg keywords=..." in message and "--random-init" in message and "\n" not in message
    result = run(registry, "run", "keyword-net", "a good film")
    assert result.exit_code == 2 and result.output.startswith("zoo: error: model toys:keyword-net is a template")
    assert "positive" not in result.output  # no prediction printed


def test_random_weights_only_when_asked_and_then_said_everywhere(registry, capsys):
    model = zoo.build_model("keyword-net", registry=registry, random_init=True)
    assert model.random_weights is True
    assert "zoo: warning: model toys:keyword-net has random weights" in capsys.readouterr().err
    # Given what it learns from, it is a trained model like any other.
    assert getattr(zoo.build_model("keyword-net", registry=registry, keywords=["good"]), "random_weights", False) is False
    record = zoo.evaluate("keyword-net", "reviews", registry=registry, device="cpu", model_args={"random_init": True})
    assert record["model"]["random_weights"] is True and record["request"]["model_args"] == {"random_init": True}
    assert zoo.evaluate("keyword", "reviews", registry=registry, device="cpu")["model"]["random_weights"] is False


def test_zoo_run_random_init_prints_and_records_random_weights(registry, tmp_path):
    result = run(registry, "run", "keyword-net", "--dataset", "reviews", "--random-init", "--no-store",
                 "--output", str(tmp_path / "run.json"))
    assert result.exit_code == 0, result.output
    assert "has random weights" in result.stderr
    assert json.loads((tmp_path / "run.json").read_text())["model"]["random_weights"] is True


def test_random_init_with_trained_weights_is_a_contradiction(registry):
    with pytest.raises(UsageError, match=r"random weights were asked for, but keywords=\['good'\] gives trained ones"):
        zoo.build_model("keyword-net", registry=registry, random_init=True, keywords=["good"])
    with pytest.raises(UsageError, match="keyword is not a template: it has its own weights"):
        zoo.build_model("keyword", registry=registry, random_init=True)
    with pytest.raises(UsageError, match="random_init must be true or false, not 'yes'"):
        zoo.build_model("keyword-net", registry=registry, random_init="yes")


def test_zoo_list_shows_models_and_zoo_list_builders_the_templates(registry):
    models = run(registry, "list").output
    assert "keyword-net" not in models and "keyword-upper" in models
    builders = run(registry, "list", "builders").output.splitlines()
    assert builders[0].split() == ["template", "task", "plugin", "weights", "from", "description"]
    assert [line.split()[0] for line in builders[2:]] == ["keyword-net"] and "keywords=" in builders[2]
    listed = json.loads(run(registry, "list", "builders", "--json").output)
    assert [(entry["id"], entry["template"], entry["weights_args"]) for entry in listed] == [
        ("toys:keyword-net", True, ["keywords"])]
    assert all(entry["template"] is False for entry in json.loads(run(registry, "list", "--json").output))
    # --top counts models: a template never takes a place.
    assert [spec.name for spec in zoo.list_models(registry=registry, top=3)] == ["copy", "keyword", "keyword-3class"]
    assert [spec.name for spec in zoo.list_models(registry=registry, templates=True)] == ["keyword-net"]


def test_a_catalogue_entry_cannot_declare_itself_a_template(tmp_path, registry):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text("version: 1\nmodels:\n  - {name: mine, builder: keyword-net, task: text-classification,"
                         " license: MIT, template: true}\n", encoding="utf-8")
    result = run(registry, "validate", str(catalogue))
    assert result.exit_code == 1 and "models[0].template: unknown field" in result.stderr


def test_weights_args_belong_to_templates():
    def register_bad(register):
        register("half", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 weights_args=["keywords"])

    loaded = registry_of(fake_plugin("bad", register_models=register_bad))
    assert loaded.plugin("bad").status == "failed"
    assert "weights_args: only a template (template: true) names the arguments" in loaded.plugin("bad").error
