"""Hugging Face ``datasets`` for every built-in task: hub datasets and local copies as zoo datasets.

One builder per task (``text_classification``, ``image_classification``,
``audio_classification``, ``speech_recognition``), registered by zoo itself
as the datasets ``hf-text-classification``, ``hf-image-classification``,
``hf-audio-classification`` and ``hf-speech-recognition`` (give the data with
``--dataset-arg path=...``), and reused by the plugins' entries for well-known
hub datasets (``sst2``, ``beans``, ``librispeech``...), which fill in the
path, config and columns. Arguments, all optional but ``path``:

- ``path``: a hub dataset id (``stanfordnlp/imdb``) or a local copy (see
  :mod:`zoo.hf_dataset_sources`); ``config``, ``revision`` (hub only);
  ``data_files`` ({split: pattern}) and ``source_splits`` ({zoo split: the
  dataset's own split, ``CONFIG/SPLIT`` to change config too}).
- the columns: ``text`` (and ``text_pair`` for sentence pairs), ``image`` or
  ``audio``, then ``label`` or ``transcript``; ``sample_id``, a column that
  names each row (else ``row N``).
- ``labels``: class names, in index order, for a label column without them
  (integers, not a ``ClassLabel``), or the classes to keep, in order, for a
  column of names. A ``ClassLabel`` column's names are used as they are.
- ``sampling_rate`` (audio): resample every clip to it (soxr) as it is read.

Hub data is read from the local Hugging Face cache only, never downloaded
while a run builds it: ``zoo pull --dataset NAME`` (:func:`pull_dataset`)
fetches exactly the files of the entry's splits, at its revision, into that
cache. Images and audio are decoded by zoo (:mod:`zoo.inputs`: PIL,
soundfile and soxr) from the bytes the dataset stores, never by ``datasets``'
own decoders (no torchcodec), so a bad row is one :class:`zoo.SampleError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from zoo.errors import MissingArtifactError, SampleError, UsageError, ZooError
from zoo.hf_dataset_sources import (CachedSplit, Source, cached_split, card_rows, datasets_module, load_rows,
                                    source_of)
from zoo.interface import Audio, Sample
from zoo.specs import DatasetSpec

__all__ = ["HubDataset", "audio_classification", "check_cached", "image_classification", "is_hf_dataset",
           "pull_dataset", "speech_recognition", "text_classification"]

BUILDERS: Final = "zoo.hf_datasets:"
TEXT, IMAGE, AUDIO, ASR = "text-classification", "image-classification", "audio-classification", "speech-recognition"


def is_hf_dataset(spec: DatasetSpec) -> bool:
    """Whether a dataset entry is read by one of this module's builders (and so can be pulled)."""
    return spec.builder.startswith(BUILDERS)


