"""A user's own labelled texts: a CSV file or a JSON Lines file.

The text and label columns (fields) are options; a second text column
(``text_pair_column`` / ``text_pair_field``) makes each input a
``(text, text)`` pair, as NLI models take (premise, hypothesis). Label names are the sorted
distinct labels of the file (numerically when they are all integers), or the
``labels`` list given, in that order. A row that cannot be used (bytes that
are not UTF-8, a missing or empty value, a label outside ``labels``, a line
that is not JSON, a CSV row with more fields than its header, as an unquoted
comma in a text makes) stays in the dataset and raises :class:`zoo.SampleError`
naming the file, row and line when it is read; a column that no row has is
a :class:`zoo.UsageError` at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.errors import UsageError

from zoo_text.datasets.base import TextDataset, fingerprint_of, label_index, sha256_bytes

__all__ = ["build_csv", "build_jsonl"]


@dataclass
class _Row:
    id: str
    text: str | None
    label: str | None
    problem: str | None = None
    pair: str | None = None

    @property
    def input(self) -> Any:
        return (self.text, self.pair) if self.pair is not None else self.text


# Texts are read whole; a file this size is a corpus, not a test split (ZOO_MAX_TEXT_FILE_BYTES to change).
MAX_TEXT_FILE_BYTES = 2 * 1024**3


def _read_bytes(path: str | Path, kind: str) -> tuple[Path, bytes]:
    import os

    from zoo.files import read_bounded

    file = Path(path).expanduser()
    if not file.exists():
        raise UsageError(f"{kind} dataset: file {file} does not exist; pass --dataset-arg path=FILE")
    limit = int(os.environ.get("ZOO_MAX_TEXT_FILE_BYTES", MAX_TEXT_FILE_BYTES))
    return file, read_bounded(file, limit=limit, what=f"{kind} dataset")  # a FIFO or /dev/zero: one line


def _bad_utf8(value: str) -> str | None:
    """Text decoded with surrogateescape holds lone surrogates exactly where the bytes were not UTF-8."""
    for offset, char in enumerate(value):
        if "\udc80" <= char <= "\udcff":
            return (f"not valid UTF-8 (byte 0x{ord(char) - 0xDC00:02x} at character {offset}); "
                    "re-save the file as UTF-8")
    return None


def _label_list(labels: Sequence[str] | str | None) -> list[str] | None:
    if labels is None:
        return None
    names = [n.strip() for n in labels.split(",")] if isinstance(labels, str) else [str(n).strip() for n in labels]
    if not names or any(not n for n in names) or len(set(names)) != len(names):
        raise UsageError(f"labels must be distinct, non-empty names, got {labels!r}")
    return names


def _sorted_labels(found: set[str]) -> list[str]:
    if found and all(name.lstrip("-").isdigit() for name in found):
        return sorted(found, key=int)
    return sorted(found)


def _dataset(rows: list[_Row], *, file: Path, data: bytes, labels: Sequence[str] | str | None, split: str,
             options: dict[str, Any], kind: str) -> TextDataset:
    given = _label_list(labels)
    names = given or _sorted_labels({row.label for row in rows if row.problem is None and row.label is not None})
    if not names:
        raise UsageError(f"{file}: no row has a usable label, so there are no classes; check label column/field")
    index = label_index(names)
    problems, targets = {}, []
    for i, row in enumerate(rows):
        if row.problem is None and row.label not in index:
            row.problem = f"label {row.label!r} is not one of the labels given ({', '.join(names)})"
        if row.problem is not None:
            problems[i] = row.problem
        targets.append(index.get(row.label) if row.problem is None and row.label is not None else None)
    ids = [row.id for row in rows]
    definition = {"kind": kind, "split": split, "labels": names, **options}
    return TextDataset(
        labels=tuple(names), split=split, texts=[row.input for row in rows], targets=targets, ids=ids,
        fingerprint=fingerprint_of(sha256_bytes(data), definition, ids), problems=problems,
        info={"source": str(file), "format": kind, "rows": len(rows), "unusable_rows": len(problems),
              "labels_from": "args.labels" if given else "data (sorted)", **options},
    )


def build_csv(*, split: str, path: str, text_column: str = "text", label_column: str = "label",
              labels: Sequence[str] | str | None = None, delimiter: str = ",",
              text_pair_column: str | None = None) -> TextDataset:
    """A CSV file with a header row; ``labels`` may be a list or ``"a,b,c"``."""
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise UsageError(f"csv dataset: delimiter must be one character, got {delimiter!r}; "
                         "for tabs pass --dataset-arg delimiter=$'\\t'")
    file, data = _read_bytes(path, "csv")
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    # A long text is still a text: no field can be longer than the (bounded) file itself.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = reader.fieldnames or []
    except csv.Error as error:
        raise UsageError(f"{file}: line 1: cannot read the CSV header ({error})") from None
    wanted = [("text_column", text_column), ("label_column", label_column), ("text_pair_column", text_pair_column)]
    for option, column in wanted:
        if column is not None and column not in columns:
            shown = ", ".join(repr(c) for c in columns) or "none (the file is empty)"
            raise UsageError(f"{file}: no column {column!r}; its columns are {shown}; "
                             f"choose one with --dataset-arg {option}=NAME")
    rows = []
    for number, record in enumerate(_records(reader), start=1):
        if isinstance(record, csv.Error):  # the parser refused this row: it stays, unusable, named
            rows.append(_Row(id=f"{file.name} row {number} (line {reader.line_num})", text=None, label=None,
                             problem=f"the CSV parser refused the row ({record})"))
            continue
        row = _Row(id=f"{file.name} row {number} (line {reader.line_num})",
                   text=record.get(text_column), label=record.get(label_column),
                   pair=record.get(text_pair_column) if text_pair_column else None)
        if row.text is None or row.label is None or (text_pair_column and row.pair is None):
            row.problem = f"the row has fewer fields than the header ({len(columns)})"
        elif None in record:  # DictReader's restkey: the fields beyond the header
            row.problem = (f"the row has {len(columns) + len(record[None])} fields but the header has {len(columns)}; "
                           f"quote a text that contains the delimiter {delimiter!r}")
        else:
            bad = _bad_utf8(row.text) or _bad_utf8(row.label) or _bad_utf8(row.pair or "")
            row.label = row.label.strip()
            if bad:
                row.problem = bad
            elif not row.label:
                row.problem = f"empty label in column {label_column!r}"
        rows.append(row)
    return _dataset(rows, file=file, data=data, labels=labels, split=split, kind="csv",
                    options={"text_column": text_column, "label_column": label_column,
                             "text_pair_column": text_pair_column})


def _records(reader: csv.DictReader) -> Any:
    """The reader's rows, with a row it cannot parse as its ``csv.Error`` (reading goes on after it)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield error


