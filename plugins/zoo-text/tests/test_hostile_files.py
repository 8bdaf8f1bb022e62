"""Hostile text files: rows no parser can take stay rows (named, skippable); paths that are not files are one line."""

from __future__ import annotations

import os

import pytest
from zoo.errors import SampleError, UsageError

from zoo_text.datasets.user_files import build_csv, build_jsonl


def test_a_jsonl_line_nested_too_deeply_is_an_unusable_row_not_a_crash(write_file):
    deep = "[" * 100_000 + "]" * 100_000
    path = write_file("deep.jsonl", '{"text": "fine", "label": "pos"}\n' + deep + '\n{"text": "ok", "label": "neg"}\n')
    dataset = build_jsonl(split="test", path=str(path))
    assert len(dataset) == 3 and dataset.labels == ("neg", "pos")
    with pytest.raises(SampleError, match="deep.jsonl line 2: JSON nested too deeply"):
        dataset[1]
    assert dataset[2].input == "ok"


def test_a_csv_field_longer_than_pythons_default_limit_is_a_text(write_file):
    long_text = "word " * 40_000  # 200,000 characters: over csv's default 131,072-character field limit
    path = write_file("long.csv", f"text,label\n{long_text},pos\nshort,neg\n")
    dataset = build_csv(split="test", path=str(path))
    assert dataset[0].input == long_text and dataset[1].input == "short"


def test_a_two_character_delimiter_is_one_line():
    with pytest.raises(UsageError, match=r"csv dataset: delimiter must be one character, got ';;'"):
        build_csv(split="test", path="unused.csv", delimiter=";;")


@pytest.mark.parametrize("builder", [build_csv, build_jsonl])
def test_a_fifo_or_a_device_given_as_the_file_is_one_line(tmp_path, builder):
    fifo = tmp_path / "texts.csv"
    os.mkfifo(fifo)
    for path, what in ((fifo, r"a named pipe \(FIFO\)"), ("/dev/zero", "a character device")):
        with pytest.raises(UsageError, match=f"dataset {path}: is {what}, not a regular file"):
            builder(split="test", path=str(path))


def test_a_non_utf8_csv_row_is_named_and_skippable(write_file):
    path = write_file("latin1.csv", b"text,label\ncaf\xe9,pos\nok,neg\n")
    dataset = build_csv(split="test", path=str(path))
    with pytest.raises(SampleError, match=r"latin1.csv row 1 \(line 2\): not valid UTF-8"):
        dataset[0]
    assert dataset[1].input == "ok"