@dataclass
class HubDataset:
    """One split of a Hugging Face dataset as a map-style :class:`zoo.Dataset`.

    ``rows`` holds the input columns, images and audio undecoded (bytes and
    path); targets are read once, when the split is built, and a row whose
    target cannot be used (a label of -1, as GLUE's hidden test labels, or an
    empty transcript) stays in place and raises :class:`zoo.SampleError` when read.
    """

    task: str
    split: str
    labels: tuple[str, ...] | None
    rows: Any  # a datasets.Dataset
    kind: str  # the input: "text", "image" or "audio"
    columns: tuple[str, ...]  # the input column, then the second text of a pair
    targets: list[Any]
    fingerprint: str
    ids: list[str] | None = None
    problems: Mapping[int, str] = field(default_factory=dict)
    sampling_rate: int | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        """The number of rows of the split."""
        return len(self.targets)

    def sample_id(self, index: int) -> str:
        """How errors and saved predictions name row ``index``: its ``sample_id`` column, else ``row N``."""
        return self.ids[index] if self.ids is not None else f"row {index}"

    def __getitem__(self, index: int) -> Sample:
        """Row ``index`` as a :class:`zoo.Sample`, its image or clip decoded by :mod:`zoo.inputs`."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        index %= len(self)
        where = self.sample_id(index)
        if index in self.problems:
            raise SampleError(where, self.problems[index])
        row = self.rows[index]
        values = [row[column] for column in self.columns]
        return Sample(input=self._input(values, where), target=self.targets[index], id=where)

    def _input(self, values: list[Any], where: str) -> Any:
        if self.kind == "text":
            if any(not isinstance(v, str) or not v.strip() for v in values):
                raise SampleError(where, f"empty text in column {self.columns[0]!r}; fix or remove the row")
            return values[0] if len(values) == 1 else tuple(values)
        stored = values[0] or {}
        data, path = stored.get("bytes"), stored.get("path")
        if data is None and not path:
            raise SampleError(where, f"no {self.kind} in column {self.columns[0]!r} (neither bytes nor a path)")
        if self.kind == "image":
            from zoo.inputs.image import decode_image, read_image

            return decode_image(data, sample_id=where) if data is not None else read_image(path, sample_id=where)
        from zoo.inputs.audio import decode_audio, read_audio, resample

        clip = decode_audio(data, sample_id=where) if data is not None else read_audio(path, sample_id=where)
        if self.sampling_rate is None or self.sampling_rate == clip.sampling_rate:
            return clip
        return Audio(resample(clip.waveform, clip.sampling_rate, self.sampling_rate), self.sampling_rate)

    def lengths(self) -> list[int]:
        """Characters per text, or encoded bytes per clip (in proportion to its length): read from the
        Arrow columns without decoding, for batching inputs of similar length together."""
        import pyarrow.compute as pc

        column = self.rows.with_format("arrow")[self.columns[0]]
        if self.kind == "text":
            sizes = pc.utf8_length(column)
        else:
            sizes = pc.binary_length(pc.struct_field(column, "bytes"))
        return [size or 0 for size in sizes.to_pylist()]


# --- the builders, one per task --------------------------------------------------------------------


def text_classification(*, split: str, path: str | None = None, config: str | None = None,
                        revision: str | None = None, data_files: Any = None, source_splits: Any = None,
                        text: str = "text", text_pair: str | None = None, label: str = "label",
                        labels: Sequence[str] | str | None = None, sample_id: str | None = None) -> HubDataset:
    """Texts (or pairs of texts, with ``text_pair``) and class labels."""
    return _build(TEXT, split, dict(path=path, config=config, revision=revision, data_files=data_files,
                                    source_splits=source_splits), {"text": text, "text_pair": text_pair},
                  label=label, labels=labels, sample_id=sample_id)


def image_classification(*, split: str, path: str | None = None, config: str | None = None,
                         revision: str | None = None, data_files: Any = None, source_splits: Any = None,
                         image: str = "image", label: str = "label", labels: Sequence[str] | str | None = None,
                         sample_id: str | None = None) -> HubDataset:
    """Images (a ``datasets.Image`` column) and class labels."""
    return _build(IMAGE, split, dict(path=path, config=config, revision=revision, data_files=data_files,
                                     source_splits=source_splits), {"image": image},
                  label=label, labels=labels, sample_id=sample_id)


def audio_classification(*, split: str, path: str | None = None, config: str | None = None,
                         revision: str | None = None, data_files: Any = None, source_splits: Any = None,
                         audio: str = "audio", label: str = "label", labels: Sequence[str] | str | None = None,
                         sample_id: str | None = None, sampling_rate: int | None = None) -> HubDataset:
    """Clips (a ``datasets.Audio`` column) and class labels."""
    return _build(AUDIO, split, dict(path=path, config=config, revision=revision, data_files=data_files,
                                     source_splits=source_splits), {"audio": audio},
                  label=label, labels=labels, sample_id=sample_id, sampling_rate=sampling_rate)


def speech_recognition(*, split: str, path: str | None = None, config: str | None = None,
                       revision: str | None = None, data_files: Any = None, source_splits: Any = None,
                       audio: str = "audio", transcript: str = "text", sample_id: str | None = None,
                       sampling_rate: int | None = None) -> HubDataset:
    """Clips (a ``datasets.Audio`` column) and their reference transcripts."""
    return _build(ASR, split, dict(path=path, config=config, revision=revision, data_files=data_files,
                                   source_splits=source_splits), {"audio": audio},
                  transcript=transcript, sample_id=sample_id, sampling_rate=sampling_rate)


DEFAULT_ENTRIES: Final = {TEXT: "hf-text-classification", IMAGE: "hf-image-classification",
                          AUDIO: "hf-audio-classification", ASR: "hf-speech-recognition"}


def _build(task: str, split: str, where: Mapping[str, Any], inputs: Mapping[str, str | None], *,
           label: str | None = None, labels: Any = None, transcript: str | None = None,
           sample_id: str | None = None, sampling_rate: Any = None) -> HubDataset:
    what = DEFAULT_ENTRIES[task]
    source = source_of(split=split, what=what, **where)
    found = cached_split(source, pull=_pull_hint(None, source))
    return _from_rows(task, split, source, found, load_rows(source, found), inputs, label=label, labels=labels,
                      transcript=transcript, sample_id=sample_id, sampling_rate=sampling_rate)


def _from_rows(task: str, split: str, source: Source, found: CachedSplit, rows: Any,
               inputs: Mapping[str, str | None], *, label: str | None, labels: Any, transcript: str | None,
               sample_id: str | None, sampling_rate: Any) -> HubDataset:
    expected = card_rows(found.card or {}, source) if found.files is not None else None
    if expected is not None and expected != len(rows):
        raise MissingArtifactError(f"{source.shown} split {source.split!r}: the cache holds {len(rows)} rows, its "
                                   f"card lists {expected}: part of it is missing; fetch it again with "
                                   f"{_pull_hint(None, source)}")
    features = rows.features
    shown = ", ".join(repr(name) for name in features)
    wanted = {argument: column for argument, column in {**inputs, "label": label, "transcript": transcript,
                                                       "sample_id": sample_id}.items() if column is not None}
    for argument, column in wanted.items():
        if column not in features:
            raise UsageError(f"{source.shown}: no column {column!r}; its columns are {shown}; "
                             f"choose one with --dataset-arg {argument}=NAME")
    kind = next(iter(inputs))
    columns = tuple(column for column in inputs.values() if column is not None)
    rows = _undecoded(rows, kind, columns[0], source)
    names, targets, problems = (_classes(rows, label, labels, source) if label is not None
                                else (None, *_transcripts(rows, transcript, source)))
    ids = [str(value) for value in rows.with_format("arrow")[sample_id].to_pylist()] if sample_id else None
    if sampling_rate is not None and (isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int)
                                      or sampling_rate <= 0):
        raise UsageError(f"sampling_rate must be a positive number of Hz, not {sampling_rate!r}")
    identity = _identity(source, found, rows)
    definition = {"task": task, "split": split, "source": identity, "columns": wanted,
                  "labels": list(names) if names is not None else None, "sampling_rate": sampling_rate}
    return HubDataset(
        task=task, split=split, labels=names, rows=rows.select_columns(list(dict.fromkeys(columns))), kind=kind,
        columns=columns, targets=targets, problems=problems, ids=ids, sampling_rate=sampling_rate,
        fingerprint=hashlib.sha256(json.dumps(definition, sort_keys=True, default=str).encode()).hexdigest(),
        info={**identity, "source": source.path, "revision": source.revision, "rows": len(rows)})


def _undecoded(rows: Any, kind: str, column: str, source: Source) -> Any:
    """Images and audio as stored (bytes and path), so zoo decodes them; text must be text."""
    datasets = datasets_module()
    feature = rows.features[column]
    if kind == "text":
        if not (isinstance(feature, datasets.Value) and feature.dtype in ("string", "large_string")):
            raise UsageError(f"{source.shown}: column {column!r} is {feature}, not text; choose the text column "
                             "with --dataset-arg text=NAME")
        return rows
    expected = datasets.Image if kind == "image" else datasets.Audio
    if not isinstance(feature, expected):
        raise UsageError(f"{source.shown}: column {column!r} is {type(feature).__name__}, not {kind} "
                         f"(a datasets.{expected.__name__} column); choose it with --dataset-arg {kind}=NAME")
    return rows.cast_column(column, expected(decode=False))


def _label_names(labels: Any) -> list[str] | None:
    if labels is None:
        return None
    names = [n.strip() for n in labels.split(",")] if isinstance(labels, str) else \
        [str(n).strip() for n in labels] if isinstance(labels, (list, tuple)) else []
    if not names or any(not n for n in names) or len(set(names)) != len(names):
        raise UsageError(f"labels must be distinct, non-empty class names, e.g. labels=[negative,positive]; "
                         f"got {labels!r}")
    return names


def _classes(rows: Any, column: str, labels: Any, source: Source) -> tuple[tuple[str, ...], list[Any], dict[int, str]]:
    """Class names and each row's class index: from a ClassLabel, or from ``labels``."""
    datasets = datasets_module()
    feature, given = rows.features[column], _label_names(labels)
    values = rows.with_format("arrow")[column].to_pylist()
    problems: dict[int, str] = {}
    if isinstance(feature, datasets.ClassLabel) or (isinstance(feature, datasets.Value) and
                                                     feature.dtype.startswith(("int", "uint"))):
        names = list(feature.names) if isinstance(feature, datasets.ClassLabel) else given
        if names is None:
            raise UsageError(f"{source.shown}: label column {column!r} holds class indices ({feature.dtype}) without "
                             "names (it is not a ClassLabel); name the classes in index order with --dataset-arg "
                             "labels=[NAME0,NAME1,...] (the engine matches them to the model's labels by name; "
                             "--label-map FILE maps names that differ)")
        if given is not None and len(given) != len(names):
            raise UsageError(f"{source.shown}: labels names {len(given)} classes but column {column!r} has "
                             f"{len(names)} ({', '.join(names)}); give one name per class, in index order")
        names = given or names
        for index, value in enumerate(values):
            if value is None or not 0 <= value < len(names):
                problems[index] = (f"no usable label ({value!r} in column {column!r}; -1 marks a hidden label, "
                                   "as in GLUE's test splits): evaluate a split with labels")
        return tuple(names), [None if i in problems else v for i, v in enumerate(values)], problems
    if isinstance(feature, datasets.Value) and feature.dtype in ("string", "large_string"):
        names = given or sorted({v.strip() for v in values if isinstance(v, str) and v.strip()})
        index_of = {name: i for i, name in enumerate(names)}
        targets = []
        for index, value in enumerate(values):
            target = index_of.get(value.strip()) if isinstance(value, str) else None
            if target is None:
                problems[index] = f"label {value!r} is not one of the classes ({', '.join(names[:10])}...)" \
                    if given else f"no label in column {column!r}"
            targets.append(target)
        if not names:
            raise UsageError(f"{source.shown}: label column {column!r} holds no label")
        return tuple(names), targets, problems
    raise UsageError(f"{source.shown}: label column {column!r} is {feature}, not class labels (a ClassLabel, "
                     "class indices or class names); choose it with --dataset-arg label=NAME")


