"""transformers builders, on tiny random models saved locally (never the hub)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import zoo
from zoo import Audio, MissingArtifactError, SampleError, UsageError

from speech_helpers import tone


def clips(*seconds: float, rate: int = 22_050) -> list[Audio]:
    return [Audio(tone(s, rate, frequency=300 + 100 * i), rate) for i, s in enumerate(seconds)]


@pytest.mark.parametrize("kind", ["ctc", "hubert"])
def test_ctc_recogniser_transcribes_a_padded_batch(tiny_folder, kind):
    model = zoo.build_model("hf-ctc", model=str(tiny_folder(kind))).to("cpu")
    assert model.task == "speech-recognition" and model.labels is None and model.bucket_by_length
    batch = model.collate(clips(0.3, 0.6, 0.45))  # 22.05 kHz in, resampled to the model's 16 kHz
    assert batch["input_values"].shape == (3, 9_600)
    transcripts = model.forward(batch)
    assert len(transcripts) == 3 and all(isinstance(t, str) for t in transcripts)
    assert not any("<unk>" in t or "<pad>" in t for t in transcripts)  # special tokens are not text
    assert model.num_parameters() > 0 and len(model.weights_sha256) == 64


def test_ctc_recogniser_rejects_silence_and_overlong_clips_by_position(tiny_folder):
    model = zoo.build_model("hf-ctc", model=str(tiny_folder("ctc")), max_seconds=2.0)
    silent = Audio(np.zeros(8_000, dtype=np.float32), 16_000)
    with pytest.raises(SampleError, match="sample 1: the clip is silent"):
        model.collate([clips(0.2)[0], silent])
    with pytest.raises(SampleError, match=r"sample 0: the clip is 5\.0 s long; this model takes at most 2 s"):
        model.collate(clips(5.0))


def test_audio_classifier_labels_come_from_id2label(tiny_folder):
    model = zoo.build_model("hf-audio-classification", model=str(tiny_folder("classifier"))).to("cpu")
    assert model.labels == ["yes", "no", "zero", "one"]
    logits = model.forward(model.collate(clips(0.5, 1.0)))
    assert tuple(logits.shape) == (2, 4)


@pytest.mark.slow
def test_whisper_generates_greedy_transcripts(tiny_folder):
    model = zoo.build_model("whisper", model=str(tiny_folder("whisper"))).to("cpu")
    assert model.config["generate"]["num_beams"] == 1 and model.config["generate"]["return_timestamps"] is False
    assert "language" not in model.config["generate"]  # an English-only checkpoint takes no language token
    batch = model.collate(clips(1.0, 2.0))
    assert tuple(batch["input_features"].shape) == (2, 80, 3000)  # padded to Whisper's 30 s window
    transcripts = model.forward(batch)
    assert len(transcripts) == 2 and all(isinstance(t, str) for t in transcripts)


def test_whisper_rejects_a_clip_longer_than_its_30_second_window(tiny_folder):
    model = zoo.build_model("whisper", model=str(tiny_folder("whisper")))
    with pytest.raises(SampleError, match="at most 30 s"):
        model.collate(clips(31.0, rate=8_000))


def test_models_pickle_for_data_loader_workers(tiny_folder):
    model = zoo.build_model("hf-ctc", model=str(tiny_folder("ctc")))
    clone = pickle.loads(pickle.dumps(model))
    assert clone.collate(clips(0.2))["input_values"].shape == (1, 3_200)


def test_catalogue_hub_model_offline_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(MissingArtifactError, match=r"facebook/wav2vec2-base-960h.*22aad52d.*not in the local cache.*"
                                                   r"`zoo pull wav2vec2-base-960h`"):
        zoo.build_model("wav2vec2-base-960h")


def test_a_builder_without_a_model_says_how_to_name_one():
    with pytest.raises(UsageError, match=r"hf-ctc is a template.*--model-arg model=\.\.\."):
        zoo.build_model("hf-ctc")
    with pytest.raises(UsageError, match="model=org/repo"):  # random weights asked for: the builder needs a model
        zoo.build_model("hf-ctc", random_init=True)


@pytest.mark.parametrize("args", [{"model": "facebook/hubert-large-ls960-ft"}, {"revision": "0123abc"}])
def test_a_catalogue_entry_refuses_a_model_or_revision_it_would_not_use(args):
    with pytest.raises(UsageError, match=r"wav2vec2-base-960h@22aad52d.*would not be used.*zoo run hf-ctc --model-arg"):
        zoo.build_model("wav2vec2-base-960h", **args)


def test_a_catalogue_entry_accepts_its_own_model_and_revision(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(MissingArtifactError, match="facebook/wav2vec2-base-960h"):  # got as far as the cache
        zoo.build_model("wav2vec2-base-960h", model="facebook/wav2vec2-base-960h",
                        revision="22aad52d435eb6dbaf354bdad9b0da84ce7d6156")


def test_weights_fingerprint_covers_every_shard(tmp_path):
    from zoo_speech.hf_source import weights_sha256

    for name in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        (tmp_path / name).write_bytes(b"shard " + name.encode())
    before = weights_sha256(tmp_path)
    (tmp_path / "model-00002-of-00002.safetensors").write_bytes(b"changed")
    assert before is not None and weights_sha256(tmp_path) != before
    assert weights_sha256(tmp_path / "nothing-here") is None
