"""Where a Hugging Face dataset's split comes from, and reading its rows with the ``datasets`` library.

A source is a hub dataset id (``stanfordnlp/imdb``), read from the local
Hugging Face cache only, or a local copy: a ``save_to_disk`` folder, a folder
of data files (parquet, arrow, csv, json, or a hub repository's files with its
``README.md``), or one data file. A split's files are the ones the dataset
card's ``configs`` name for it (the hub's own layout rules, read from
``README.md``), the ``data_files`` an entry gives, or, when neither says,
what ``datasets`` infers from the file names. Only the split asked for is
read, so a partial download of the other splits does not matter; a split
whose files are not all in the cache is refused, never served in part.

Nothing here imports ``datasets`` or ``huggingface_hub`` until a split is
resolved: ``zoo list`` stays light.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from zoo.errors import MissingArtifactError, UsageError

__all__ = ["CARD", "LOCAL_FORMATS", "CachedSplit", "Source", "cached_split", "card_of", "card_rows", "card_split_files",
           "datasets_module", "hub_cache", "hub_module", "load_rows", "matching", "source_of"]

INSTALL: Final = "pip install 'model-zoo-registry[hf]'"
# Data files the datasets library reads, by suffix, and the builder that reads them.
LOCAL_FORMATS: Final = {".parquet": "parquet", ".arrow": "arrow", ".csv": "csv", ".tsv": "csv", ".json": "json",
                        ".jsonl": "json"}
HUB_ID: Final = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")
CARD: Final = "README.md"


@dataclass(frozen=True)
class Source:
    """One split of a dataset: a hub id (``local`` None) or a local file or folder, and the split's own name."""

    path: str
    split: str  # the dataset's own name for it (test, validation, test.clean...)
    config: str | None = None
    revision: str | None = None
    data_files: tuple[str, ...] | None = None  # the split's file patterns, relative to the repository or folder
    local: Path | None = None

    @property
    def shown(self) -> str:
        """How messages name the data: ``org/name`` (config x, revision y) or the local path."""
        extras = [f"config {self.config}" if self.config else "", f"revision {self.revision}" if self.revision else ""]
        extra = ", ".join(part for part in extras if part)
        return f"{self.path}{f' ({extra})' if extra else ''}"


