"""The zoo command line, built on a registry of in-memory plugins."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.testing import fake_plugin


@pytest.fixture
def zoo_cli(toy_registry):
    def run(*args, input=None):
        cli = make_cli(lambda settings: toy_registry)
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return run


def test_list_shows_a_table_of_models(zoo_cli):
    result = zoo_cli("list")
    assert result.exit_code == 0
    header, rule, *rows = result.output.splitlines()
    assert header.split() == ["name", "task", "plugin", "here", "params", "license", "reported"]
    # The toy models need no file: their code is all of them.
    assert any(row.startswith("keyword ") and " bundled " in row and "accuracy 0.5 (reviews)" in row for row in rows)


def test_list_filters_and_prints_json(zoo_cli):
    result = zoo_cli("list", "models", "keyword-*", "--task", "text-classification", "--json")
    assert [entry["id"] for entry in json.loads(result.output)] == ["toys:keyword-3class", "toys:keyword-upper"]
    assert zoo_cli("list", "datasets", "--license", "CC0-1.0", "--json").output.count('"id"') == 2
    assert "wer" in zoo_cli("list", "metrics", "--task", "toy-transcription").output


def test_info_prints_the_whole_card(zoo_cli):
    result = zoo_cli("info", "keyword")
    assert "id: toys:keyword" in result.output
    assert "builder: zoo.testing.toy:build_keyword_model" in result.output
    assert "source: https://example.org/keyword-card" in result.output


def test_an_unknown_name_is_one_line_with_suggestions(zoo_cli):
    result = zoo_cli("info", "keywrod")
    assert result.exit_code == 2
    assert result.output == "zoo: error: no entry named 'keywrod'; did you mean 'keyword', 'keyword-upper'? (see `zoo list`)\n"


def test_traceback_shows_the_full_error(toy_registry):
    cli = make_cli(lambda settings: toy_registry)
    with pytest.raises(Exception, match="no entry named"):
        CliRunner().invoke(cli, ["--traceback", "info", "nope"], catch_exceptions=False)


def test_run_prints_metrics_and_writes_a_record(zoo_cli, tmp_path):
    record = tmp_path / "run.json"
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--batch-size", "8", "--output", str(record))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["metric", "value", "reported", "difference"]
    saved = json.loads(record.read_text())
    assert saved["request"]["batch_size"] == 8
    # --from repeats it exactly
    again = zoo_cli("run", "--from", str(record), "--json")
    assert json.loads(again.output)["metrics"] == saved["metrics"]


def test_run_compares_several_models(zoo_cli, tmp_path):
    table = tmp_path / "compare.csv"
    result = zoo_cli("run", "keyword", "keyword-u*", "--dataset", "reviews", "--limit", "10", "--csv", str(table))
    assert result.exit_code == 0, result.output
    assert table.read_text().splitlines()[0] == "model,accuracy,accuracy reported,macro-f1,samples/s,params,error"
    assert [line.split(",")[0] for line in table.read_text().splitlines()[1:]] == ["toys:keyword", "toys:keyword-upper"]


def test_run_predicts_on_inputs_and_stdin(zoo_cli):
    result = zoo_cli("run", "keyword", "a good film", "-", input="a dull plot\n")
    lines = result.output.splitlines()
    assert lines[0].startswith("a good film\tpositive\t") and lines[2].startswith("a dull plot\tnegative\t")


def test_predictions_are_one_tab_separated_line_per_input_and_label(zoo_cli):
    # Labels with commas and an input with a tab still split into exactly three fields per line.
    result = zoo_cli("run", "keyword", "--model-arg", "labels=['bad, awful', 'good, fine']", "--top-k", "2",
                     "a good film", "-", input="dull\tslow\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["a good film\tgood, fine\t0.818", "a good film\tbad, awful\t0.182",
                                          "dull\\tslow\tbad, awful\t0.622", "dull\\tslow\tgood, fine\t0.378"]


def test_a_prediction_without_a_confidence_prints_a_dash(capsys):
    from zoo.cli.run import _print_predictions

    _print_predictions([{"input": "clip 1.wav", "top": [{"label": "yes", "score": None}]},
                        {"input": "clip\n2.wav", "transcript": "two words"}], as_json=False)
    assert capsys.readouterr().out == "clip 1.wav\tyes\t-\nclip\\n2.wav\ttwo words\n"


def test_run_errors_are_one_line(zoo_cli):
    result = zoo_cli("run", "keyword", "--dataset", "sentences")
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1 and "is for task 'text-classification'" in result.output


def test_validate_lists_every_problem_and_exits_non_zero(tmp_path, toy_registry):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nmodels:\n  - name: x\n    task: text-classification\n    builder: nope\n")
    result = CliRunner().invoke(make_cli(lambda settings: toy_registry), ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3:5: models[0].license: required field is missing" in result.output
    assert "1 catalogue(s): 0 model entries valid, 1 problem(s)" in result.output


def test_plugins_can_add_commands(toy_registry):
    import click

    calls = []

    def register_commands(cli):
        calls.append(1)

        @cli.command("hello")
        def hello():
            click.echo("hello from a plugin")

    from zoo.testing import registry_of

    registry = registry_of(fake_plugin("greeter", register_commands=register_commands))
    result = CliRunner().invoke(make_cli(lambda s: registry), ["hello"])
    assert result.output == "hello from a plugin\n"
    calls.clear()
    assert "hello" in CliRunner().invoke(make_cli(lambda s: registry), ["--help"]).output
    assert calls == [1]  # once per invocation, however many commands --help describes
    assert registry.plugin("greeter").hooks == ["register_commands"]


def test_plugins_command_shows_errors(toy_registry):
    from zoo.testing import registry_of

    def explode(register):
        raise ValueError("boom")

    registry = registry_of(fake_plugin("bad", register_models=explode))
    result = CliRunner().invoke(make_cli(lambda s: registry), ["plugins", "--json"])
    core, record = json.loads(result.output)
    assert core["name"] == "zoo" and core["status"] == "loaded"  # the built-in tasks' plugin
    assert record["status"] == "failed" and record["error"] == "hook register_models raised ValueError: boom"


def test_version():
    result = CliRunner().invoke(make_cli(), ["--version"])
    assert result.output.startswith("zoo ")


def test_zoo_list_imports_no_heavy_library():
    """The installed `zoo list`, first-party plugins included, never imports torch & co., nor the
    sweep executors' Ray and submitit (`zoo sweep` is registered beside it), nor Hugging Face datasets,
    nor the other commands' modules."""
    code = ("import sys\nfrom zoo.cli import main\nsys.argv = ['zoo', 'list']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY=' + ','.join(m for m in ('torch', 'timm', 'transformers', 'torchvision', 'ray', 'submitit',"
            " 'zoo.sweep', 'datasets', 'pyarrow', 'zoo.cli.run', 'zoo.cli.sweep', 'zoo.cli.results', 'zoo.cli.pull')"
            " if m in sys.modules))")  # other commands' modules are imported only when they run
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "ZOO_STRICT_PLUGINS": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_a_user_catalogue_adds_models(tmp_path):
    from dataclasses import replace

    from zoo.testing import registry_of

    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    def register_tasks(register):
        register("text-classification", target="class", input="text", default_metrics=["accuracy"])

    def register_metrics(register):
        register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")

    plugin = fake_plugin("toys", register_tasks=register_tasks, register_models=register_models,
                         register_metrics=register_metrics)
    mine = tmp_path / "mine.yaml"
    mine.write_text("version: 1\nmodels:\n  - name: keyword-strict\n    task: text-classification\n"
                    "    builder: keyword\n    license: MIT\n    args: {keywords: [great]}\n")
    cli = make_cli(lambda settings: registry_of(plugin, settings=replace(settings, builtin_catalogue=False)))
    result = CliRunner().invoke(cli, ["--registry", str(mine), "info", "keyword-strict", "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    assert card["id"] == "toys:keyword-strict" and card["args"] == {"keywords": ["great"]}


def test_builder_arguments_are_typed_but_yes_and_no_stay_words():
    from zoo.cli.run import _key_values

    assert _key_values(("n=3", "flag=true", "words=[yes, no, on]", "name=off", "ratio=0.5"), "--model-arg") == {
        "n": 3, "flag": True, "words": ["yes", "no", "on"], "name": "off", "ratio": 0.5}


@pytest.mark.parametrize("edit,message", [
    (lambda r: r["request"].update(batch_size="abc"), "request.batch_size must be an integer, not 'abc'"),
    (lambda r: r["request"].update(metrics="accuracy"), "request.metrics must be a list of metric names"),
    (lambda r: r["request"].update(label_map=["a"]), "request.label_map must be a mapping of label names"),
    (lambda r: r["request"].update(bogus=1), "request.bogus is not a run option"),
    (lambda r: r["request"].pop("model"), "request.model is missing"),
    (lambda r: r.update(request=[1]), "'request' must be a mapping"),
    (lambda r: r.update(zoo_record=99), "run record of version 99; this zoo"),
])
def test_a_hand_edited_record_is_one_line_naming_the_field(zoo_cli, tmp_path, edit, message):
    record = tmp_path / "run.json"
    assert zoo_cli("run", "keyword", "--dataset", "reviews", "--limit", "4", "-o", str(record)).exit_code == 0
    saved = json.loads(record.read_text())
    edit(saved)
    record.write_text(json.dumps(saved))
    result = zoo_cli("run", "--from", str(record))
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"zoo: error: {record}") and message in line


def test_options_given_with_from_change_the_recorded_run(zoo_cli, tmp_path):
    record = tmp_path / "run.json"
    assert zoo_cli("run", "keyword", "--dataset", "reviews", "--limit", "4", "-o", str(record)).exit_code == 0
    again = json.loads(zoo_cli("run", "--from", str(record), "--limit", "6", "--batch-size", "2", "--json").output)
    assert again["samples"]["evaluated"] == 6 and again["run"]["batch_size"] == 2
    assert again["request"]["dataset"] == "toys:reviews"


@pytest.mark.parametrize("content,message", [
    ("negative: 0\n", "entry 'negative': 0 must map a label name to a label name; quote names"),
    ("", "must map dataset label names to model label names (YAML `dataset label: model label` lines); it is empty"),
    ("{{\n", "label_map.yaml:2:1: invalid YAML: expected the node content"),
])
def test_a_malformed_label_map_is_one_line_naming_the_file(zoo_cli, tmp_path, content, message):
    label_map = tmp_path / "label_map.yaml"
    label_map.write_text(content)
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--label-map", str(label_map))
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert message in line


@pytest.mark.parametrize("options,message", [
    (["--limit", "3"], "predicting on inputs takes no --limit; to evaluate, pass --dataset"),
    (["--split", "train", "--on-error", "skip"], "predicting on inputs takes no --split, --on-error;"),
    (["--top-k", "0"], "--top-k must be at least 1, not 0"),
    (["--batch-size", "0"], "--batch-size must be at least 1, not 0"),
])
def test_predict_refuses_options_it_would_ignore(zoo_cli, options, message):
    result = zoo_cli("run", "keyword", "a good film", "a dull plot", *options)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert message in line


def test_the_console_script_turns_usage_errors_into_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "zoo", "run", "anything", "--output", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"zoo: error: Invalid value for '--output' / '-o': File '{tmp_path}' is a directory. (see `zoo run --help`)"]


