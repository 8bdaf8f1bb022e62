#!/usr/bin/env python3
"""Generate the `spoken-digits-synth` dataset: the ten digit words, synthesised.

A developer tool, not needed to use the dataset. It calls the espeak-ng and
flite programs (Debian: `apt-get install -y espeak-ng flite`), trims the
silence around each clip, resamples it to 16 kHz mono with soxr and writes
FLAC (lossless, so the files are byte-identical on every run) plus a
manifest.jsonl. Every choice (voices, rates, pitches) comes from a seeded
random generator over sorted lists, so the same synthesiser versions give the
same files.

The split is by voice: an espeak-ng voice variant (say `f3`) or a flite voice
is either in train or in test, under every accent, never in both.

    python scripts/generate_spoken_digits.py            # writes zoo_speech/data/spoken_digits_synth
    python scripts/generate_spoken_digits.py --check    # regenerate to a temp dir and compare
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SAMPLING_RATE = 16_000
SEED = 20240611
OUTPUT = Path(__file__).resolve().parents[1] / "zoo_speech" / "data" / "spoken_digits_synth"

ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029")
ESPEAK_VARIANTS_DIR = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v")
VARIANTS_PER_ACCENT = {"train": 6, "test": 2}
TEST_VARIANT_SHARE = 0.25  # a quarter of the variant names are test-only
FLITE_VOICES = {"train": ("awb", "kal", "kal16", "rms"), "test": ("slt",)}
FLITE_STRETCHES = (0.85, 1.15)  # duration_stretch: faster and slower than default

TRIM_THRESHOLD = 0.01  # of full scale
TRIM_PAD_SECONDS = 0.05


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def program_version(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).strip().splitlines()[0 if "espeak" in command[0] else -1].strip()


def trim_and_resample(path: Path) -> np.ndarray:
    """A synthesiser's WAV -> 16 kHz mono float32, leading/trailing silence trimmed."""
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD * max(1e-9, float(np.abs(audio).max())))
    pad = int(TRIM_PAD_SECONDS * rate)
    audio = audio[max(0, loud[0] - pad): loud[-1] + pad]
    if rate != SAMPLING_RATE:
        audio = soxr.resample(audio, rate, SAMPLING_RATE, quality="HQ")
    # Normalise the peak so loudness is not a cue; clip against resampler overshoot.
    return np.clip(0.9 * audio / float(np.abs(audio).max()), -1.0, 1.0).astype(np.float32)


def espeak_voices(rng: random.Random) -> dict[str, list[str]]:
    variants = sorted(p.name for p in ESPEAK_VARIANTS_DIR.iterdir() if p.is_file())
    rng.shuffle(variants)
    n_test = round(len(variants) * TEST_VARIANT_SHARE)
    pools = {"test": sorted(variants[:n_test]), "train": sorted(variants[n_test:])}
    voices: dict[str, list[str]] = {"train": [], "test": []}
    for accent in ESPEAK_ACCENTS:
        for split, count in VARIANTS_PER_ACCENT.items():
            voices[split] += [f"{accent}+{v}" for v in rng.sample(pools[split], count)]
    return voices


def synthesise(out: Path, workdir: Path) -> list[dict]:
    rng = random.Random(SEED)
    rows: list[dict] = []
    wav = workdir / "clip.wav"
    for split, voices in espeak_voices(rng).items():
        for voice in voices:
            for digit in DIGITS:
                rate, pitch = rng.randint(120, 220), rng.randint(15, 85)
                run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(wav), digit])
                name = f"{split}/espeak-{voice.replace('+', '-')}-{digit}.flac"
                rows.append(_write(out, name, wav, digit, split, f"espeak-ng:{voice}",
                                   {"rate_wpm": rate, "pitch": pitch}))
    for split, voices in FLITE_VOICES.items():
        for voice in voices:
            for stretch in FLITE_STRETCHES:
                for digit in DIGITS:
                    run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}",
                         "-t", digit, "-o", str(wav)])
                    name = f"{split}/flite-{voice}-x{stretch}-{digit}.flac"
                    rows.append(_write(out, name, wav, digit, split, f"flite:{voice}",
                                       {"duration_stretch": stretch}))
    return rows


def _write(out: Path, name: str, wav: Path, digit: str, split: str, voice: str, settings: dict) -> dict:
    audio = trim_and_resample(wav)
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    sf.write(out / name, audio, SAMPLING_RATE, format="FLAC", subtype="PCM_16")
    return {"path": name, "label": digit, "transcript": digit, "split": split, "voice": voice,
            "samples": len(audio), **settings}


def generate(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as workdir:
        rows = synthesise(out, Path(workdir))
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    info = {
        "generator": "scripts/generate_spoken_digits.py",
        "seed": SEED,
        "sampling_rate": SAMPLING_RATE,
        "espeak-ng": program_version(["espeak-ng", "--version"]),
        "flite": program_version(["flite", "--version"]),
        "clips": {s: sum(r["split"] == s for r in rows) for s in ("train", "test")},
        "voices": {s: sorted({r["voice"] for r in rows if r["split"] == s}) for s in ("train", "test")},
    }
    (out / "info.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {len(rows)} clips ({info['clips']}) to {out}, {total / 1e6:.2f} MB")


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="regenerate into a temp dir; fail if it differs")
    args = parser.parse_args()
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh"
        generate(fresh)
        same = tree_digest(fresh) == tree_digest(args.out)
        print("identical" if same else f"DIFFERENT from {args.out}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
