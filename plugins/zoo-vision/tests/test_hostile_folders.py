"""Hostile image folders: loops, pipes and devices posing as images never hang, repeat or exhaust memory."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from zoo.errors import SampleError

from zoo_vision.data.folder import build_image_folder


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        Image.fromarray(np.full((8, 8, 3), 100, dtype=np.uint8)).save(root / name / "a.png")
    return root


def test_a_symlink_loop_lists_each_image_once(folder):
    (folder / "cat" / "again").symlink_to(folder / "cat", target_is_directory=True)
    (folder / "cat" / "up").symlink_to(folder, target_is_directory=True)
    dataset = build_image_folder(split="test", root=str(folder), labels="folder")
    assert [relative for relative, _ in dataset.files] == ["cat/a.png", "dog/a.png"]


@pytest.mark.parametrize("make,reason", [
    (lambda path: os.mkfifo(path), r"is a named pipe \(FIFO\), not a regular file"),
    (lambda path: path.symlink_to("/dev/zero"), "is a character device, not a regular file"),
])
def test_a_pipe_or_device_named_like_an_image_is_a_named_sample_error(folder, make, reason):
    make(folder / "dog" / "b.png")
    dataset = build_image_folder(split="test", root=str(folder), labels="folder")  # listing does not block
    assert len(dataset) == 3
    with pytest.raises(SampleError, match=f"dog/b.png: {reason}"):
        dataset[2]
    assert dataset[1].target == 1  # the real image beside it is fine


def test_an_image_over_the_size_limit_is_refused_before_reading(folder, monkeypatch):
    monkeypatch.setenv("ZOO_MAX_IMAGE_BYTES", "10")
    dataset = build_image_folder(split="test", root=str(folder), labels="folder")
    with pytest.raises(SampleError, match=r"cat/a.png: is \d+ bytes, over the 10-byte limit"):
        dataset[0]
