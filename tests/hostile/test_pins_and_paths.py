"""Pins that pin nothing, and catalogue paths that lead out of the catalogue's folder."""

from __future__ import annotations

import hashlib

import pytest

from zoo import UsageError, WeightsSpec
from zoo.catalogue import read_catalogue
from zoo.weights import IntegrityError, resolve, sha256_folder, verify


@pytest.mark.parametrize("pin,message", [
    ("", "the sha256 pin '' is not 64 lowercase hex characters"),
    (0, "the sha256 pin 0 is a int, not 64 hex characters; quote it (YAML reads 000...0 as the number 0)"),
    ("ABCD" * 16, "is not 64 lowercase hex characters"),
    ("12345", "the sha256 pin '12345' is not 64 lowercase hex characters"),
])
def test_a_pin_that_pins_nothing_is_an_error(tmp_path, pin, message):
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"weights")
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        WeightsSpec(uri=str(weights), sha256=pin)
    with pytest.raises(UsageError, match="is not 64|not 64 hex"):
        verify(weights, pin)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "model"
    (root / "sub").mkdir(parents=True)
    (root / "config.json").write_text("{}")
    (root / "sub" / "model.safetensors").write_bytes(b"tensor bytes")
    (root / ".gitattributes").write_text("hidden files do not count")
    return root


def test_a_folder_pin_is_the_hash_of_its_manifest(folder):
    manifest = (f"config.json\t{hashlib.sha256(b'{}').hexdigest()}\n"
                f"sub/model.safetensors\t{hashlib.sha256(b'tensor bytes').hexdigest()}\n")
    assert sha256_folder(folder) == hashlib.sha256(manifest.encode()).hexdigest()


@pytest.mark.parametrize("change", ["edit", "add"])
def test_a_folder_pin_covers_every_file(folder, change):
    pin = sha256_folder(folder)
    assert resolve(WeightsSpec(uri=str(folder), sha256=pin, format="hf")) == folder
    if change == "edit":
        (folder / "sub" / "model.safetensors").write_bytes(b"tensor bytez")  # same size, other content
    else:
        (folder / "extra.bin").write_bytes(b"")
    with pytest.raises(IntegrityError, match=f"folder {folder} has sha256 [0-9a-f]{{64}}, but the catalogue pins {pin}"):
        resolve(WeightsSpec(uri=str(folder), sha256=pin, format="hf"))


def _catalogue(tmp_path, entry):
    path = tmp_path / "catalogue" / "catalogue.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("version: 1\nmodels:\n  - name: m\n    builder: keyword\n    task: text-classification\n"
                    "    license: MIT\n" + entry)
    return path


def test_a_weights_symlink_out_of_the_catalogue_folder_is_refused(toy_registry, tmp_path):
    outside = tmp_path / "secret.bin"
    outside.write_bytes(b"not yours")
    path = _catalogue(tmp_path, "    weights: {uri: weights.bin}\n")
    (path.parent / "weights.bin").symlink_to(outside)
    specs, problems = read_catalogue(path, toy_registry)
    assert specs == []
    (problem,) = problems
    assert "models[0].weights.uri: 'weights.bin' leads outside the catalogue's folder" in problem


def test_a_weights_file_inside_the_folder_is_fine(toy_registry, tmp_path):
    path = _catalogue(tmp_path, "    weights: {uri: weights.bin}\n")
    (path.parent / "weights.bin").write_bytes(b"ok")
    specs, problems = read_catalogue(path, toy_registry)
    assert problems == [] and specs[0].weights.uri == str(path.parent / "weights.bin")


@pytest.mark.parametrize("value", ["../../../../etc/passwd", "/etc/passwd", "~/.ssh/id_rsa"])
def test_a_builder_argument_cannot_point_out_of_the_catalogue(toy_registry, tmp_path, value):
    specs, problems = read_catalogue(_catalogue(tmp_path, f"    args: {{checkpoint: {value!r}}}\n"), toy_registry)
    assert specs == []
    (problem,) = problems
    assert f"models[0].args.checkpoint: {value!r} points outside the catalogue's folder" in problem
