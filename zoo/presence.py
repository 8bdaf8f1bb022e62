"""What runs here: whether the files a model needs are on this machine, read from the caches' layout.

``zoo list`` shows it per model (its ``here`` column), so this module imports
no torch, no huggingface_hub and touches no network: it reads the Hugging Face
hub cache's folders (``models--org--name/refs/main``,
``snapshots/<commit>/<file>``) and zoo's own caches with a few ``stat`` calls
per model. A file huggingface_hub is still writing (``blobs/*.incomplete``)
has no snapshot link yet, and zoo stages its own downloads beside their
target and renames them into place, so a partial download never counts.

A model is ``bundled`` (its files ship in an installed package, or beside its
catalogue), ``cached`` (every file it needs is in a cache), ``pull`` (``zoo
pull NAME`` fetches what is missing) or ``missing`` (a local file that is not
there: nothing can fetch it). Templates are none of these (None).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from zoo.files import cache_root
from zoo.specs import ModelSpec, WeightsSpec

__all__ = ["BUNDLED", "CACHED", "MISSING", "PULL", "RUNS_HERE", "Layout", "Need", "State", "cached_tree",
           "hf_folder_patterns", "hub_cache", "hub_folder", "model_state", "model_states", "needs_of", "parse_hub",
           "snapshot_folder", "state_of", "timm_record", "weights_need"]

State = Literal["bundled", "cached", "pull", "missing"]
BUNDLED: Final = "bundled"
CACHED: Final = "cached"
PULL: Final = "pull"
MISSING: Final = "missing"
RUNS_HERE: Final = (BUNDLED, CACHED)  # what `zoo list --available` keeps

COMMIT_RE: Final = re.compile(r"^[0-9a-f]{40}$")
# What a transformers folder needs besides its weights: configs, tokenizer files and a repository's own
# code (zoo.remote_code decides whether it may run); never its TensorFlow, Flax or ONNX copies.
HF_SUPPORT_PATTERNS: Final = ("*.json", "*.txt", "*.model", "*.tiktoken", "*.py")
HF_WEIGHT_FILES: Final = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                          "pytorch_model.bin.index.json")
TIMM_WEIGHTS: Final = "model.safetensors"  # what every timm/ hub repository carries


def hf_folder_patterns(files: Iterable[str] | None) -> list[str]:
    """The files of a transformers repository a builder reads: configs and tokenizer files, and its
    safetensors weights, or its PyTorch ``.bin`` weights when it has no safetensors (never both:
    transformers loads the safetensors). ``files``: the repository's listing, when known."""
    names = list(files) if files is not None else None
    if names is None:
        weights = ["*.safetensors", "pytorch_model*.bin"]
    elif any(name.endswith(".safetensors") for name in names):
        weights = ["*.safetensors"]
    else:
        weights = ["pytorch_model*.bin"]
    return [*HF_SUPPORT_PATTERNS, *weights]


def hub_cache() -> Path:
    """The Hugging Face hub cache, as huggingface_hub finds it: ``$HF_HUB_CACHE`` (or the older
    ``$HUGGINGFACE_HUB_CACHE``), else ``$HF_HOME/hub``, else ``$XDG_CACHE_HOME/huggingface/hub``.
    Read when called, so a test or a shell that sets it is followed."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(explicit)).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def hub_folder(repo_id: str) -> Path:
    """A model repository's folder in the hub cache: ``models--org--name``."""
    return hub_cache() / "--".join(("models", *repo_id.split("/")))


def _commit(folder: Path, revision: str | None) -> str | None:
    if revision is not None and COMMIT_RE.match(revision):
        return revision
    try:
        return (folder / "refs" / (revision or "main")).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def snapshot_folder(repo_id: str, revision: str | None) -> Path | None:
    """The cached snapshot of ``repo_id`` at ``revision`` (a commit, or a branch or tag through
    ``refs/``; default ``main``), or None."""
    folder = hub_folder(repo_id)
    commit = _commit(folder, revision)
    if commit is None:
        return None
    snapshot = folder / "snapshots" / commit
    return snapshot if snapshot.is_dir() else None


def cached_tree(repo_id: str, commit: str) -> list[str] | None:
    """The repository's file listing at ``commit`` as huggingface_hub caches it when it downloads
    (``trees/<commit>.json``), or None when it kept none."""
    path = hub_folder(repo_id) / "trees" / f"{commit}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"] if data.get("format_version") == 1 else None
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    return sorted(files) if isinstance(files, dict) else None


def parse_hub(spec: str) -> tuple[str, str | None, str | None]:
    """``org/repo[@revision][/path/in/repo]`` (an ``hf-hub:`` URI without its scheme) -> ``(repo_id,
    revision, filename)``; also :func:`zoo.weights.parse_hub_uri`, its public name there."""
    parts = spec.split("/")
    repo_id, filename = "/".join(parts[:2]), "/".join(parts[2:]) or None
    revision = None
    if "@" in repo_id:
        repo_id, revision = repo_id.split("@", 1)
    return repo_id, revision, filename


@dataclass(frozen=True)
class Need:
    """One thing a model needs on disk: a hub repository's files (``hub``), an ``https://`` file in
    zoo's cache (``https``), a file of a package (``package``) or a local file (``file``)."""

    kind: Literal["hub", "https", "package", "file"]
    source: str  # the repo id, URL, requirement or path
    revision: str | None = None  # hub: the revision the entry pins (None: main)
    patterns: tuple[str, ...] | None = None  # hub: the files to fetch (None: a transformers folder's own choice)
    sha256: str | None = None  # the pin on the file (or a hub folder's manifest)
    timm_name: str | None = None  # hub: the timm pretrained tag this came from (its hub repo found by timm)

    def __str__(self) -> str:
        if self.kind == "hub":
            return f"hf-hub:{self.source}" + (f"@{self.revision}" if self.revision else "")
        return f"package:{self.source}" if self.kind == "package" else self.source


