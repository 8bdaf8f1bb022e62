"""Hostile audio folders and manifests: nothing hangs, repeats, or reads without bound."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf
from zoo import SampleError, UsageError

from zoo_speech.user_data import build_audio_folder, build_manifest


def _clip(path):
    sf.write(str(path), np.zeros(1600, dtype=np.float32) + 0.1, 16000)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "clips"
    for name in ("yes", "no"):
        (root / name).mkdir(parents=True)
        _clip(root / name / "a.wav")
    return root


def test_a_symlink_loop_lists_each_clip_once(folder):
    (folder / "yes" / "loop").symlink_to(folder / "yes", target_is_directory=True)
    (folder / "yes" / "up").symlink_to(folder, target_is_directory=True)
    dataset = build_audio_folder(root=str(folder))
    assert [clip.id for clip in dataset.clips] == ["no/a.wav", "yes/a.wav"]


@pytest.mark.parametrize("make,what", [
    (lambda path: os.mkfifo(path), r"a named pipe \(FIFO\)"),
    (lambda path: path.symlink_to("/dev/zero"), "a character device"),
])
def test_a_pipe_or_device_named_like_a_clip_is_a_named_sample_error(folder, make, what):
    make(folder / "yes" / "b.wav")
    dataset = build_audio_folder(root=str(folder))
    assert len(dataset) == 3 and dataset.fingerprint  # hashing and sizing never open it
    assert dataset.lengths()[2] == 0
    with pytest.raises(SampleError, match=f"audio file .*b.wav is {what}, not a regular file"):
        dataset[2]


def test_a_clip_longer_than_the_limit_is_refused_before_decoding(folder, monkeypatch):
    monkeypatch.setenv("ZOO_MAX_AUDIO_SECONDS", "0.05")
    with pytest.raises(SampleError, match=r"claims 0 s of audio, over the 0 s limit \(ZOO_MAX_AUDIO_SECONDS\)"):
        build_audio_folder(root=str(folder))[0]


def test_a_manifest_that_is_not_utf8_names_its_line(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(b'{"path": "a.wav", "transcript": "yes"}\n{"path": "b.wav", "transcript": "caf\xe9"}\n')
    with pytest.raises(UsageError, match=r"manifest .*manifest.jsonl line 2: not UTF-8 text \(byte 0xe9\)"):
        build_manifest(path=str(manifest))


def test_a_manifest_line_nested_too_deeply_is_one_line(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(UsageError, match="line 1: JSON nested too deeply to be a manifest row"):
        build_manifest(path=str(manifest))


def test_a_manifest_that_is_a_fifo_does_not_hang(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    os.mkfifo(manifest)
    with pytest.raises(UsageError, match=r"is a named pipe \(FIFO\), not a regular file"):
        build_manifest(path=str(manifest))
