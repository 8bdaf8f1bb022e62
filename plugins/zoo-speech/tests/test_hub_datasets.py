"""The hub speech datasets (librispeech, speech-commands-v2), read from a Hugging Face cache laid out
in tmp as huggingface_hub leaves it, with data written by the real `datasets` library."""

from __future__ import annotations

import io
import textwrap

import pytest
import soundfile as sf
from datasets import Audio, ClassLabel, Dataset
from speech_helpers import RATE, tone

import zoo

COMMIT = "feedfacefeedfacefeedfacefeedfacefeedface"
LIBRISPEECH_CARD = """\
    ---
    configs:
    - config_name: clean
      data_files:
      - split: test
        path: clean/test/*.parquet
      - split: validation
        path: clean/validation/*.parquet
    - config_name: other
      data_files:
      - split: test
        path: other/test/*.parquet
    ---
    # LibriSpeech
    """


@pytest.fixture(autouse=True)
def caches_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets-cache"))


def flac(seconds: float, frequency: float) -> dict:
    buffer = io.BytesIO()
    sf.write(buffer, tone(seconds, RATE, 1, frequency), RATE, format="FLAC")
    return {"bytes": buffer.getvalue(), "path": None}


def cache(tmp_path, repo: str, ref: str, files: dict) -> None:
    root = tmp_path / "hub" / f"datasets--{repo.replace('/', '--')}"
    for name, content in files.items():
        target = root / "snapshots" / COMMIT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Dataset):
            content.to_parquet(str(target))
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")
    (root / "refs" / ref).parent.mkdir(parents=True, exist_ok=True)
    (root / "refs" / ref).write_text(COMMIT, encoding="utf-8")


def utterances(*texts: str) -> Dataset:
    rows = Dataset.from_dict({"audio": [flac(0.4 + 0.1 * i, 300 + 50 * i) for i in range(len(texts))],
                              "text": list(texts), "id": [f"1089-134686-{i:04d}" for i in range(len(texts))]})
    return rows.cast_column("audio", Audio())


def cache_librispeech(tmp_path) -> None:
    cache(tmp_path, "openslr/librispeech_asr", "main", {
        "README.md": LIBRISPEECH_CARD,
        "clean/test/0000.parquet": utterances("HE HOPED THERE WOULD BE STEW", "STUFF IT INTO YOU"),
        "other/test/0000.parquet": utterances("A HARDER ONE")})


def test_librispeech_test_clean_is_the_clean_configs_test_split(tmp_path):
    cache_librispeech(tmp_path)
    clean = zoo.build_dataset("librispeech")  # default split: test-clean
    assert clean.split == "test-clean" and len(clean) == 2 and clean.labels is None
    assert clean[1].id == "1089-134686-0001" and clean[1].target == "STUFF IT INTO YOU"
    assert clean[1].input.sampling_rate == RATE
    assert len(zoo.build_dataset("librispeech", split="test-other")) == 1
    with pytest.raises(zoo.MissingArtifactError, match=r"split 'validation': none of its files is in the Hugging "
                                                       r"Face cache; fetch it with `zoo pull --dataset librispeech`"):
        zoo.build_dataset("librispeech", split="validation-clean")


@pytest.mark.slow  # transformers and a tiny CTC model
def test_a_recogniser_is_evaluated_on_a_cached_librispeech_split(tmp_path, tiny_folder):
    cache_librispeech(tmp_path)
    model = zoo.build_model("hf-ctc", model=str(tiny_folder("ctc")))
    record = zoo.evaluate(model, "librispeech", split="test-clean", device="cpu")
    assert record["samples"]["evaluated"] == 2 and record["metrics"]["wer"] >= 0.0


def test_speech_commands_reads_the_hubs_parquet_export(tmp_path):
    words = ClassLabel(names=["yes", "no", "_silence_"])
    rows = Dataset.from_dict({"audio": [flac(1.0, 440), flac(1.0, 880)], "label": [0, 1]})
    cache(tmp_path, "google/speech_commands", "refs/convert/parquet", {
        "v0.02/test/0000.parquet": rows.cast_column("audio", Audio()).cast_column("label", words)})
    built = zoo.build_dataset("speech-commands-v2")
    assert built.labels == ("yes", "no", "_silence_") and [built[i].target for i in range(2)] == [0, 1]
    assert built.info["commit"] == COMMIT and built.info["revision"] == "refs/convert/parquet"