def source_of(*, path: str | None, split: str, config: str | None = None, revision: str | None = None,
              data_files: Any = None, source_splits: Any = None, what: str) -> Source:
    """Check a builder's source arguments and name the split to read.

    ``source_splits`` maps zoo's split names to the dataset's own (``{test-clean: clean/test}``: config
    ``clean``, split ``test``); ``data_files`` maps the dataset's split names to file patterns.
    """
    if not isinstance(path, str) or not path.strip():
        raise UsageError(f"{what} needs the data: --dataset-arg path=ORG/NAME (a Hugging Face hub dataset) or "
                         "path=FOLDER_OR_FILE (a save_to_disk folder, a folder of parquet/arrow/csv/json files, or one)")
    for name, value in (("config", config), ("revision", revision)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise UsageError(f"{what}: {name} must be a name, not {value!r}")
    own_split, own_config = _mapped_split(split, source_splits, what)
    config = own_config or config
    patterns = _split_patterns(data_files, own_split, what)
    local = Path(path).expanduser()
    if local.exists():
        if revision is not None:
            raise UsageError(f"{what}: revision={revision} applies to hub datasets; {path} is a local copy")
        return Source(path, own_split, config, None, patterns, local.resolve())
    if path.startswith(("/", "./", "../", "~")) or local.suffix.lower() in LOCAL_FORMATS or not HUB_ID.fullmatch(path):
        raise UsageError(f"{what}: {path} does not exist; give a hub dataset id (ORG/NAME) or an existing "
                         "folder or file with --dataset-arg path=...")
    return Source(path, own_split, config, revision, patterns, None)


def _mapped_split(split: str, source_splits: Any, what: str) -> tuple[str, str | None]:
    """zoo's split -> (the dataset's split, its config or None)."""
    if source_splits is None:
        return split, None
    if not isinstance(source_splits, Mapping) or not all(isinstance(v, str) and v for v in source_splits.values()):
        raise UsageError(f"{what}: source_splits maps zoo's split names to the dataset's (SPLIT or CONFIG/SPLIT), "
                         f"e.g. source_splits={{test: test_2021}}; got {source_splits!r}")
    own = source_splits.get(split, split)
    config, _, name = own.rpartition("/")
    return name, config or None


def _split_patterns(data_files: Any, split: str, what: str) -> tuple[str, ...] | None:
    if data_files is None:
        return None
    if not isinstance(data_files, Mapping):
        raise UsageError(f"{what}: data_files maps split names to file patterns, e.g. "
                         f"data_files={{test: 'data/test-*.parquet'}}; got {data_files!r}")
    if split not in data_files:
        raise UsageError(f"{what}: data_files names no files for split {split!r}; it has "
                         f"{', '.join(map(str, data_files)) or 'no split'}")
    given = data_files[split]
    patterns = (given,) if isinstance(given, str) else tuple(given) if isinstance(given, (list, tuple)) else ()
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise UsageError(f"{what}: data_files[{split}] must be a file pattern or a list of them, not {given!r}")
    return patterns


def hub_module() -> Any:
    """``huggingface_hub``, or the one line that says how to install it."""
    try:
        import huggingface_hub
    except ImportError:
        raise MissingArtifactError(f"Hugging Face datasets need huggingface_hub and datasets: {INSTALL}") from None
    return huggingface_hub


def datasets_module() -> Any:
    """``datasets``, or the one line that says how to install it."""
    try:
        import datasets
    except ImportError:
        raise MissingArtifactError(f"reading Hugging Face datasets needs the datasets library: {INSTALL}") from None
    return datasets


def hub_cache() -> str | None:
    """The hub cache as the environment names it now (huggingface_hub reads it once, at import)."""
    return os.environ.get("HF_HUB_CACHE") or (os.path.join(os.environ["HF_HOME"], "hub")
                                              if os.environ.get("HF_HOME") else None)


# --- the dataset card: README.md's YAML header ---------------------------------------------------


def card_of(folder: Path) -> dict[str, Any]:
    """The YAML header of a dataset card (``README.md``), or ``{}``."""
    import yaml

    readme = folder / CARD
    try:
        text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    except (OSError, UnicodeDecodeError):
        return {}
    if not text.startswith("---"):
        return {}
    header, found, _ = text[3:].partition("\n---")
    try:
        data = yaml.safe_load(header) if found else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _card_config(card: Mapping[str, Any], config: str | None, where: str) -> Mapping[str, Any] | None:
    """The card's entry under ``configs`` for this config (None: the card has no configs)."""
    configs = [c for c in card.get("configs") or [] if isinstance(c, Mapping)]
    if not configs:
        return None
    by_name = {str(c.get("config_name", "default")): c for c in configs}
    if config is None:
        chosen = [c for c in configs if c.get("default")] or (configs if len(configs) == 1 else [])
        if not chosen and "default" in by_name:
            chosen = [by_name["default"]]
        if not chosen:
            raise UsageError(f"{where} has several configs ({', '.join(by_name)}) and no default; "
                             "pick one with --dataset-arg config=NAME")
        return chosen[0]
    if config not in by_name:
        raise UsageError(f"{where} has no config {config!r}; its configs are {', '.join(by_name)}; "
                         "pick one with --dataset-arg config=NAME")
    return by_name[config]


def card_split_files(card: Mapping[str, Any], source: Source) -> tuple[str, ...] | None:
    """The file patterns the card's ``configs`` give the source's split (None: the card does not say)."""
    entry = _card_config(card, source.config, source.shown)
    if entry is None or "data_files" not in entry:
        return None
    splits = _card_data_files(entry["data_files"])
    if source.split not in splits:
        raise UsageError(f"{source.shown} has no split {source.split!r}; its splits are {', '.join(splits)}; "
                         "pick one with --split, or map zoo's split to it with --dataset-arg source_splits={...}")
    prefix = str(entry.get("data_dir") or "").strip("/")
    return tuple(f"{prefix}/{p}" if prefix else p for p in splits[source.split])


def _card_data_files(value: Any) -> dict[str, list[str]]:
    """A card's ``data_files`` in any of its forms -> {split: [pattern, ...]} (a bare list is ``train``)."""
    if isinstance(value, str):
        return {"train": [value]}
    if isinstance(value, Mapping):
        return {str(k): [v] if isinstance(v, str) else list(v) for k, v in value.items()}
    splits: dict[str, list[str]] = {}
    for item in value or []:
        if isinstance(item, str):
            splits.setdefault("train", []).append(item)
        elif isinstance(item, Mapping) and "path" in item:
            paths = item["path"]
            splits.setdefault(str(item.get("split", "train")), []).extend([paths] if isinstance(paths, str) else paths)
    return splits


def card_rows(card: Mapping[str, Any], source: Source) -> int | None:
    """How many rows the card's ``dataset_info`` says the split has (None: it does not say)."""
    infos = card.get("dataset_info")
    infos = [infos] if isinstance(infos, Mapping) else [i for i in infos or [] if isinstance(i, Mapping)]
    wanted = source.config or "default"
    for info in infos:
        if len(infos) > 1 and str(info.get("config_name", "default")) != wanted:
            continue
        for split in info.get("splits") or []:
            if isinstance(split, Mapping) and split.get("name") == source.split:
                rows = split.get("num_examples")
                return rows if isinstance(rows, int) and not isinstance(rows, bool) else None
    return None


# --- file patterns, as the hub writes them (fsspec's glob: * stays within a folder, ** crosses) --------


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    pattern = pattern.removeprefix("./")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def matching(patterns: Sequence[str], files: Sequence[str]) -> list[str]:
    """The files (paths relative to the repository or folder) any pattern matches, sorted."""
    return sorted({f for f in files for p in patterns if _pattern(p).match(f)})


def _files_under(folder: Path) -> list[str]:
    return [path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)]