def test_a_misspelt_filter_is_an_error_not_an_empty_table(zoo_cli):
    result = zoo_cli("list", "--task", "text-clasification")
    assert result.exit_code == 2
    assert ("unknown task 'text-clasification'; known tasks: audio-classification, image-classification, "
            "speech-recognition, text-classification, toy-transcription") in result.output
    assert "no plugin named 'toyz'; plugins: zoo, toys" in zoo_cli("list", "--plugin", "toyz").output


def test_list_shows_the_tasks_main_metric(tmp_path):
    from zoo.testing import registry_of

    def register_tasks(register):  # a task of the plugin's own, whose main metric is macro-f1
        register("review-rating", target="class", input="text", default_metrics=["macro-f1", "accuracy"])

    def register_metrics(register):
        register("accuracy", tasks=["review-rating"], builder="zoo.metrics:accuracy")
        register("macro-f1", tasks=["review-rating"], builder="zoo.metrics:f1_macro")

    def register_models(register):
        register("m", task="review-rating", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 reported=[{"metric": "accuracy", "value": 0.9, "dataset": "d", "source": "https://example.org"},
                           {"metric": "macro-f1", "value": 0.7, "dataset": "d", "source": "https://example.org"}])

    registry = registry_of(fake_plugin("p", register_tasks=register_tasks, register_metrics=register_metrics,
                                       register_models=register_models))
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list"])
    assert result.output.splitlines()[2].endswith("macro-f1 0.7 (d)")


def test_each_builtin_command_is_found_in_the_module_that_defines_it():
    """zoo imports a command's module only when it runs; the table saying where each is must be whole."""
    import importlib

    from zoo.cli.app import BUILTIN_COMMANDS

    defined = {}
    for module in set(BUILTIN_COMMANDS.values()):
        defined.update((command.name, module) for command in importlib.import_module(f"zoo.cli.{module}").COMMANDS)
    assert defined == BUILTIN_COMMANDS
