"""A user's own audio as datasets: a folder per class, or a manifest.

``audio-folder``: ``ROOT/<class>/*.wav|flac|ogg`` (or ``ROOT/<split>/<class>/``
when a split other than ``all`` is asked for). ``manifest``: a JSONL or CSV
file with a ``path`` column (relative to the manifest) and a ``transcript``
(speech recognition) or ``label`` (classification) column, and optionally a
``split`` column. Any rate, any channel count: clips are read as they are and
the model resamples them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from zoo import UsageError
from zoo.files import read_bounded, walk_files

from zoo_speech.arguments import distinct_strings
from zoo_speech.clips import AudioClipDataset, Clip

__all__ = ["AUDIO_SUFFIXES", "build_audio_folder", "build_manifest"]

AUDIO_SUFFIXES: Final = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif")
PATH_COLUMNS: Final = ("path", "audio", "file", "audio_filepath")
TEXT_COLUMNS: Final = ("transcript", "text", "sentence")
LABEL_COLUMNS: Final = ("label", "class")
SPLIT_NAMES: Final = ("train", "validation", "test")
MAX_MANIFEST_BYTES: Final = 512 * 1024**2  # millions of rows; a manifest is read whole


def build_audio_folder(*, split: str = "all", root: str | None = None,
                       labels: Sequence[str] | None = None) -> AudioClipDataset:
    """Audio classification from a folder per class; classes sorted by name unless ``labels`` orders them."""
    if not root:
        raise UsageError("audio-folder needs its folder: --dataset-arg root=DIR (DIR/<class>/<clip>.wav)")
    base = Path(root).expanduser()
    folder = base if split == "all" else base / split
    if not folder.is_dir():
        raise UsageError(f"audio-folder: {folder} is not a folder" +
                         ("" if split == "all" else f"; split {split!r} expects {base}/{split}/<class>/"))
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise UsageError(f"audio-folder: {folder} has no class subfolders; put each class's clips in {folder}/<class>/")
    if split == "all" and _is_split_layout(folder, classes):
        # Else train/ and test/ would become two classes and every clip's label its split's name.
        raise UsageError(f"audio-folder: {folder} holds split folders ({', '.join(classes)}), not classes; "
                         f"pick one with --split {classes[0]} (DIR/<split>/<class>/<clip>)")
    order = distinct_strings(labels, argument="labels", what="audio-folder", flag="--dataset-arg") if labels else classes
    unknown = sorted(set(classes) - set(order))
    if unknown:
        raise UsageError(f"audio-folder: {folder} has class folders {unknown} that are not in labels={order}")
    # Symlinked folders are followed once each, never back into the root or another class (no loops).
    clips = [Clip(path, order.index(name), str(path.relative_to(folder)))
             for name in classes
             for path in walk_files(folder / name, AUDIO_SUFFIXES,
                                    never_enter=(folder, *(folder / other for other in classes if other != name)))]
    if not clips:
        raise UsageError(f"audio-folder: no audio files ({', '.join(AUDIO_SUFFIXES)}) under {folder}")
    return AudioClipDataset(task="audio-classification", split=split, labels=order, clips=clips,
                            info={"root": str(folder), "classes": len(order)})


def _is_split_layout(folder: Path, names: Sequence[str]) -> bool:
    """``folder/<split>/<class>/``: every subfolder is a split name and holds class folders, not clips."""
    if not set(names) <= set(SPLIT_NAMES):
        return False
    return all(any(p.is_dir() for p in (folder / name).iterdir()) and
               not any(p.suffix.lower() in AUDIO_SUFFIXES for p in (folder / name).iterdir() if p.is_file())
               for name in names)


def _read_rows(path: Path) -> list[dict[str, Any]]:
    raw = read_bounded(path, limit=MAX_MANIFEST_BYTES, what="manifest")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise UsageError(f"manifest {path} line {line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); "
                         "re-save it as UTF-8") from None
    if path.suffix.lower() in (".jsonl", ".json"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise UsageError(f"manifest {path} line {number}: not JSON ({error.msg})") from None
            except RecursionError:
                raise UsageError(f"manifest {path} line {number}: JSON nested too deeply to be a manifest row") from None
            if not isinstance(row, dict):
                raise UsageError(f"manifest {path} line {number}: expected a JSON object per line")
            rows.append(row)
        return rows
    if path.suffix.lower() in (".csv", ".tsv"):
        csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # a long transcript is still one
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        try:
            return list(reader)
        except csv.Error as error:
            raise UsageError(f"manifest {path} line {reader.line_num}: {error}") from None
    raise UsageError(f"manifest {path}: use a .jsonl, .csv or .tsv file")


def _column(rows: list[dict[str, Any]], names: Sequence[str], path: Path, what: str) -> str:
    present = set().union(*(row.keys() for row in rows)) if rows else set()
    for name in names:
        if name in present:
            return name
    raise UsageError(f"manifest {path}: no {what} column; name it one of {', '.join(names)} "
                     f"(found {', '.join(sorted(present)) or 'none'})")


def build_manifest(*, split: str = "all", path: str | None = None, task: str = "speech-recognition",
                   labels: Sequence[str] | None = None) -> AudioClipDataset:
    """Clips listed in a JSONL/CSV manifest; a bad row fails alone, naming its row and file."""
    if not path:
        raise UsageError("manifest needs its file: --dataset-arg path=FILE.jsonl (or .csv)")
    manifest = Path(path).expanduser()
    if not manifest.exists():
        raise UsageError(f"manifest {manifest} does not exist")
    rows = _read_rows(manifest)
    path_key = _column(rows, PATH_COLUMNS, manifest, "audio path")
    classify = task == "audio-classification"
    target_key = _column(rows, LABEL_COLUMNS if classify else TEXT_COLUMNS, manifest, "label" if classify else "transcript")
    if split != "all":
        if not any("split" in row for row in rows):
            raise UsageError(f"manifest {manifest} has no 'split' column; use split 'all' or add one")
        numbered = [(n, row) for n, row in enumerate(rows, start=1) if row.get("split") == split]
    else:
        numbered = list(enumerate(rows, start=1))
    if not numbered:
        raise UsageError(f"manifest {manifest} has no rows in split {split!r}")
    order = (distinct_strings(labels, argument="labels", what="manifest", flag="--dataset-arg") if labels else
             sorted({str(row.get(target_key) or "").strip() for _, row in numbered} - {""}))
    clips = [_clip(manifest, number, row, path_key, target_key, order if classify else None) for number, row in numbered]
    return AudioClipDataset(task=task, split=split, labels=order if classify else None, clips=clips,
                            info={"manifest": str(manifest), "rows": len(rows)})


def _clip(manifest: Path, number: int, row: dict[str, Any], path_key: str, target_key: str,
          labels: list[str] | None) -> Clip:
    relative = str(row.get(path_key) or "").strip()
    audio = manifest.parent / relative
    sample_id = f"row {number}"
    target = str(row.get(target_key) or "").strip()
    problem = None
    if not relative:
        problem = f"{manifest.name} row {number} has an empty {path_key!r}"
    elif not target:
        kind = "label" if labels is not None else "transcript"
        problem = (f"{manifest.name} row {number} ({relative}) has an empty {kind}; "
                   f"give the {'class' if labels is not None else 'words spoken'} or remove the row")
    elif labels is not None and target not in labels:
        problem = f"{manifest.name} row {number} ({relative}): label {target!r} is not one of {labels}"
    elif not audio.is_file():
        problem = f"{manifest.name} row {number}: audio file {audio} does not exist"
    index_or_text: Any = labels.index(target) if labels is not None and target in labels else target
    return Clip(audio, index_or_text, sample_id, problem=problem)
