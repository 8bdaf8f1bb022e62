"""The one dataset class every speech dataset here returns: a list of audio clips.

Each clip is a file, a target (a class index into ``labels`` or a
transcript) and a stable id. Reading happens in ``__getitem__`` so a bad clip
fails alone, as a :class:`zoo.SampleError` naming it; ``lengths()`` comes
from file headers and ``fingerprint`` hashes the bytes actually served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from zoo import Sample, SampleError
from zoo.files import regular_file_problem
from zoo.weights import sha256_file

from zoo_speech.audio import read_audio

__all__ = ["AudioClipDataset", "Clip"]

LENGTH_RATE = 16_000  # lengths() counts samples at 16 kHz, whatever the file's rate


@dataclass(frozen=True)
class Clip:
    """One sample: where its audio is, what it should be recognised as, and its id."""

    path: Path
    target: Any  # class index or transcript
    id: str
    problem: str | None = None  # known at build time (an empty transcript): raised on access
    samples: int | None = None  # length at LENGTH_RATE when a manifest already knows it


@dataclass
class AudioClipDataset:
    """A map-style dataset of audio clips (see :class:`zoo.Dataset`)."""

    task: str
    split: str
    labels: Sequence[str] | None
    clips: Sequence[Clip]
    info: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> Sample:
        clip = self.clips[index]
        if clip.problem:
            raise SampleError(clip.id, clip.problem)
        return Sample(input=read_audio(clip.path, sample_id=clip.id), target=clip.target, id=clip.id)

    def lengths(self) -> list[int]:
        """Clip lengths in 16 kHz samples, from headers (0 for a file that cannot be read)."""
        import soundfile as sf

        sizes = []
        for clip in self.clips:
            if clip.samples is not None:
                sizes.append(clip.samples)
                continue
            if regular_file_problem(clip.path):  # never open a FIFO or a device to read a header
                sizes.append(0)
                continue
            try:
                info = sf.info(str(clip.path))
                sizes.append(int(info.frames * LENGTH_RATE / info.samplerate))
            except (OSError, RuntimeError, ZeroDivisionError):
                sizes.append(0)
        return sizes

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over the split, labels and every clip's id, target and file bytes."""
        digest = hashlib.sha256(f"{self.task}\0{self.split}\0{list(self.labels or [])}\0".encode())
        for clip in self.clips:
            digest.update(f"{clip.id}\0{clip.target}\0{clip.problem}\0".encode())
            problem = regular_file_problem(clip.path)
            if problem:
                digest.update(f"<{problem}>".encode())
                continue
            try:
                digest.update(bytes.fromhex(sha256_file(clip.path)))
            except OSError:
                digest.update(b"<missing>")
        return digest.hexdigest()
