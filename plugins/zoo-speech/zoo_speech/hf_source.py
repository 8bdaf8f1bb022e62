"""Where a transformers speech model comes from: a local folder or a pinned hub id.

A catalogue entry gives ``weights: {uri: "hf-hub:org/repo@revision", format: hf}``;
a user gives ``--model-arg model=org/repo`` (with ``revision=``) or
``model=/path/to/folder``. Hub repositories come from the local Hugging Face
cache through :func:`zoo.weights.hf_snapshot`, which offline says exactly
which repository and revision are missing and how to fetch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo import UsageError, WeightsSpec

__all__ = ["CollateOnlyPickle", "ModelSource", "load_pretrained", "model_source", "weights_sha256"]


@dataclass(frozen=True)
class ModelSource:
    """A resolved local folder and what it was resolved from (for the run record)."""

    folder: Path
    reference: str  # "org/repo@revision" or the folder path


def model_source(model: str | None, revision: str | None, weights: WeightsSpec | None, *, what: str) -> ModelSource:
    from zoo.weights import hf_snapshot

    if weights is not None:
        uri = weights.uri
        if uri.startswith("hf-hub:"):
            repo, _, pinned = uri[len("hf-hub:"):].partition("@")
        elif Path(uri).is_dir():
            repo, pinned = uri, ""
        else:
            raise UsageError(f"{what}: weights {uri!r} must be hf-hub:org/repo[@revision] or a model folder")
        # A catalogue entry is one checkpoint: a user's model= or revision= would silently not be used.
        if (model and model != repo) or (revision and pinned and revision != pinned):
            given = ", ".join(f"{key}={value}" for key, value in (("model", model), ("revision", revision)) if value)
            builder = what.removesuffix(" model")  # callers name themselves "<builder> model"
            raise UsageError(f"{what}: this catalogue entry is {uri}, so {given} would not be used; to run another "
                             f"checkpoint, run the builder: zoo run {builder} --model-arg model=ORG/REPO "
                             f"[--model-arg revision=COMMIT]")
        model, revision = repo, pinned or revision
        if weights.path is not None:  # zoo found and checked it before this builder ran
            return ModelSource(Path(weights.path), f"{model}@{revision}" if revision else model)
    if not model:
        raise UsageError(f"{what}: say which model: --model-arg model=org/repo (a hub id) or model=/path/to/folder")
    local = Path(model).expanduser()
    if local.is_dir():
        if weights is not None and weights.sha256 is not None:
            from zoo.weights import verify

            verify(local, weights.sha256, what=what)
        return ModelSource(local, str(local))
    if model.count("/") != 1 or model.startswith((".", "/", "~")):
        raise UsageError(f"{what}: {model!r} is neither a folder nor a hub id of the form org/repo")
    folder = hf_snapshot(model, revision=revision, what=what)
    if weights is not None and weights.sha256 is not None:
        from zoo.weights import verify

        verify(folder, weights.sha256, what=what)  # a folder pin covers every file, checked before loading
    return ModelSource(folder, f"{model}@{revision}" if revision else model)


def load_pretrained(loader: Any, source: ModelSource, *, what: str) -> Any:
    """``loader.from_pretrained`` on the local folder, never running the repository's own code.

    zoo's speech builders allow no remote code; passing ``trust_remote_code``
    explicitly keeps transformers from asking on stdin (a ``y`` would run it).
    """
    import zoo.remote_code

    trust = zoo.remote_code.trust_remote_code(source.folder, what=what)
    return loader.from_pretrained(source.folder, local_files_only=True, trust_remote_code=trust)


def weights_sha256(folder: Path) -> str | None:
    """sha256 of the folder's weights, for the run record.

    One file (``model.safetensors``, else ``pytorch_model.bin``): its sha256. A
    sharded checkpoint: the sha256 of its shards' names and sha256s, one per
    line, so every shard counts (hashing only the first would miss a changed
    second one).
    """
    import hashlib

    from zoo.weights import sha256_file

    for single, shards in (("model.safetensors", "model-*-of-*.safetensors"),
                           ("pytorch_model.bin", "pytorch_model-*-of-*.bin")):
        if (folder / single).is_file():
            return sha256_file(folder / single)
        found = sorted(folder.glob(shards))
        if found:
            lines = "".join(f"{path.name} {sha256_file(path)}\n" for path in found)
            return hashlib.sha256(lines.encode()).hexdigest()
    return None


class CollateOnlyPickle:
    """Pickled copies (DataLoader workers under spawn) leave the network behind.

    Workers only call ``collate``, which needs the processor, never the
    module; and transformers modules with weight-norm parametrisations
    (wav2vec2, HuBERT) refuse to pickle at all.
    """

    def __getstate__(self) -> dict:
        return {**self.__dict__, "module": None}
