"""zoo.embed on transformers models, and no library loading bars in the output of zoo's builders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import zoo
from zoo.weights import sha256_file

from zoo_text.sentence_encoder import save_head

TEXTS = ["a good film", "the plot was very dull and the music was awful", "great"]


def test_classifier_embeddings_are_what_its_head_sees(text_registry, tiny_classifier):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = zoo.build_model("hf-sequence-classification", model=str(tiny_classifier), registry=text_registry)
    features = zoo.embed(model, TEXTS, device="cpu", registry=text_registry)
    # BERT's classifier reads the pooler output (dense + tanh of [CLS]); computed here without zoo.
    network = AutoModelForSequenceClassification.from_pretrained(str(tiny_classifier)).eval()
    tokens = AutoTokenizer.from_pretrained(str(tiny_classifier))(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = network.bert(**tokens).pooler_output
        logits = network.classifier(expected)
    assert features.dtype == np.float32 and features.shape == (3, 16)
    np.testing.assert_allclose(features, expected.numpy(), rtol=1e-5, atol=1e-6)
    predicted = zoo.predict(model, TEXTS, top_k=1, device="cpu", registry=text_registry)
    assert [r["top"][0]["label"] for r in predicted] == [model.labels[int(i)] for i in logits.argmax(-1)]


def test_sentence_encoder_embeddings_are_its_mean_pooled_normalised_sentences(text_registry, tiny_encoder, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(1)
    weight, bias = torch.randn(2, 16), torch.randn(2)
    save_head(tmp_path / "head.safetensors", weight, bias, labels=["negative", "positive"], normalize=True,
              max_length=32, encoder_sha256=sha256_file(tiny_encoder / "model.safetensors"))
    model = zoo.build_model("sentence-encoder", encoder=str(tiny_encoder), head=str(tmp_path / "head.safetensors"),
                            registry=text_registry)
    features = zoo.embed(model, TEXTS, device="cpu", registry=text_registry)
    encoder = AutoModel.from_pretrained(str(tiny_encoder)).eval()
    tokens = AutoTokenizer.from_pretrained(str(tiny_encoder))(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        states = encoder(**tokens).last_hidden_state
    mask = tokens["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((states * mask).sum(1) / mask.sum(1), dim=1)
    np.testing.assert_allclose(features, expected.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, rtol=1e-6)
    # They are what the head classifies: its logits are a linear map of them.
    with torch.inference_mode():
        logits = model.forward(model.collate(TEXTS))
    np.testing.assert_allclose(features @ weight.numpy().T + bias.numpy(), logits.numpy(), rtol=1e-5, atol=1e-5)


def test_transformers_loading_bars_stay_out_of_zoos_output(text_registry, tiny_classifier, capfd):
    from transformers import AutoModelForSequenceClassification

    zoo.build_model("hf-sequence-classification", model=str(tiny_classifier), registry=text_registry)
    zoo.predict("hf-sequence-classification", ["a good film"], model_args={"model": str(tiny_classifier)},
                device="cpu", registry=text_registry)
    assert "Loading weights" not in capfd.readouterr().err
    zoo.build_model("hf-sequence-classification", model=str(tiny_classifier), registry=text_registry, progress=True)
    assert "Loading weights" in capfd.readouterr().err
    # Outside zoo the bars are as they were: a script's own transformers calls keep them.
    AutoModelForSequenceClassification.from_pretrained(str(tiny_classifier))
    assert "Loading weights" in capfd.readouterr().err


def test_zoo_run_keeps_transformers_loading_bars_out_of_its_output(text_registry, tiny_classifier, capfd):
    from click.testing import CliRunner
    from zoo.cli import make_cli

    result = CliRunner().invoke(make_cli(lambda settings: text_registry),
                                ["run", "hf-sequence-classification", "a good film", "--model-arg",
                                 f"model={tiny_classifier}", "--device", "cpu"], catch_exceptions=False)
    assert result.exit_code == 0 and "a good film" in result.stdout
    assert "Loading weights" not in result.stderr + capfd.readouterr().err


def test_a_classifier_that_scores_every_token_gives_no_embeddings_and_says_why():
    from transformers import GPT2Config, GPT2ForSequenceClassification
    from zoo import UsageError

    from zoo_text.hf_classifier import LogitsOf

    config = GPT2Config(vocab_size=20, n_embd=8, n_layer=1, n_head=2, n_positions=16, num_labels=2, pad_token_id=0)
    module = LogitsOf(GPT2ForSequenceClassification(config).eval())
    batch = {"input_ids": torch.tensor([[3, 4, 5]]), "attention_mask": torch.ones(1, 3, dtype=torch.long)}
    with pytest.raises(UsageError, match="^GPT2ForSequenceClassification scores every token before it pools them"):
        module.embed(**batch)
