"""Bad clips in a real run: one clear error by default, counted and listed with on_error="skip"."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

import zoo
from zoo import ZooError


@pytest.fixture
def messy_manifest(tmp_path):
    """Two good real-voice clips and one of each kind of bad input."""
    spokennumbers = zoo.build_dataset("spokennumbers")
    for digit in ("1", "7"):
        shutil.copy(spokennumbers.clips[int(digit)].path, tmp_path / f"{digit}.wav")
    sf.write(tmp_path / "silent.wav", np.zeros(16_000, dtype=np.float32), 16_000)
    (tmp_path / "notes.wav").write_text("not audio")
    truncated = (tmp_path / "7.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(truncated[: len(truncated) // 3])
    rows = [("1.wav", "one"), ("missing.wav", "two"), ("silent.wav", "three"), ("notes.wav", "four"),
            ("7.wav", "seven"), ("cut.wav", "seven"), ("1.wav", "")]
    path = tmp_path / "manifest.jsonl"
    path.write_text("".join(json.dumps({"path": p, "transcript": t}) + "\n" for p, t in rows))
    return path


@pytest.mark.slow
def test_by_default_the_first_bad_clip_stops_the_run_naming_it(messy_manifest):
    with pytest.raises(ZooError, match=r"sample row 2 of speech:manifest.*missing\.wav does not exist.*--on-error skip"):
        zoo.evaluate("pocketsphinx-en-us", "manifest", dataset_args={"path": str(messy_manifest)}, num_workers=0)


@pytest.mark.slow
def test_with_skip_every_bad_clip_is_counted_and_listed(messy_manifest):
    record = zoo.evaluate("pocketsphinx-en-us", "manifest", dataset_args={"path": str(messy_manifest)},
                          on_error="skip", num_workers=0)
    samples = record["samples"]
    assert samples["evaluated"] == 2 and samples["skipped"] == 5
    listed = json.dumps(samples["skipped_samples"])
    for row in ("row 2", "row 3", "row 4", "row 6", "row 7"):
        assert row in listed
    assert "silent" in listed and "truncated" in listed and "empty transcript" in listed
    assert record["metrics"]["wer"] == 0.0  # "one" and "seven" are both recognised