def _transcripts(rows: Any, column: str | None, source: Source) -> tuple[list[Any], dict[int, str]]:
    datasets = datasets_module()
    feature = rows.features[column]
    if not (isinstance(feature, datasets.Value) and feature.dtype in ("string", "large_string")):
        raise UsageError(f"{source.shown}: transcript column {column!r} is {feature}, not text; choose it with "
                         "--dataset-arg transcript=NAME")
    values = rows.with_format("arrow")[column].to_pylist()
    problems = {index: f"empty transcript in column {column!r}" for index, value in enumerate(values)
                if not isinstance(value, str) or not value.strip()}
    return values, problems


def _identity(source: Source, found: CachedSplit, rows: Any) -> dict[str, Any]:
    """What the data is: a hub split by its commit and files (the same on every machine), a local copy by
    datasets' own fingerprint (a save_to_disk folder keeps it; for data files it follows their paths and
    modification times)."""
    if found.commit is not None:  # the commit is the revision, resolved: a branch name adds nothing
        return {"source": source.path, "commit": found.commit, "config": source.config, "split": source.split,
                "files": list(found.files) if found.files is not None else None}
    # datasets keeps its fingerprint as this attribute (documented in its cache guide); there is no public getter.
    return {"source": "local", "datasets_fingerprint": rows._fingerprint, "config": source.config,
            "split": source.split}


