"""A repository's own code never runs unless a reviewed plugin entry allows it and the user asks for it.

Every builder that loads through transformers is tried on a folder whose
config names code of its own (``auto_map``): each refuses in one line, before
transformers could import that code or ask "Do you wish to run the custom
code? [y/N]" on stdin.
"""

from __future__ import annotations

import json

import pytest

import zoo
from zoo.catalogue import read_catalogue
from zoo.errors import UsageError
from zoo.remote_code import code_shipped_by, trust_remote_code

# Each builder that loads through transformers, and the argument that names its folder.
TRANSFORMERS_BUILDERS = [("text:hf-sequence-classification", "model"), ("text:sentence-encoder", "encoder"),
                         ("speech:hf-ctc", "model"), ("speech:whisper", "model"),
                         ("speech:hf-audio-classification", "model")]


@pytest.fixture
def ships_code(tmp_path):
    """A model folder whose config.json maps its classes to evil.py, which would leave a marker if run."""
    folder = tmp_path / "custom-model"
    folder.mkdir()
    marker = tmp_path / "code-ran"
    (folder / "config.json").write_text(json.dumps({
        "model_type": "bert", "architectures": ["EvilModel"],
        "auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel",
                     "AutoModelForCTC": "evil.EvilModel", "AutoModelForSequenceClassification": "evil.EvilModel",
                     "AutoModelForAudioClassification": "evil.EvilModel"}}))
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    from safetensors.torch import save_file
    import torch

    save_file({"weight": torch.zeros(1)}, str(folder / "model.safetensors"))  # a complete-looking download
    return folder, marker


@pytest.mark.parametrize("builder,argument", TRANSFORMERS_BUILDERS)
def test_every_transformers_builder_refuses_a_folder_that_ships_code(builder, argument, ships_code, monkeypatch):
    folder, marker = ships_code
    monkeypatch.setattr("sys.stdin", None)  # a prompt would fail loudly instead of waiting
    try:
        zoo.get(builder, "model")
    except zoo.ZooError:
        pytest.fail(f"{builder} is not installed: the first-party plugins must be")
    with pytest.raises(UsageError, match=r"the model ships its own Python code \(auto_map in config.json\)"):
        extra = {"head": str(folder / "model.safetensors")} if argument == "encoder" else {}  # any file: never read
        zoo.build_model(builder, **{argument: str(folder)}, **extra)
    assert not marker.exists()


def test_remote_code_needs_both_the_entry_and_the_user(ships_code):
    folder, _ = ships_code
    assert code_shipped_by(folder) == ["config.json"]
    with pytest.raises(UsageError, match="trust_remote_code=true is refused: this entry does not allow remote code"):
        trust_remote_code(folder, requested=True, allowed=False, what="model m")
    with pytest.raises(UsageError, match="pass --model-arg trust_remote_code=true"):
        trust_remote_code(folder, requested=False, allowed=True, what="model m")
    assert trust_remote_code(folder, requested=True, allowed=True, what="model m") is True
    assert trust_remote_code(folder.parent, what="model m") is False  # no code shipped, nothing to trust


def test_a_user_catalogue_cannot_allow_remote_code(toy_registry, tmp_path):
    catalogue = tmp_path / "mine.yaml"
    catalogue.write_text("version: 1\nmodels:\n  - name: m\n    builder: keyword\n    task: text-classification\n"
                         "    license: MIT\n    args: {remote_code_allowed: true}\n")
    specs, problems = read_catalogue(catalogue, toy_registry, namespace=None)
    assert specs == []
    (problem,) = problems
    assert "args.remote_code_allowed: only a catalogue shipped inside an installed plugin package" in problem


def test_a_plugin_catalogue_may_allow_it(toy_registry, tmp_path):
    catalogue = tmp_path / "plugin.yaml"
    catalogue.write_text("version: 1\nmodels:\n  - name: m\n    builder: keyword\n    task: text-classification\n"
                         "    license: MIT\n    args: {remote_code_allowed: true}\n")
    specs, problems = read_catalogue(catalogue, toy_registry, namespace="toys")
    assert problems == [] and specs[0].args["remote_code_allowed"] is True


def test_changing_what_a_reviewed_entry_loads_drops_its_permission(ships_code):
    folder, marker = ships_code
    registry = zoo.default_registry()
    allowed = next((m for m in registry.models if m.args.get("remote_code_allowed")), None)
    if allowed is None:  # build one the way a plugin catalogue would
        from dataclasses import replace

        base = registry.get("text:hf-sequence-classification", "model")
        allowed = replace(base, args={**base.args, "model": "org/reviewed", "remote_code_allowed": True})
    with pytest.raises(UsageError, match=r"remote code is allowed for this entry only as reviewed, and --model-arg "
                                         r"model changes it"):
        zoo.build_model(allowed, model=str(folder), trust_remote_code=True)
    assert not marker.exists()
