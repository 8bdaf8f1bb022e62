"""Plugin isolation: one broken plugin never breaks the others."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from zoo import PluginError, Settings
from zoo.errors import AmbiguousNameError, NotFoundError
from zoo.plugins import PluginSource
from zoo.testing import fake_plugin, registry_of


def test_a_plugin_whose_import_raises_is_skipped_with_one_line(tasks_plugin, model_plugin):
    def broken_import():
        raise ImportError("No module named 'torch_nightly'")

    warn = io.StringIO()
    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"),
                           ("broken", PluginSource("broken", broken_import, "zoo_broken")), warn=warn)
    assert registry.get("tiny", "model").id == "good:tiny"
    record = registry.plugin("broken")
    assert record.status == "failed"
    assert "cannot import zoo_broken: ImportError: No module named 'torch_nightly'" in record.error
    lines = warn.getvalue().splitlines()
    assert len(lines) == 1 and "plugin 'broken' failed" in lines[0]


def test_a_hook_that_raises_drops_that_plugin_only(tasks_plugin, model_plugin):
    def explode(register):
        register("half-registered", task="text-classification", builder="m:f", license="MIT")
        raise ValueError("boom")

    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"), fake_plugin("bad", register_models=explode))
    assert registry.plugin("bad").error == "hook register_models raised ValueError: boom"
    assert [m.id for m in registry.models] == ["good:tiny"]  # nothing of 'bad' is kept


def test_a_malformed_entry_fails_its_plugin_and_names_the_field(tasks_plugin):
    def malformed(register):
        register("m", task="text-classification", builder="not an import string", license="MIT")

    registry = registry_of(tasks_plugin, fake_plugin("sloppy", register_models=malformed))
    error = registry.plugin("sloppy").error
    assert "RegistrationError: model 'm' at" in error
    assert "builder: expected an import string 'package.module:function', got 'not an import string'" in error


def test_a_duplicate_inside_one_plugin_names_both_places(tasks_plugin):
    def twice(register):
        register("m", task="text-classification", builder="a.b:c", license="MIT")
        register("m", task="text-classification", builder="a.b:d", license="MIT")

    registry = registry_of(tasks_plugin, fake_plugin("dup", register_models=twice))
    error = registry.plugin("dup").error
    assert "model 'm' registered twice: at" in error
    assert error.count("test_plugins.py:") == 2


def test_same_short_name_from_two_plugins_is_ambiguous_and_lists_qualified_ids(tasks_plugin, model_plugin):
    registry = registry_of(tasks_plugin, model_plugin("alpha", "bert"), model_plugin("beta", "bert"))
    with pytest.raises(AmbiguousNameError, match=r"'bert' is ambiguous: use one of alpha:bert, beta:bert"):
        registry.get("bert", "model")
    assert registry.get("beta:bert", "model").plugin == "beta"


def test_an_entry_for_a_task_nobody_provides_is_set_aside_and_the_rest_loads(tasks_plugin):
    def register_models(register):
        register("tabular-mlp", task="tabular-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT")
        register("bow", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    warn = io.StringIO()
    registry = registry_of(fake_plugin("acme", register_models=register_models), warn=warn)
    assert registry.plugin("acme").status == "loaded"
    assert [m.id for m in registry.models] == ["acme:bow"]  # a model for zoo's built-in task loads
    (aside,) = registry.unavailable
    assert (aside.name, aside.kind, aside.plugin) == ("tabular-mlp", "model", "acme")
    assert "task 'tabular-classification', which no installed plugin provides" in aside.reason
    assert warn.getvalue() == ""  # set aside quietly: `zoo list --unavailable` shows it


def test_disabled_plugins_are_never_imported(tasks_plugin):
    imported = []
    source = PluginSource("blocked", lambda: imported.append(1) or tasks_plugin, "zoo_blocked")
    registry = registry_of(("blocked", source), settings=Settings(disabled=("blocked",), builtin_catalogue=False))
    assert imported == []
    assert registry.plugin("blocked").status == "disabled"


def test_disable_plugins_is_read_from_the_environment():
    settings = Settings.from_env({"ZOO_DISABLE_PLUGINS": "a, b", "ZOO_STRICT_PLUGINS": "1"})
    assert settings.disabled == ("a", "b") and settings.strict


def test_an_unset_command_line_flag_keeps_the_environment_value():
    assert Settings.from_env({"ZOO_STRICT_PLUGINS": "1"}, strict=False).strict
    assert Settings.from_env({}, strict=True).strict
    assert Settings.from_env({"ZOO_REGISTRY": "a.yaml"}, catalogues=("b.yaml",)).catalogues == (Path("a.yaml"), Path("b.yaml"))


def test_strict_mode_makes_a_plugin_error_fatal(tasks_plugin):
    def explode(register):
        raise ValueError("boom")

    with pytest.raises(PluginError, match=r"plugin 'bad': hook register_models raised ValueError: boom"):
        registry_of(tasks_plugin, fake_plugin("bad", register_models=explode),
                    settings=Settings(strict=True, builtin_catalogue=False))


def test_an_unknown_hook_name_is_reported(tasks_plugin):
    typo = fake_plugin("typo", register_modles=lambda register: None)
    registry = registry_of(tasks_plugin, typo)
    assert "unknown hook 'register_modles'" in registry.plugin("typo").error


def test_trace_prints_each_hook_call(tasks_plugin):
    warn = io.StringIO()
    registry_of(tasks_plugin, settings=Settings(trace=True, builtin_catalogue=False), warn=warn)
    assert "zoo: trace: zoo.register_tasks()" in warn.getvalue()  # the core's built-in tasks
    assert "zoo: trace: tasks.register_metrics()" in warn.getvalue()


def test_plugin_record_lists_hooks_and_contributions(tasks_plugin, model_plugin):
    registry = registry_of(tasks_plugin, model_plugin("good", "tiny", "small"))
    record = registry.plugin("good")
    assert record.hooks == ["register_models"]
    assert record.contributed == {"models": ["small", "tiny"]}


def test_a_name_not_found_says_which_plugins_did_not_load(tasks_plugin, model_plugin):
    def explode(register):
        raise ValueError("boom")

    registry = registry_of(tasks_plugin, model_plugin("vision", "resnet"), fake_plugin("broken", register_models=explode),
                           settings=Settings(disabled=("vision",), builtin_catalogue=False))
    with pytest.raises(NotFoundError, match=r"^no model named 'vision:resnet': plugin 'vision' is disabled "
                                            r"\(remove it from ZOO_DISABLE_PLUGINS to use it\)$"):
        registry.get("vision:resnet", "model")
    with pytest.raises(NotFoundError, match=r"plugin 'broken' failed: hook register_models raised ValueError: boom \(see `zoo plugins`\)"):
        registry.get("broken:anything", "model")
    with pytest.raises(NotFoundError, match=r"no model named 'resnet'; plugin 'vision' is disabled by "
                                            r"ZOO_DISABLE_PLUGINS and may provide it; plugin 'broken' failed \(see `zoo plugins`\) and may provide it"):
        registry.get("resnet", "model")


def test_get_with_an_unknown_kind_says_which_kinds_exist(tasks_plugin, model_plugin):
    from zoo import UsageError

    registry = registry_of(tasks_plugin, model_plugin("alpha", "bert"))
    with pytest.raises(UsageError, match="unknown kind 'models'; use one of task, model, dataset, metric"):
        registry.get("bert", "models")