# --- the cache, and pulling ------------------------------------------------------------------------


def _pull_hint(entry: str | None, source: Source, args: Mapping[str, Any] | None = None) -> str:
    """The command that fetches a hub split: ``zoo pull --dataset NAME`` (with the path when the user gave it)."""
    if entry is None:
        return f"`zoo pull --dataset NAME` for the dataset entry that names {source.path}"
    extra = f" --dataset-arg path={source.path}" if args and "path" in args else ""
    return f"`zoo pull --dataset {entry}{extra}`"


def _entry_args(spec: DatasetSpec, args: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = {**spec.args, **(args or {})}
    return {key: merged.get(key) for key in ("path", "config", "revision", "data_files", "source_splits")}


def check_cached(spec: DatasetSpec, split: str, args: Mapping[str, Any]) -> None:
    """Before a hub entry's builder runs: its split must be whole in the cache, else one line naming the
    ``zoo pull`` that fetches it. Local copies are the builder's to check."""
    source = source_of(split=split, what=spec.id, **_entry_args(spec, args))
    if source.local is None:
        cached_split(source, pull=_pull_hint(spec.name, source, args))


def pull_dataset(spec: DatasetSpec, *, dry_run: bool = False, progress: bool = False,
                 args: Mapping[str, Any] | None = None, splits: Sequence[str] | None = None) -> dict[str, Any]:
    """Fetch the files of a hub dataset entry's splits into the Hugging Face cache, at its revision.

    ``splits``: zoo's split names (default: every split of an entry that names its data, the default
    split of one that takes ``path`` from ``args``). Returns ``{"id", "status": "present" | "fetched" |
    "would fetch", "bytes", "files"}`` (bytes and files: what was or would be fetched, or what is
    present; None when not known offline). Offline (``ZOO_OFFLINE``/``HF_HUB_OFFLINE``), a split not in
    the cache is a :class:`zoo.MissingArtifactError` unless ``dry_run``.
    """
    from zoo.weights import is_offline

    if not is_hf_dataset(spec):
        raise UsageError(f"dataset {spec.id} is not a Hugging Face dataset: only hub datasets are pulled "
                         "(its builder reads data that is already here)")
    wanted = list(splits) if splits else list(spec.splits) if "path" in spec.args else [spec.split_or_default]
    unknown = [name for name in wanted if name not in spec.splits]
    if unknown:
        raise UsageError(f"dataset {spec.id} has no split {unknown[0]!r}; its splits are {', '.join(spec.splits)}")
    sources = [source_of(split=name, what=spec.id, **_entry_args(spec, args)) for name in wanted]
    if sources[0].local is not None:  # a local copy: nothing to fetch
        return {"id": spec.id, "status": "present", "bytes": None, "files": None}
    if is_offline():
        pull = f"{_pull_hint(spec.name, sources[0], args)} with ZOO_OFFLINE and HF_HUB_OFFLINE unset"
        try:
            found = [cached_split(source, pull=pull) for source in sources]
        except MissingArtifactError as error:
            if dry_run:
                return {"id": spec.id, "status": "would fetch", "bytes": None, "files": None}
            raise MissingArtifactError(f"zoo is offline: {error}") from None
        files = {found_split.folder / name for found_split in found for name in found_split.files or ()}
        return {"id": spec.id, "status": "present", "bytes": sum(f.stat().st_size for f in files) if files else None,
                "files": len(files) or None}
    from zoo.progress_bars import library_bars

    with library_bars(shown=progress):
        return {"id": spec.id, **_fetch(sources, dry_run=dry_run)}


def _fetch(sources: Sequence[Source], *, dry_run: bool) -> dict[str, Any]:
    """Resolve the splits' files on the hub (the card's configs, the entry's data_files, or what datasets
    infers), then fetch the ones not cached with ``snapshot_download``: only those files, verified by
    huggingface_hub, staged as ``.incomplete`` files that never count as present."""
    from zoo.hf_dataset_sources import CARD, card_of, card_split_files, hub_cache, hub_module, matching

    hub = hub_module()
    from huggingface_hub import errors

    repo, revision = sources[0].path, sources[0].revision
    try:
        info = hub.HfApi().dataset_info(repo, revision=revision, files_metadata=True)
        commit, tree = info.sha, {s.rfilename: s.size for s in info.siblings or []}
        card = card_of(Path(hub.hf_hub_download(repo, CARD, repo_type="dataset", revision=commit,
                                                cache_dir=hub_cache())).parent) if CARD in tree else {}
        files = {CARD} & set(tree)
        for source in sources:
            patterns = source.data_files or card_split_files(card, source)
            found = matching(patterns, list(tree)) if patterns is not None else _inferred_files(source, commit)
            if not found:
                raise UsageError(f"{source.shown}: no file of the repository matches {', '.join(patterns or ())} "
                                 f"for split {source.split!r}")
            files |= set(found)
        wanted = sorted(files)
        plan = hub.snapshot_download(repo, repo_type="dataset", revision=commit, cache_dir=hub_cache(),
                                     allow_patterns=wanted, dry_run=True)
        missing = [item for item in plan if item.will_download]
        sizes = sum(item.file_size or 0 for item in (missing or plan))
        if dry_run:
            return {"status": "would fetch" if missing else "present", "bytes": sizes, "files": len(missing or plan)}
        # At the revision asked (not the commit), so the cache records the branch for runs offline.
        hub.snapshot_download(repo, repo_type="dataset", revision=revision, cache_dir=hub_cache(),
                              allow_patterns=wanted)
    except errors.GatedRepoError:
        raise UsageError(f"hub dataset {repo} is gated: accept its terms on https://huggingface.co/datasets/{repo} "
                         "and log in (`hf auth login`), then pull again") from None
    except errors.RepositoryNotFoundError:
        raise UsageError(f"there is no dataset {repo!r} on the Hugging Face hub (or it is private: log in with "
                         "`hf auth login`); check the dataset's path") from None
    except errors.RevisionNotFoundError:
        raise UsageError(f"hub dataset {repo} has no revision {revision!r}; give a branch, tag or commit "
                         "that exists") from None
    except OSError as error:
        if error.errno == 28:  # ENOSPC
            raise MissingArtifactError(f"the disk filled while fetching {repo} ({error.strerror}): free space in "
                                       f"{hub_cache() or hub.constants.HF_HUB_CACHE} and pull again; the partial "
                                       "file is not counted as present") from None
        raise MissingArtifactError(f"cannot fetch hub dataset {repo}: {type(error).__name__}: "
                                   f"{(str(error).splitlines() or [''])[0]}; check the connection (HF_ENDPOINT) "
                                   "and the cache folder, then pull again") from None
    except ZooError:
        raise
    except Exception as error:  # noqa: BLE001 - the hub unreachable or answering an error: one line, never half a pull
        reason = (str(error).splitlines() or [""])[0]
        raise MissingArtifactError(f"cannot fetch hub dataset {repo} ({type(error).__name__}: {reason}); check the "
                                   "connection (HF_ENDPOINT) and try again, or set HF_HUB_OFFLINE=1 to use what is "
                                   "cached") from None
    return {"status": "fetched" if missing else "present", "bytes": sizes, "files": len(missing or plan)}


def _inferred_files(source: Source, commit: str) -> list[str]:
    """A split's files when the card does not list them: what ``datasets`` infers from the repository's files."""
    datasets = datasets_module()
    try:
        builder = datasets.load_dataset_builder(source.path, name=source.config, revision=commit)
    except Exception as error:  # noqa: BLE001 - a script-only dataset, an unknown config...: one line, and what to do
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise UsageError(f"{source.shown}: datasets cannot tell which files hold split {source.split!r} ({reason}); "
                         "name them with --dataset-arg data_files={SPLIT: PATTERN} (for a script-only dataset, the "
                         "hub's Parquet export: revision=refs/convert/parquet)") from None
    data_files = builder.config.data_files or {}
    if source.split not in data_files:
        raise UsageError(f"{source.shown} has no split {source.split!r}; its splits are {', '.join(data_files)}")
    return [str(url).split(f"@{commit}/", 1)[-1] for url in data_files[source.split]]
