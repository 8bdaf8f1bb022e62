"""Models from the catalogue index are listed, filtered and ranked from its columns: the answers are
exactly those of the catalogue read entry by entry, and records are made only for what is returned."""

from __future__ import annotations

import json

import pytest

import zoo
from zoo.loader import Settings
from zoo.testing import fake_plugin, registry_of

LICENCES = ("MIT", "Apache-2.0", "mit", "BSD-3-Clause")


def entry(index: int) -> dict:
    reported = [{"metric": "accuracy", "value": round((index * 37 % 11) / 10, 2), "dataset": "toys:reviews",
                 "source": "https://example.org/card"}] if index % 4 else []  # every 4th reports nothing
    if index % 5 == 0:
        reported.insert(0, {"metric": "macro-f1", "value": index / 100, "dataset": "toys:reviews",
                            "source": "https://example.org/card"})
    if index % 3 == 0:  # a second dataset, first: --dataset must read past it (or to it)
        reported.insert(0, {"metric": "accuracy", "value": round(1 - index / 50, 2), "dataset": "easy",
                            "source": "https://example.org/card"})
    # Names that sort differently by case, share prefixes, and tie on accuracy.
    name = (f"Model-{index:02d}" if index % 3 == 0 else f"model-{index:02d}") if index % 7 else f"keyword-{index}"
    return {"name": name, "task": "text-classification", "builder": "toys:keyword", "license": LICENCES[index % 4],
            "params": None if index % 6 == 0 else 1000 - index * 13 % 500,
            "tags": ["small" if index % 2 else "large", f"arch{index % 3}"], "reported": reported}


def toys(register):
    # A model of the plugin itself: it sorts between catalogue rows and reports a tying value.
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             params=500, reported=[{"metric": "accuracy", "value": 0.5, "dataset": "toys:reviews",
                                    "source": "https://example.org/card"}])


