"""Reading audio files and checking waveforms, with errors that name the clip.

Any rate, any channel count: files are read with soundfile (WAV, FLAC, OGG,
whatever libsndfile decodes), mixed down to mono float32 and resampled with
soxr only when a model asks for its own rate. Every problem is a
:class:`zoo.SampleError` naming the file (or the position in a batch), so a
run can stop with one clear line or, with ``--on-error skip``, count it.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Final

import numpy as np
import soundfile as sf

from zoo import Audio, SampleError

__all__ = ["MAX_AUDIO_SECONDS", "SILENCE_PEAK", "check_waveform", "decode_audio", "load_input", "max_audio_seconds",
           "read_audio", "resample", "to_rate"]

# -80 dBFS: quieter than any recording's noise floor, so a clip this quiet is
# digital silence (or a muted microphone), not speech.
SILENCE_PEAK: Final = 1e-4
# Decoding is bounded by what a header claims: a clip longer than this (ZOO_MAX_AUDIO_SECONDS) is
# refused before its samples are allocated, whatever its size on disk.
MAX_AUDIO_SECONDS: Final = 4 * 3600.0


def max_audio_seconds() -> float:
    try:
        return float(os.environ.get("ZOO_MAX_AUDIO_SECONDS", MAX_AUDIO_SECONDS))
    except ValueError:
        return MAX_AUDIO_SECONDS


def _wav_truncation(path: Path) -> str | None:
    """libsndfile reads a cut-off WAV without complaint; the RIFF header says how long it should be."""
    with open(path, "rb") as handle:
        return _wav_truncation_of(handle, path.stat().st_size)


def _wav_truncation_of(handle: BinaryIO, size: int) -> str | None:
    header = handle.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    offset = 12
    while offset + 8 <= size:
        handle.seek(offset)
        chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
        if chunk_id == b"data":
            missing = offset + 8 + chunk_size - size
            if missing > 0:
                return f"is truncated: its header promises {chunk_size} bytes of audio, {missing} are missing"
            return None
        offset += 8 + chunk_size + (chunk_size & 1)
    return "is truncated: no audio data chunk"


def read_audio(path: str | os.PathLike[str], *, sample_id: str | None = None) -> Audio:
    """A file -> mono float32 :class:`zoo.Audio` at the file's own rate."""
    from zoo.files import regular_file_problem

    path = Path(path)
    where = sample_id or str(path)
    if not path.exists():
        raise SampleError(where, f"audio file {path} does not exist")
    problem = regular_file_problem(path)  # a FIFO named x.wav would block, /dev/zero never end
    if problem:
        raise SampleError(where, f"audio file {path} is {problem}, not a regular file")
    if path.stat().st_size == 0:
        raise SampleError(where, f"audio file {path} is empty (0 bytes)")
    return _decoded(lambda: str(path), where=where, name=str(path), wav_problem=lambda: _wav_truncation(path))


def decode_audio(data: bytes, *, sample_id: str) -> Audio:
    """An encoded clip's bytes (a dataset row's: WAV, FLAC, OGG...) -> mono float32 :class:`zoo.Audio` at its
    own rate, with the same checks as :func:`read_audio`; errors name ``sample_id``."""
    if not data:
        raise SampleError(sample_id, "the audio is empty (0 bytes)")
    return _decoded(lambda: io.BytesIO(data), where=sample_id, name="the clip",
                    wav_problem=lambda: _wav_truncation_of(io.BytesIO(data), len(data)))


def _decoded(source: Callable[[], Any], *, where: str, name: str, wav_problem: Callable[[], str | None]) -> Audio:
    """Decode with soundfile; ``source()`` gives a fresh path or file object for each read."""
    try:
        info = sf.info(source())
        seconds = info.frames / info.samplerate if info.samplerate else 0.0
        if seconds > max_audio_seconds():
            raise SampleError(where, f"{name} claims {seconds:,.0f} s of audio, over the {max_audio_seconds():,.0f} s "
                                     "limit (ZOO_MAX_AUDIO_SECONDS); cut it into clips")
        data, rate = sf.read(source(), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as error:
        reason = str(error).split(": ", 1)[-1] if ": " in str(error) else str(error)
        raise SampleError(where, f"{name} is not readable audio ({reason}); "
                                 "use WAV, FLAC or OGG") from None
    problem = wav_problem() if info.format == "WAV" else None
    if problem is None and info.frames > 0 and len(data) < info.frames:
        problem = f"is truncated: {len(data)} of {info.frames} samples could be decoded"
    if problem:
        raise SampleError(where, f"{name} {problem}; re-export or re-download it")
    if len(data) == 0:
        raise SampleError(where, f"{name} holds no audio (0 samples)")
    # Mix channels down: the mean keeps the level of a centred voice.
    return Audio(waveform=np.ascontiguousarray(data.mean(axis=1), dtype=np.float32), sampling_rate=int(rate))


def load_input(argument: str) -> Audio:
    """The tasks' input loader: a path given on the command line -> :class:`zoo.Audio`."""
    return read_audio(argument, sample_id=argument)


def resample(waveform: Any, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a mono waveform with soxr (high quality); a no-op at the same rate."""
    waveform = np.asarray(waveform, dtype=np.float32)
    if from_rate == to_rate:
        return waveform
    import soxr

    return soxr.resample(waveform, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def check_waveform(audio: Any, position: int, *, max_seconds: float | None = None) -> Audio:
    """Check one raw model input and return it as :class:`zoo.Audio`.

    ``position`` is the input's index in the batch, which the engine maps back
    to the sample's id.
    """
    where = str(position)
    if not isinstance(audio, Audio):
        raise SampleError(where, f"expected zoo.Audio (a waveform and its sampling rate), got {type(audio).__name__}")
    waveform = np.asarray(audio.waveform, dtype=np.float32)
    if waveform.ndim == 2:  # (samples, channels) as soundfile returns them
        waveform = waveform.mean(axis=1)
    if waveform.ndim != 1 or waveform.size == 0:
        raise SampleError(where, f"empty or malformed waveform (shape {waveform.shape}); a clip needs samples")
    if not np.isfinite(waveform).all():
        raise SampleError(where, "the waveform holds NaN or infinite values")
    peak = float(np.abs(waveform).max())
    if peak < SILENCE_PEAK:
        raise SampleError(where, f"the clip is silent (peak amplitude {peak:.1e}); there is nothing to recognise")
    seconds = waveform.size / audio.sampling_rate
    if max_seconds is not None and seconds > max_seconds:
        raise SampleError(where, f"the clip is {seconds:.1f} s long; this model takes at most {max_seconds:g} s: "
                                 "cut it into shorter clips")
    return Audio(waveform=waveform, sampling_rate=int(audio.sampling_rate))


def to_rate(audio: Any, position: int, rate: int, *, max_seconds: float | None = None) -> np.ndarray:
    """Check an input, then return its waveform at ``rate``."""
    checked = check_waveform(audio, position, max_seconds=max_seconds)
    return resample(checked.waveform, checked.sampling_rate, rate)