# --- the hub cache --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedSplit:
    """A split found on this machine: the folder, the split's files in it (None: ``datasets`` infers them
    from the file names) and, for a hub dataset, the commit of the cached snapshot."""

    folder: Path
    files: tuple[str, ...] | None
    commit: str | None = None
    card: Mapping[str, Any] | None = None


def cached_split(source: Source, *, pull: str) -> CachedSplit:
    """Find a hub split in the cache, whole, or a local folder's split files; ``pull`` is the command
    that fetches it, named in the error when it is not all here."""
    if source.local is not None:
        folder = source.local
        card = card_of(folder) if folder.is_dir() else {}
        patterns = source.data_files or (card_split_files(card, source) if folder.is_dir() else None)
        if patterns is None:
            return CachedSplit(folder, None, None, card)
        files = matching(patterns, _files_under(folder))
        if not files:
            raise UsageError(f"{source.shown}: no file matches {', '.join(patterns)} for split {source.split!r}")
        return CachedSplit(folder, tuple(files), None, card)
    folder, listed = _snapshot(source, pull)
    card = card_of(folder)
    patterns = source.data_files or card_split_files(card, source)
    if patterns is None:
        if not any(f != CARD and not f.startswith(".") for f in _files_under(folder)):
            raise MissingArtifactError(f"{source.shown}: the cache holds none of its data files; fetch them with {pull}")
        return CachedSplit(folder, None, folder.name, card)
    present = _files_under(folder)
    files = matching(patterns, listed if listed is not None else present)
    missing = sorted(set(files) - set(present))
    if not files or missing:
        held = f"{len(files) - len(missing)} of its {len(files)} files are" if files else "none of its files is"
        raise MissingArtifactError(f"{source.shown} split {source.split!r}: {held} in the Hugging Face cache"
                                   f"{f' ({missing[0]} is not)' if missing else ''}; fetch it with {pull}")
    return CachedSplit(folder, tuple(files), folder.name, card)


def _snapshot(source: Source, pull: str) -> tuple[Path, list[str] | None]:
    """The cached snapshot folder of a hub dataset at the revision asked, and the repository's file list
    when the cache kept it (``snapshot_download`` does): what a complete split must hold."""
    hub = hub_module()
    from huggingface_hub.errors import IncompleteSnapshotError, LocalEntryNotFoundError

    try:
        folder = Path(hub.snapshot_download(source.path, repo_type="dataset", revision=source.revision,
                                            cache_dir=hub_cache(), local_files_only=True, allow_patterns=[CARD]))
    except IncompleteSnapshotError as error:  # the card is missing: the data files may still be there
        folder = Path(error.snapshot_path)
    except (LocalEntryNotFoundError, OSError, ValueError):
        cached = _cached_revisions(source.path)
        if cached and source.revision:
            raise MissingArtifactError(f"hub dataset {source.path} is not in the Hugging Face cache at revision "
                                       f"{source.revision!r} (cached: {', '.join(cached)}); fetch it with {pull}, "
                                       "or check the revision's name") from None
        raise MissingArtifactError(f"hub dataset {source.shown} is not in the Hugging Face cache "
                                   f"({hub_cache() or hub.constants.HF_HUB_CACHE}); fetch it with {pull}") from None
    try:
        listed = [f.path for f in hub.get_cached_repo_tree(source.path, repo_type="dataset", revision=folder.name,
                                                           cache_dir=hub_cache()) if hasattr(f, "size")]
    except Exception:  # noqa: BLE001 - no listing kept (fetched by another tool): the files present decide
        listed = None
    return folder, listed