def timm_record(name: str) -> Path:
    """Where ``zoo pull`` notes the hub repository and file of a ``timm:`` tag whose weights are not at
    ``timm/<tag>``, so listing finds them without importing timm. (zoo-vision's generated catalogue
    names those repositories itself, as ``hf-hub:`` weights; a note serves other catalogues' entries.)"""
    return cache_root() / "pulled" / "timm" / f"{name}.json"


class Layout:
    """The caches' top folders, each listed once: a listing of thousands of models then costs a
    set lookup per model whose repository was never fetched, and a few ``stat`` calls per one that was."""

    def __init__(self) -> None:
        self.hub = str(hub_cache())
        self.repos = _listed(self.hub)
        self.timm_notes = {name[:-len(".json")] for name in _listed(str(timm_record("x").parent))}

    def has_repo(self, repo_id: str) -> bool:
        return "--".join(("models", *repo_id.split("/"))) in self.repos


def _listed(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _timm_need(name: str, sha256: str | None, layout: Layout | None) -> Need:
    repo, filename = f"timm/{name}", TIMM_WEIGHTS
    if layout is None or name in layout.timm_notes:
        try:
            noted = json.loads(timm_record(name).read_text(encoding="utf-8"))
            repo, filename = str(noted["repo"]), str(noted["file"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return Need("hub", repo, None, (filename, "config.json"), sha256, timm_name=name)


def weights_need(weights: WeightsSpec | str, layout: Layout | None = None, *, sha256: str | None = None) -> Need:
    """What a weights URI (or a :class:`~zoo.specs.WeightsSpec`) needs on disk."""
    if isinstance(weights, WeightsSpec):
        uri, sha256 = weights.uri, weights.sha256
    else:
        uri = weights
    if uri.startswith("timm:"):
        return _timm_need(uri[len("timm:"):], sha256, layout)
    if uri.startswith("hf-hub:"):
        repo, revision, filename = parse_hub(uri[len("hf-hub:"):])
        patterns = (filename,) if filename else None
        return Need("hub", repo, revision, patterns, sha256)
    if uri.startswith("https://"):
        return Need("https", uri, sha256=sha256)
    if uri.startswith("package:"):
        return Need("package", uri[len("package:"):], sha256=sha256)
    return Need("file", uri, sha256=sha256)


def needs_of(spec: ModelSpec, layout: Layout | None = None) -> list[Need]:
    """Everything ``spec`` needs on disk: its weights, and files its builder arguments name
    (``encoder: package:...``, ``model: hf-hub:...``): :meth:`~zoo.specs.ModelSpec.file_uris`."""
    return [weights_need(uri, layout, sha256=sha256) for uri, sha256 in spec.file_uris()]


def _hub_state(need: Need, layout: Layout | None) -> State:
    if layout is not None and not layout.has_repo(need.source):
        return PULL  # never fetched: no stat needed
    snapshot = snapshot_folder(need.source, need.revision)
    if snapshot is None:
        return PULL
    listing = cached_tree(need.source, snapshot.name)
    if need.patterns is not None:  # named files: each that the repository has (all, without its listing)
        wanted = [name for name in need.patterns if listing is None or name in listing]
        return CACHED if wanted and all(os.path.exists(snapshot / name) for name in wanted) else PULL
    # A transformers folder: every file of the listing huggingface_hub kept that a builder reads; without
    # a listing (a cache filled by other tools), its config and weights.
    if listing is not None:
        patterns = hf_folder_patterns(listing)
        wanted = [name for name in listing if any(fnmatch.fnmatch(name, pattern) for pattern in patterns)]
        return CACHED if wanted and all(os.path.exists(snapshot / name) for name in wanted) else PULL
    present = os.path.exists(snapshot / "config.json") and any(os.path.exists(snapshot / name)
                                                               for name in HF_WEIGHT_FILES)
    return CACHED if present else PULL


def state_of(need: Need, layout: Layout | None = None) -> State:
    """Whether one need is on this machine (``layout``: the caches' folders, listed once for many)."""
    if need.kind == "hub":
        return _hub_state(need, layout)
    if need.kind == "https":
        from zoo.weights import download_target

        return CACHED if download_target(need.source, need.sha256).is_file() else PULL
    if need.kind == "package":
        from zoo.assets import package_available

        requirement, _, relative = need.source.partition("/")
        return package_available(requirement, relative)
    return BUNDLED if os.path.exists(need.source) else MISSING


def model_states(specs: Iterable[ModelSpec]) -> list[State | None]:
    """:func:`model_state` of each of ``specs``, the caches' folders listed once for all of them."""
    layout = Layout()
    return [model_state(spec, layout) for spec in specs]


def model_state(spec: ModelSpec, layout: Layout | None = None) -> State | None:
    """Whether ``spec`` runs here: the least available of its needs; None for a template (it has
    nothing to fetch until given weights). A model that needs no file is ``bundled``: its code is
    all of it. Pins are checked when a model is built, not here."""
    if spec.template:
        return None
    states = {state_of(need, layout) for need in needs_of(spec, layout)}
    for state in (MISSING, PULL, CACHED):
        if state in states:
            return state  # type: ignore[return-value]
    return BUNDLED
