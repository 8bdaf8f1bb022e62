"""A small log-mel CNN that classifies one spoken digit, trained here.

The module takes 16 kHz waveforms (a fixed 1.5 s window) and computes its own
log-mel features, so ``collate`` only checks, trims, normalises and pads the
audio. scripts/train_digits_cnn.py trains it on spoken-digits-synth train;
the weights ship as safetensors beside this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import torch
from torch import nn

from zoo import SampleError, TorchModel, UsageError, WeightsSpec

from zoo_speech import DIGITS
from zoo_speech.audio import to_rate

__all__ = ["DIGIT_LABELS", "DigitsCnn", "LogMelCnn", "build_digits_cnn", "prepare_clip"]

DIGIT_LABELS: Final = DIGITS
RATE: Final = 16_000
WINDOW_SECONDS: Final = 1.5
N_FFT, HOP, N_MELS = 400, 160, 40  # 25 ms frames every 10 ms, 40 mel bands
TRIM_THRESHOLD: Final = 0.02  # of the clip's peak: what counts as the word rather than the pause around it
POWER_FLOOR: Final = 1e-2  # log floor: hides noise far below speech in both synthetic and real clips


class LogMelCnn(nn.Module):
    """[B, samples] -> log-mel [B, 1, mels, frames] -> 4 conv blocks -> [B, classes]."""

    def __init__(self, num_classes: int = 10, channels: Sequence[int] = (24, 48, 64, 96), dropout: float = 0.2) -> None:
        super().__init__()
        from transformers.audio_utils import mel_filter_bank

        mel = mel_filter_bank(num_frequency_bins=N_FFT // 2 + 1, num_mel_filters=N_MELS, min_frequency=20.0,
                              max_frequency=RATE / 2, sampling_rate=RATE, mel_scale="htk")
        # Fixed, not learned: kept out of the state dict so the weights file holds only what training made.
        self.register_buffer("mel", torch.tensor(mel, dtype=torch.float32), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)
        blocks: list[nn.Module] = []
        previous = 1
        for index, width in enumerate(channels):
            blocks += [nn.Conv2d(previous, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            if index < len(channels) - 1:
                blocks.append(nn.MaxPool2d(2))
            previous = width
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(previous, num_classes))

    def log_mel(self, waves: torch.Tensor) -> torch.Tensor:
        # Features in float32 whatever the module's dtype: stft in half precision is not supported on CPU.
        spectrum = torch.stft(waves.float(), N_FFT, HOP, window=self.window.float(), return_complex=True)
        power = spectrum.abs().pow(2).transpose(1, 2) @ self.mel.float()  # [B, frames, mels]
        logmel = torch.log(power + POWER_FLOOR).transpose(1, 2)
        # Per-band mean removal: a cheap channel normalisation that helps across voices and microphones.
        return (logmel - logmel.mean(dim=2, keepdim=True)).unsqueeze(1)

    def forward(self, waves: torch.Tensor) -> torch.Tensor:
        return self.head[-1](self.embed(waves))

    def embed(self, waves: torch.Tensor) -> torch.Tensor:
        """The pooled features ``[B, channels[-1]]`` the final linear layer classifies."""
        dtype = next(self.features.parameters()).dtype
        return self.head[:-1](self.features(self.log_mel(waves).to(dtype)))


def prepare_clip(wave: np.ndarray, position: int, *, offset: int | None = None) -> np.ndarray:
    """Trim the pauses around the word, normalise the peak and place it in the 1.5 s window.

    ``offset`` (samples from the window's start) is for training-time shifts;
    by default the word is centred.
    """
    window = int(WINDOW_SECONDS * RATE)
    loud = np.flatnonzero(np.abs(wave) > TRIM_THRESHOLD * float(np.abs(wave).max()))
    word = wave[loud[0]: loud[-1] + 1]
    if len(word) > window:
        raise SampleError(str(position), f"the spoken word lasts {len(word) / RATE:.2f} s after trimming pauses; "
                                         f"this model takes one word of at most {WINDOW_SECONDS:g} s")
    word = 0.9 * word / float(np.abs(word).max())
    start = (window - len(word)) // 2 if offset is None else min(max(0, offset), window - len(word))
    out = np.zeros(window, dtype=np.float32)
    out[start: start + len(word)] = word
    return out


@dataclass
class DigitsCnn(TorchModel):
    """The trained CNN with its fixed preprocessing."""

    max_seconds: float = 30.0

    def collate(self, inputs: list[Any]) -> torch.Tensor:
        waves = [prepare_clip(to_rate(audio, i, RATE, max_seconds=self.max_seconds), i) for i, audio in enumerate(inputs)]
        return torch.from_numpy(np.stack(waves))

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.module(batch)

    def embed(self, batch: torch.Tensor) -> torch.Tensor:
        """Clip features for :func:`zoo.embed`: the CNN's pooled features, before its linear head."""
        return self.module.embed(batch)


def build_digits_cnn(*, channels: Sequence[int] = (24, 48, 64, 96), max_seconds: float = 30.0,
                     checkpoint: str | None = None, checkpoint_sha256: str | None = None,
                     weights: WeightsSpec | None = None) -> DigitsCnn:
    """The CNN; with ``weights`` (the shipped safetensors) or a ``checkpoint`` file of your own
    (sha256-checked against ``checkpoint_sha256`` when given) it is a trained classifier.
    Without either its weights are random, which :func:`zoo.build_model` refuses unless asked."""
    if checkpoint is not None and weights is not None:
        raise UsageError(f"digits-cnn: this catalogue entry pins its weights ({weights.uri}), so checkpoint="
                         f"{checkpoint!r} would be ignored; to load your own, run the template: "
                         "zoo run digits-cnn --model-arg checkpoint=PATH")
    if checkpoint is not None:
        weights = WeightsSpec(uri=str(checkpoint), sha256=checkpoint_sha256, format="safetensors"
                              if str(checkpoint).endswith(".safetensors") else "pickle")
    module = LogMelCnn(num_classes=len(DIGIT_LABELS), channels=channels)
    sha256 = None
    if weights is not None:
        from zoo.weights import load_state_dict, resolve, sha256_file

        path = resolve(weights, what="digits-cnn weights")
        try:
            module.load_state_dict(load_state_dict(path, format=weights.format))
        except RuntimeError as error:  # torch's missing/unexpected/size-mismatch report
            first = " ".join(str(error).strip().splitlines()[:2])[:300]
            raise UsageError(f"digits-cnn weights {path} do not fit this CNN ({first}); check channels") from None
        sha256 = sha256_file(path)
    return DigitsCnn(task="audio-classification", labels=list(DIGIT_LABELS), module=module.eval(),
                     weights_sha256=sha256, max_seconds=float(max_seconds),
                     config={"sampling_rate": RATE, "window_seconds": WINDOW_SECONDS,
                             "features": f"log-mel, {N_MELS} bands, n_fft {N_FFT}, hop {HOP}, per-band mean removed",
                             "preprocessing": "mono, soxr HQ resample to 16 kHz, pauses trimmed, peak 0.9, centred"})
