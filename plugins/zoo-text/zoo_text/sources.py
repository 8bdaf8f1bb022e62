"""Find a transformers model folder: a local path, a folder inside a package, or a hub repository.

Hub repositories come from the local Hugging Face cache through
:func:`zoo.weights.hf_snapshot`; offline, a repository that is not cached is
a :class:`zoo.MissingArtifactError` naming the repository, the revision and
the command that fetches it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zoo.errors import MissingArtifactError, UsageError
from zoo.specs import WeightsSpec
from zoo.weights import hf_snapshot, resolve, verify

__all__ = ["HUB_PATTERNS", "check_model_folder", "locate_folder", "read_config"]

# What a sequence classifier needs from a hub repository: configs, tokenizer
# files and PyTorch weights, not the TensorFlow, Flax or ONNX copies.
HUB_PATTERNS = ["*.json", "*.txt", "*.model", "*.safetensors", "pytorch_model*.bin"]
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")


def _looks_like_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or "\\" in source or source.count("/") > 1


def parse_hub_uri(uri: str) -> tuple[str, str | None]:
    """``hf-hub:org/repo[@revision]`` -> (repo id, revision)."""
    repo = uri[len("hf-hub:"):] if uri.startswith("hf-hub:") else uri
    repo_id, _, revision = repo.partition("@")
    return repo_id, revision or None


def locate_folder(source: str, *, revision: str | None = None, what: str) -> Path:
    """A local model folder for a path, ``package:...``, ``hf-hub:org/repo[@rev]`` or a bare hub id.

    ``revision`` pins a hub repository; given with a local folder or a
    package, which have no revisions, it is refused rather than ignored.
    """
    local = Path(source).expanduser()
    if source.startswith("package:") or local.is_dir():
        if revision:
            raise UsageError(f"{what}: revision={revision} pins a hub repository, but {source} is a local "
                             "folder or package; drop the revision, or give the hub id ORG/NAME")
        folder = resolve(source, what=what) if source.startswith("package:") else local  # package: not imported
        if not folder.is_dir():
            raise UsageError(f"{what}: {source} is a file; give the model's folder (with config.json)")
        return folder
    if local.exists():
        raise UsageError(f"{what}: {source} is a file; give the model's folder (with config.json) or a hub id")
    if _looks_like_path(source):
        raise MissingArtifactError(f"{what}: folder {source} does not exist")
    repo_id, pinned = parse_hub_uri(source)
    if revision and pinned and revision != pinned:
        raise UsageError(f"{what}: {source} pins revision {pinned}, but revision={revision} was also given; "
                         "give one of them")
    return hf_snapshot(repo_id, revision=revision or pinned, what=what, allow_patterns=HUB_PATTERNS)


def folder_from_weights(weights: WeightsSpec, *, what: str) -> Path:
    """The folder a catalogue entry's ``weights`` names (``format: hf``); a sha256 pin covers every
    file in it (:func:`zoo.weights.sha256_folder`) and is checked before anything loads."""
    if weights.path is not None:  # zoo found and checked it before this builder ran
        return locate_folder(weights.path, what=what)
    if weights.uri.startswith("hf-hub:"):
        repo_id, revision = parse_hub_uri(weights.uri)
        folder = hf_snapshot(repo_id, revision=revision, what=what, allow_patterns=HUB_PATTERNS)
        if weights.sha256 is not None:
            verify(folder, weights.sha256, what=what)
        return folder
    return locate_folder(str(resolve(weights, what=what)), what=what)


def read_config(folder: Path, *, what: str) -> dict[str, Any]:
    path = folder / "config.json"
    if not path.is_file():
        raise MissingArtifactError(f"{what}: {folder} has no config.json, so it is not a transformers model folder; "
                                   "copy the whole folder (config, weights and tokenizer files)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MissingArtifactError(f"{what}: {path} is not valid JSON ({error}); the download is incomplete, "
                                   "fetch the folder again") from None
    if not isinstance(config, dict):
        raise MissingArtifactError(f"{what}: {path} does not hold a JSON object; fetch the folder again")
    return config


def check_model_folder(folder: Path, *, what: str) -> dict[str, Any]:
    """The folder's config, after checking the weights are there too."""
    config = read_config(folder, what=what)
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        expected = ", ".join(WEIGHT_FILES)
        raise MissingArtifactError(f"{what}: {folder} has no model weights (expected one of {expected}); "
                                   "the download is incomplete, fetch the folder again")
    return config
