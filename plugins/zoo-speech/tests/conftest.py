"""Shared fixtures: offline hub access, audio files written on the fly, tiny models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))  # for speech_helpers

from speech_helpers import RATE, tone  # noqa: E402


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a model hub."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def write_audio(tmp_path: Path):
    """write_audio("a/b.wav", seconds=..., rate=..., channels=...) -> the written path."""

    def write(relative: str, *, seconds: float = 0.5, rate: int = RATE, channels: int = 1,
              frequency: float = 440.0) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone(seconds, rate, channels, frequency), rate)
        return path

    return write


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory):
    """tiny_folder("ctc" | "hubert" | "classifier" | "whisper") -> a saved tiny model folder (built once)."""
    import speech_helpers as tiny_models

    root = tmp_path_factory.mktemp("tiny-models")
    made: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in made:
            folder = root / kind
            if kind == "ctc":
                tiny_models.save_tiny_ctc(folder, "wav2vec2")
            elif kind == "hubert":
                tiny_models.save_tiny_ctc(folder, "hubert")
            elif kind == "classifier":
                tiny_models.save_tiny_audio_classifier(folder, ["yes", "no", "zero", "one"])
            else:
                tiny_models.save_tiny_whisper(folder)
            made[kind] = folder
        return made[kind]

    return get