def build_jsonl(*, split: str, path: str, text_field: str = "text", label_field: str = "label",
                labels: Sequence[str] | str | None = None, text_pair_field: str | None = None) -> TextDataset:
    """One JSON object per line; blank lines are skipped; ``labels`` may be a list or ``"a,b,c"``."""
    file, data = _read_bytes(path, "jsonl")
    rows, seen_fields = [], set()
    for line_number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not raw.strip():
            continue
        row = _Row(id=f"{file.name} line {line_number}", text=None, label=None)
        rows.append(row)
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            row.problem = (f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at byte {error.start} of the line); "
                           "re-save the file as UTF-8")
            continue
        except json.JSONDecodeError as error:
            row.problem = f"not valid JSON ({error.msg} at column {error.colno})"
            continue
        except RecursionError:
            row.problem = "JSON nested too deeply to be a record (a text and a label)"
            continue
        if not isinstance(record, dict):
            row.problem = f"expected a JSON object, got {type(record).__name__}"
            continue
        seen_fields |= set(record)
        text, label = record.get(text_field), record.get(label_field)
        pair = record.get(text_pair_field) if text_pair_field else None
        fields = [f for f in (text_field, label_field, text_pair_field) if f is not None]
        if any(f not in record for f in fields):
            missing = [f for f in fields if f not in record]
            row.problem = f"no field {' or '.join(repr(f) for f in missing)}"
        elif not isinstance(text, str) or (text_pair_field and not isinstance(pair, str)):
            name = text_field if not isinstance(text, str) else text_pair_field
            row.problem = f"field {name!r} is {type(record[name]).__name__}, not text"
        elif label is None or isinstance(label, (dict, list)) or not str(label).strip():
            row.problem = f"field {label_field!r} holds no usable label ({label!r})"
        else:
            row.text, row.label, row.pair = text, str(label).strip(), pair
    wanted = [("text_field", text_field), ("label_field", label_field), ("text_pair_field", text_pair_field)]
    for option, name in wanted:
        if name is not None and seen_fields and name not in seen_fields:
            shown = ", ".join(repr(f) for f in sorted(seen_fields))
            raise UsageError(f"{file}: no record has the field {name!r}; fields seen: {shown}; "
                             f"choose one with --dataset-arg {option}=NAME")
    return _dataset(rows, file=file, data=data, labels=labels, split=split, kind="jsonl",
                    options={"text_field": text_field, "label_field": label_field,
                             "text_pair_field": text_pair_field})
