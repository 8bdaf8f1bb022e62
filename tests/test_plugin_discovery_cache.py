"""Plugin discovery is kept in zoo's cache until an installation changes: scanning 200 installed
distributions costs `zoo list` a tenth of its start."""

from __future__ import annotations

import importlib.metadata
import time

import pytest

from zoo import plugins


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))


def install(site, distribution, plugin, module="zoo_fake_plugin"):
    """A distribution's metadata folder as pip writes it, declaring one zoo plugin."""
    folder = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    (folder / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\n{plugin} = {module}\n")
    return folder


def names():
    return sorted(source.name for source in plugins.discover())


def never_scan(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the installed distributions were scanned again")
    monkeypatch.setattr(importlib.metadata, "entry_points", refuse)


def test_the_second_discovery_reads_the_cache_and_loads_the_same_plugins(monkeypatch):
    first = [(s.name, s.value, s.distribution, s.version) for s in plugins.discover()]
    never_scan(monkeypatch)
    assert [(s.name, s.value, s.distribution, s.version) for s in plugins.discover()] == first
    assert plugins.discover()[0].load() is not None  # the entry point still loads what it names


def test_installing_or_removing_a_distribution_is_seen_at_once(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert "acme" not in names()
    first = install(site, "zoo-acme", "acme")
    assert "acme" in names()
    install(site, "zoo-other", "other")
    assert {"acme", "other"} <= set(names())
    for path in first.iterdir():
        path.unlink()
    first.rmdir()
    assert "acme" not in names() and "other" in names()


def test_entry_points_rewritten_in_place_are_seen(tmp_path, monkeypatch):
    """An editable install rewrites its metadata folder's files without touching the site folder."""
    site = tmp_path / "site"
    folder = install(site, "zoo-acme", "acme")
    monkeypatch.syspath_prepend(str(site))
    assert "acme" in names()
    time.sleep(0.01)
    (folder / "entry_points.txt").unlink()  # replaced, as setuptools writes it
    (folder / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\nacme2 = zoo_fake_plugin\n")
    assert "acme2" in names() and "acme" not in names()


def test_a_damaged_cache_is_scanned_again_and_rewritten(monkeypatch):
    expected = names()
    location, _ = plugins._entry_point_cache()
    with open(location, "w") as handle:
        handle.write('{"key": ')
    assert names() == expected
    never_scan(monkeypatch)
    assert names() == expected  # whole again
