"""Shared fixtures: no network, and small image files written on the fly."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

# Hub downloads must fail here; set before huggingface_hub is first imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ZOO_OFFLINE"] = "1"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ZOO_OFFLINE", "1")


def _png_claiming_size(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def digit_folder(tmp_path: Path) -> Path:
    """An image folder of 30 real digits (3 per class) as 8x8 PNGs, classes named 0..9."""
    from zoo_vision.data.bundled import build_digits

    root = tmp_path / "digits"
    dataset = build_digits(split="test")
    written: dict[int, int] = {}
    for index in range(len(dataset)):
        sample = dataset[index]
        if written.get(sample.target, 0) == 3:
            continue
        folder = root / str(sample.target)
        folder.mkdir(parents=True, exist_ok=True)
        sample.input.save(folder / f"{sample.id.replace(' ', '-')}.png")
        written[sample.target] = written.get(sample.target, 0) + 1
    return root


def _noise_image(mode: str = "RGB", size: tuple[int, int] = (32, 32)):  # type: ignore[no-untyped-def]
    from PIL import Image

    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    pixels = np.random.default_rng(0).integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels, mode=mode)


@pytest.fixture
def noise_image():  # type: ignore[no-untyped-def]
    """``noise_image(mode, size)``: a reproducible random PIL image."""
    return _noise_image


@pytest.fixture
def png_claiming_size():  # type: ignore[no-untyped-def]
    """``png_claiming_size(path, width, height)``: write a decompression-bomb PNG."""
    return _png_claiming_size
