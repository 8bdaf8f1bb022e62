"""The core finds and checks weights before a builder runs: a builder cannot skip a pin."""

from __future__ import annotations

import hashlib
import json

import pytest

import zoo
from zoo.catalogue import read_catalogue
from zoo.testing import fake_plugin, registry_of
from zoo.weights import IntegrityError, sha256_folder


def probe_registry(tmp_path, weights: str):
    """A plugin builder that reports the weights it was handed, and a catalogue entry pinning ``weights``."""
    registry = registry_of(fake_plugin("acme", register_models=lambda register: register(
        "probe", task="text-classification", builder="zoo.testing.toy:build_weights_probe", license="MIT")))
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text("version: 1\nmodels:\n  - name: pinned\n    builder: probe\n    task: text-classification\n"
                         f"    license: MIT\n    weights: {weights}\n")
    specs, problems = read_catalogue(catalogue, registry, namespace="acme")
    assert problems == []
    registry.add(specs[0])
    return registry


def test_a_builder_receives_the_local_path_already_checked(tmp_path):
    (tmp_path / "head.safetensors").write_bytes(b"weights")
    pin = hashlib.sha256(b"weights").hexdigest()
    model = zoo.build_model("pinned", registry=probe_registry(tmp_path, f"{{uri: head.safetensors, sha256: '{pin}'}}"))
    assert model.config["weights_path"] == str(tmp_path / "head.safetensors")


def test_a_pin_mismatch_stops_before_the_builder_runs(tmp_path):
    (tmp_path / "head.safetensors").write_bytes(b"tampered")
    registry = probe_registry(tmp_path, f"{{uri: head.safetensors, sha256: '{'0' * 64}'}}")
    with pytest.raises(IntegrityError, match="but the catalogue pins 0000"):
        zoo.build_model("pinned", registry=registry)


def test_a_pin_on_an_hf_folder_covers_every_file(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (folder / "model.safetensors").write_bytes(b"tensors")
    registry = probe_registry(tmp_path, f"{{uri: model, format: hf, sha256: '{sha256_folder(folder)}'}}")
    assert zoo.build_model("pinned", registry=registry).config["weights_path"] == str(folder)
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "auto_map": {}}))  # one file changed
    with pytest.raises(IntegrityError, match=f"folder {folder} has sha256"):
        zoo.build_model("pinned", registry=registry)


def test_the_conformance_kit_fails_a_builder_that_reads_weights_zoo_never_checked(tmp_path):
    from zoo.testing import PluginModels

    checkpoint = tmp_path / "sneaky.safetensors"
    checkpoint.write_bytes(b"anything at all")
    registry = registry_of(fake_plugin("careless", register_models=lambda register: register(
        "reader", task="text-classification", builder="zoo.testing.toy:build_unchecked_reader", license="MIT",
        args={"checkpoint": str(checkpoint)})))
    models = PluginModels.build(registry, "careless")
    assert models.built == {}
    (broken,) = models.broken
    assert broken.startswith(f"careless:reader: its builder read weights zoo never checked: {checkpoint}")