@pytest.fixture
def registries(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    catalogue = tmp_path / "mirror.jsonl"
    catalogue.write_text("".join(json.dumps(entry(i)) + "\n" for i in range(40)))
    plugin = fake_plugin("toys", register_models=toys)
    settings = {"builtin_catalogue": False, "catalogues": (catalogue,)}
    direct = registry_of(plugin, settings=Settings(**settings, catalogue_index=False))
    registry_of(plugin, settings=Settings(**settings))  # builds the index
    indexed = registry_of(plugin, settings=Settings(**settings))
    assert indexed.entries["model"].table is not None  # the columns are what is under test
    return direct, indexed


QUERIES = [
    {}, {"top": 5}, {"sort": "accuracy"}, {"sort": "accuracy", "top": 7}, {"sort": "macro-f1", "top": 3}, {"sort": "zoo:accuracy", "top": 5},
    {"sort": "params"}, {"sort": "params", "top": 4}, {"sort": "name", "top": 6},
    {"pattern": "model-1*"}, {"pattern": "MODEL"}, {"pattern": "toys:keyword*"}, {"pattern": "*-0[0-4]"},
    {"license": "mit"}, {"license": "MIT", "sort": "accuracy"}, {"tag": "arch1"}, {"tag": "sm*", "sort": "params"},
    {"plugin": "toys"}, {"plugin": "nobody"}, {"task": "text-classification", "sort": "accuracy", "top": 10},
    {"task": "image-classification"}, {"license": "GPL-3.0"},
    {"min_params": 700}, {"max_params": "0.7K", "sort": "accuracy"}, {"minimum": {"accuracy": 0.5}},
    {"maximum": {"accuracy": 0.3}, "top": 3}, {"minimum": {"macro-f1": 0.1}, "maximum": {"accuracy": 0.9}},
    {"min_params": 600, "max_params": 900, "minimum": {"accuracy": 0.2}, "sort": "params", "top": 4},
    {"minimum": {"zoo:accuracy": 0.6}, "pattern": "model-*", "sort": "macro-f1"},
    {"dataset": "reviews"}, {"dataset": "toys:reviews", "sort": "accuracy"}, {"dataset": "easy", "sort": "accuracy", "top": 5},
    {"dataset": "easy", "minimum": {"accuracy": 0.5}, "sort": "params"}, {"dataset": "reviews", "maximum": {"accuracy": 0.4}},
    {"dataset": "nowhere"}, {"dataset": "easy", "sort": "params", "top": 3},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: ",".join(f"{k}={v}" for k, v in query.items()) or "all")
def test_every_filter_and_ranking_answers_as_the_catalogue_read_entry_by_entry(registries, query):
    direct, indexed = registries
    expected = [spec.id for spec in zoo.list_models(registry=direct, **query)]
    assert [spec.id for spec in zoo.list_models(registry=indexed, **query)] == expected


def test_a_plugin_s_own_model_takes_its_place_among_the_rows(registries):
    _, indexed = registries
    names = [spec.name for spec in zoo.list_models(registry=indexed)]
    assert names.index("keyword") == names.index("keyword-0") - 1 and names == sorted(names, key=str.lower)


def test_only_returned_rows_become_records_and_rows_are_found_by_name_and_id(registries):
    _, indexed = registries
    table = indexed.entries["model"].table
    best = zoo.list_models(sort="accuracy", top=3, registry=indexed)
    assert len(table._specs) == 3 - sum(spec.plugin == "toys" and spec.name == "keyword" for spec in best)
    assert [spec.id for spec in indexed.named("model", "model-01")] == ["toys:model-01"]
    assert indexed.get("toys:Model-03").params == 961 and "toys:model-02" in indexed.entries["model"]
    assert len(indexed.entries["model"]) == 41 and len(list(indexed.entries["model"])) == 41


def test_a_few_records_read_their_own_entries_and_many_read_the_columns(tmp_path, monkeypatch):
    """`info NAME` or `list --top 20` read a few small entries rather than parse a column of every row;
    a whole listing parses the column once."""
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    catalogue = tmp_path / "mirror.jsonl"
    catalogue.write_text("".join(json.dumps(entry(i)) + "\n" for i in range(100)))
    plugin = fake_plugin("toys", register_models=toys)
    settings = Settings(builtin_catalogue=False, catalogues=(catalogue,))
    registry_of(plugin, settings=settings)  # builds the index
    indexed = registry_of(plugin, settings=settings)
    table = indexed.entries["model"].table
    assert indexed.get("toys:Model-03").params == 961 and indexed.get("toys:Model-03").license == "BSD-3-Clause"
    assert "params" not in table._checked and "license" not in table._checked
    direct = registry_of(plugin, settings=Settings(builtin_catalogue=False, catalogues=(catalogue,),
                                                   catalogue_index=False))
    expected = [(spec.id, spec.params, spec.license) for spec in zoo.list_models(registry=direct)]
    assert [(spec.id, spec.params, spec.license) for spec in zoo.list_models(registry=indexed)] == expected
    assert "params" in table._checked and "license" in table._checked  # past the first 64 reads, the columns


def test_conditions_read_the_columns_and_make_records_only_for_what_they_return(registries):
    _, indexed = registries
    table = indexed.entries["model"].table
    found = zoo.list_models(min_params=900, minimum={"accuracy": 0.4}, registry=indexed)
    assert len(table._specs) == len(found) > 0
    accuracy = [next(value for metric, value, _ in spec.reported_values() if metric == "accuracy") for spec in found]
    assert all(spec.params >= 900 for spec in found) and min(accuracy) >= 0.4


def test_shared_names_across_plugins_are_all_found(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps({**entry(1), "name": "twin", "builder": "a:keyword"}) + "\n")
    second.write_text(json.dumps({**entry(2), "name": "twin", "builder": "b:keyword"}) + "\n")

    def plugin(name):
        def register_catalogues(register):
            register(first if name == "a" else second)
        return fake_plugin(name, register_models=toys, register_catalogues=register_catalogues)

    load = lambda: registry_of(plugin("a"), plugin("b"), settings=Settings(builtin_catalogue=False))  # noqa: E731
    load()
    registry = load()
    assert registry.entries["model"].table is not None
    assert sorted(spec.id for spec in registry.named("model", "twin")) == ["a:twin", "b:twin"]
    with pytest.raises(zoo.errors.AmbiguousNameError):
        registry.get("twin", "model")


def test_entries_of_a_missing_plugin_are_set_aside_without_a_failed_lookup_each(tmp_path, monkeypatch):
    """A failed lookup's message looks through every entry set aside so far: one per entry made
    loading a 100,000-entry mirror of an uninstalled plugin quadratic (minutes)."""
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    catalogue = tmp_path / "mirror.jsonl"
    catalogue.write_text("".join(json.dumps(entry(i)) + "\n" for i in range(20)))
    from zoo.registry import Registry

    def refuse(*args, **kwargs):
        raise AssertionError("a lookup failed for an entry whose plugin is absent")

    monkeypatch.setattr(Registry, "_not_found_message", refuse)
    registry = registry_of(fake_plugin("other"), settings=Settings(builtin_catalogue=False, catalogues=(catalogue,)))
    assert len(registry.unavailable) == 20 and {aside.plugin for aside in registry.unavailable} == {"toys"}