def _cached_revisions(repo_id: str) -> list[str]:
    """The branch and tag names (and bare commits) cached for a hub dataset, for an error message."""
    root = Path(hub_cache() or hub_module().constants.HF_HUB_CACHE) / f"datasets--{repo_id.replace('/', '--')}"
    refs = sorted(p.relative_to(root / "refs").as_posix() for p in (root / "refs").rglob("*") if p.is_file())
    commits = {(root / "refs" / ref).read_text(encoding="utf-8").strip() for ref in refs}
    snapshots = sorted(p.name for p in (root / "snapshots").glob("*") if p.name not in commits)
    return refs + snapshots


# --- reading rows ---------------------------------------------------------------------------------


@contextmanager
def _datasets_bars() -> Iterator[None]:
    """datasets' own bars ("Generating test split") follow the hub's switch, which zoo sets from --progress."""
    datasets, hub = datasets_module(), hub_module()
    was_enabled = datasets.is_progress_bar_enabled()
    if hub.utils.are_progress_bars_disabled():
        datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_enabled:
            datasets.enable_progress_bars()


def load_rows(source: Source, found: CachedSplit) -> Any:
    """The split's rows as a ``datasets.Dataset`` (memory-mapped Arrow, prepared once into the datasets cache)."""
    datasets = datasets_module()
    folder = found.folder
    with _datasets_bars():
        if folder.is_file():
            kind = LOCAL_FORMATS.get(folder.suffix.lower())
            if kind is None:
                raise UsageError(f"{folder}: not a data file datasets reads ({', '.join(LOCAL_FORMATS)}); give a "
                                 "folder or one of those")
            return _prepared(datasets, kind, None, {source.split: [str(folder)]}, source)
        if (folder / "dataset_dict.json").is_file() or (folder / "state.json").is_file():
            return _saved(datasets, folder, source)
        files = {source.split: [str(folder / f) for f in found.files]} if found.files is not None else None
        return _prepared(datasets, str(folder), source.config, files, source)


def _prepared(datasets: Any, path: str, config: str | None, data_files: Any, source: Source) -> Any:
    try:
        builder = datasets.load_dataset_builder(path, name=config, data_files=data_files,
                                                cache_dir=os.environ.get("HF_DATASETS_CACHE") or None)
    except ValueError as error:
        raise UsageError(f"{source.shown}: {_first_line(error)}") from None
    except FileNotFoundError as error:
        raise UsageError(f"{source.shown}: {_first_line(error)}") from None
    splits = [str(name) for name in builder.config.data_files or {}]
    if splits and source.split not in splits:
        raise UsageError(f"{source.shown} has no split {source.split!r}; its splits are {', '.join(splits)}; "
                         "pick one with --split, or map zoo's split to it with --dataset-arg source_splits={...}")
    try:
        builder.download_and_prepare()
        return builder.as_dataset(split=source.split)
    except (ValueError, OSError) as error:
        raise UsageError(f"{source.shown}: cannot read split {source.split!r}: {_first_line(error)}") from None


def _saved(datasets: Any, folder: Path, source: Source) -> Any:
    """A ``save_to_disk`` folder: a DatasetDict (one folder per split) or one Dataset (one split)."""
    try:
        saved = datasets.load_from_disk(str(folder))
    except (FileNotFoundError, ValueError, OSError) as error:
        raise UsageError(f"{folder}: not a readable save_to_disk folder: {_first_line(error)}") from None
    if isinstance(saved, datasets.DatasetDict):
        if source.split not in saved:
            raise UsageError(f"{folder} has no split {source.split!r}; its splits are {', '.join(saved)}; "
                             "pick one with --split, or map zoo's split to it with --dataset-arg source_splits={...}")
        return saved[source.split]
    own = str(saved.split) if saved.split is not None else None
    if own is not None and own != source.split:
        raise UsageError(f"{folder} holds the split {own!r} alone, not {source.split!r}; pick it with --split {own}")
    return saved


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
