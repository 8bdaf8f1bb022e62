"""zoo.predict and zoo.embed on speech classifiers, given zoo.Audio objects or files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import zoo
from zoo import Audio, UsageError

from speech_helpers import tone


def test_digit_cnn_embeddings_are_what_its_linear_head_classifies():
    model = zoo.build_model("digits-cnn-synth")
    dataset = zoo.build_dataset("spoken-digits-synth", split="test")
    clips = [dataset[index].input for index in range(4)]
    features = zoo.embed(model, clips, device="cpu", batch_size=3)
    assert features.dtype == np.float32 and features.shape == (4, 96)
    with torch.inference_mode():
        logits = model.forward(model.collate(clips))
    head = model.module.head[-1]
    np.testing.assert_allclose(features @ head.weight.detach().numpy().T + head.bias.detach().numpy(), logits.numpy(), rtol=1e-4, atol=1e-4)
    predicted = zoo.predict(model, clips, top_k=1, device="cpu")
    assert [result["input"] for result in predicted] == [0, 1, 2, 3]
    assert [result["top"][0]["label"] for result in predicted] == [model.labels[int(i)] for i in logits.argmax(-1)]


def test_audio_classifier_embeddings_are_what_its_classifier_sees(tiny_folder):
    model = zoo.build_model("hf-audio-classification", model=str(tiny_folder("classifier")))
    clips = [Audio(tone(0.5, 16_000, frequency=300), 16_000), Audio(tone(1.0, 16_000, frequency=500), 16_000)]
    features = zoo.embed(model, clips, device="cpu")
    assert features.shape == (2, 16)  # classifier_proj_size of the tiny wav2vec2
    with torch.inference_mode():
        logits = model.forward(model.collate(clips))
    classifier = model.module.classifier
    np.testing.assert_allclose(features @ classifier.weight.detach().numpy().T + classifier.bias.detach().numpy(), logits.numpy(),
                               rtol=1e-4, atol=1e-5)


def test_a_speech_recogniser_predicts_transcripts_and_gives_no_embeddings(tiny_folder, write_audio):
    model = zoo.build_model("hf-ctc", model=str(tiny_folder("ctc")))
    path = write_audio("clip.wav", seconds=1.0)
    (result,) = zoo.predict(model, [path], device="cpu")
    assert result["input"] == str(path) and isinstance(result["transcript"], str)
    with pytest.raises(UsageError, match="gives no embeddings: it has no embed"):
        zoo.embed(model, [path])


def test_digits_cnn_is_a_template_never_run_on_random_weights(tmp_path):
    import soundfile
    from click.testing import CliRunner

    from zoo.cli import make_cli

    soundfile.write(tmp_path / "clip.wav", tone(), 16_000)
    result = CliRunner().invoke(make_cli(), ["run", "digits-cnn", str(tmp_path / "clip.wav")])
    assert result.exit_code == 2 and result.stdout == ""  # no uniform scores printed
    assert result.stderr.startswith("zoo: error: model speech:digits-cnn is a template")
    assert "(digits-cnn-synth;" in result.stderr and "--model-arg checkpoint=..." in result.stderr
    # The trained weights, given as a checkpoint of one's own: the same classifier as the catalogue entry's.
    shipped = zoo.get("digits-cnn-synth", "model").weights
    model = zoo.build_model("digits-cnn", checkpoint=shipped.uri, checkpoint_sha256=shipped.sha256)
    assert model.weights_sha256 == shipped.sha256 and not getattr(model, "random_weights", False)
    with pytest.raises(UsageError, match="pins its weights .* checkpoint='x.safetensors' would be ignored"):
        zoo.build_model("digits-cnn-synth", checkpoint="x.safetensors")
