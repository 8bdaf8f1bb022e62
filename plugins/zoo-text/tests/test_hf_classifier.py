"""hf-sequence-classification on a tiny local BERT: labels, batching, truncation and broken folders."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
import zoo
from zoo.errors import MissingArtifactError, SampleError, UsageError

from zoo_text.hf_classifier import build_hf_sequence_classification


def test_labels_come_from_the_config_and_logits_have_one_column_each(tiny_classifier):
    model = build_hf_sequence_classification(model=str(tiny_classifier))
    assert model.task == "text-classification"
    assert model.labels == ("negative", "positive")
    assert model.bucket_by_length and model.config["fast_tokenizer"]
    logits = model.to("cpu").forward(model.collate(["a good film", "it was dull"]))
    assert logits.shape == (2, 2) and logits.dtype == torch.float32


def test_labels_can_be_renamed_in_output_order(tiny_classifier):
    model = build_hf_sequence_classification(model=str(tiny_classifier), labels="neg,pos")
    assert model.labels == ("neg", "pos")
    with pytest.raises(UsageError, match="labels lists 3 names but the model has 2 outputs"):
        build_hf_sequence_classification(model=str(tiny_classifier), labels=["a", "b", "c"])


def test_batches_pad_to_the_longest_text_not_to_max_length(tiny_classifier):
    model = build_hf_sequence_classification(model=str(tiny_classifier), max_length=24)
    batch = model.collate(["good", "the plot was very dull"])
    assert batch["input_ids"].shape == (2, 7)  # [CLS] + 5 words + [SEP]
    assert batch["attention_mask"].sum(dim=1).tolist() == [3, 7]
    assert model.collate_stats == {"truncated": 0}


def test_texts_longer_than_max_length_are_truncated_and_counted(tiny_classifier):
    model = build_hf_sequence_classification(model=str(tiny_classifier), max_length=8)
    exactly_full = "a b c d e f"  # 6 tokens + 2 specials = 8: fills max_length, not cut
    batch = model.collate(["good film", "the film " * 50, exactly_full])
    assert batch["input_ids"].shape == (3, 8)
    assert model.collate_stats == {"truncated": 1}
    assert model.config["max_length"] == 8


def test_max_length_beyond_the_position_embeddings_or_not_a_number_is_refused(tiny_classifier):
    # The tiny BERT has 64 position embeddings: 100 tokens would crash inside the model on the first long text.
    with pytest.raises(UsageError, match=r"max_length=100 is longer than the model's 64 position embeddings; "
                                         r"give --model-arg max_length=64 or less"):
        build_hf_sequence_classification(model=str(tiny_classifier), max_length=100)
    with pytest.raises(UsageError, match=r"max_length must be an integer of at least 2 tokens, got 'abc'"):
        build_hf_sequence_classification(model=str(tiny_classifier), max_length="abc")
    assert build_hf_sequence_classification(model=str(tiny_classifier), max_length=64).config["max_length"] == 64


def test_without_a_tokenizer_limit_max_length_is_512_capped_by_the_positions(tiny_classifier, tmp_path):
    unset = tmp_path / "no-limit"
    shutil.copytree(tiny_classifier, unset)
    settings = json.loads((unset / "tokenizer_config.json").read_text())
    del settings["model_max_length"]
    (unset / "tokenizer_config.json").write_text(json.dumps(settings))
    assert build_hf_sequence_classification(model=str(unset)).config["max_length"] == 64


def test_empty_or_non_text_inputs_name_their_position(tiny_classifier):
    model = build_hf_sequence_classification(model=str(tiny_classifier))
    with pytest.raises(SampleError, match="sample 1: empty text"):
        model.collate(["good", "   "])
    with pytest.raises(SampleError, match="sample 0: expected text"):
        model.collate([None])


def test_text_pairs_are_encoded_as_pairs(tiny_classifier):
    model = build_hf_sequence_classification(model=str(tiny_classifier))
    batch = model.collate([("a good film", "it is good"), ("bad", "not good")])
    assert batch["token_type_ids"][0].tolist().count(1) == 4  # "it is good" + [SEP]


def test_an_incomplete_tokenizer_folder_says_what_is_missing(tiny_classifier, tmp_path):
    broken = tmp_path / "no-vocab"
    shutil.copytree(tiny_classifier, broken)
    (broken / "vocab.txt").unlink()
    (broken / "tokenizer.json").unlink()
    with pytest.raises(MissingArtifactError, match=r"the tokenizer in .*no-vocab is incomplete: it has "
                                                   r"tokenizer_config\.json, but needs tokenizer\.json"):
        build_hf_sequence_classification(model=str(broken))


def test_a_corrupt_tokenizer_file_is_a_clear_error(tiny_classifier, tmp_path):
    broken = tmp_path / "corrupt"
    shutil.copytree(tiny_classifier, broken)
    (broken / "tokenizer.json").write_text('{"truncated": ', encoding="utf-8")
    (broken / "vocab.txt").unlink()
    with pytest.raises(MissingArtifactError, match=r"cannot load the tokenizer in .*corrupt"):
        build_hf_sequence_classification(model=str(broken))


def test_a_folder_without_weights_or_config_is_a_clear_error(tiny_classifier, tmp_path):
    no_weights = tmp_path / "no-weights"
    shutil.copytree(tiny_classifier, no_weights)
    (no_weights / "model.safetensors").unlink()
    with pytest.raises(MissingArtifactError, match="has no model weights"):
        build_hf_sequence_classification(model=str(no_weights))
    with pytest.raises(MissingArtifactError, match="has no config.json"):
        build_hf_sequence_classification(model=str(tmp_path))
    with pytest.raises(MissingArtifactError, match="does not exist"):
        build_hf_sequence_classification(model=str(tmp_path / "nowhere" / "model"))


def test_remote_code_needs_the_catalogue_and_the_user(tiny_classifier, tmp_path):
    custom = tmp_path / "custom-code"
    shutil.copytree(tiny_classifier, custom)
    config = json.loads((custom / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_evil.EvilModel"}
    (custom / "config.json").write_text(json.dumps(config))
    with pytest.raises(UsageError, match="ships its own Python code"):
        build_hf_sequence_classification(model=str(custom))
    with pytest.raises(UsageError, match="trust_remote_code=true is refused: this entry does not allow remote code"):
        build_hf_sequence_classification(model=str(tiny_classifier), trust_remote_code=True)
    with pytest.raises(UsageError, match="pass --model-arg trust_remote_code=true"):
        build_hf_sequence_classification(model=str(custom), remote_code_allowed=True)


def test_only_a_catalogue_entry_may_allow_remote_code(text_registry, tiny_classifier):
    import zoo

    with pytest.raises(UsageError, match="remote_code_allowed can only be set by a reviewed catalogue entry"):
        zoo.build_model("hf-sequence-classification", registry=text_registry, model=str(tiny_classifier),
                        remote_code_allowed=True, trust_remote_code=True)


def test_a_hub_model_missing_from_the_cache_says_how_to_fetch_it(text_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # an empty cache
    # A catalogue entry names the zoo command that fetches it; the builder given a hub id, the hub's (with the revision).
    with pytest.raises(MissingArtifactError, match=r"hub repository 'distilbert/distilbert-base-uncased-finetuned-"
                                                   r"sst-2-english' at revision 714eb0fa89d2f80546fda750413ed43d93601a13"
                                                   r" is not in the local cache.*`zoo pull distilbert-base-uncased-"
                                                   r"finetuned-sst-2-english`"):
        zoo.build_model("distilbert-base-uncased-finetuned-sst-2-english", registry=text_registry)
    with pytest.raises(MissingArtifactError, match=r"'org/model' at revision 0123abc .*--revision 0123abc"):
        build_hf_sequence_classification(model="org/model", revision="0123abc")


def test_a_revision_is_refused_where_there_is_nothing_to_pin(tiny_classifier):
    with pytest.raises(UsageError, match=r"revision=v1 pins a hub repository, but .* is a local folder"):
        build_hf_sequence_classification(model=str(tiny_classifier), revision="v1")
    with pytest.raises(UsageError, match="pins revision abc, but revision=def was also given"):
        build_hf_sequence_classification(model="hf-hub:org/model@abc", revision="def")


def test_a_package_folder_is_found_without_importing_the_package_and_checked():
    from zoo_text.sources import locate_folder

    with pytest.raises(MissingArtifactError, match="package 'no_such_zoo_package' is not installed"):
        locate_folder("package:no_such_zoo_package/model", what="encoder")
    with pytest.raises(UsageError, match="is a file; give the model's folder"):
        locate_folder("package:zoo_text/catalogue.yaml", what="encoder")
    assert locate_folder("package:zoo_text/weights", what="encoder").is_dir()


def test_no_model_at_all_is_a_usage_error():
    with pytest.raises(UsageError, match="needs a model: --model-arg model="):
        build_hf_sequence_classification()


def test_a_decoder_classifier_without_a_pad_token_pads_with_eos(tmp_path):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2ForSequenceClassification, PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(["a good film", "it was dull", "the plot was very bad"], vocab_size=300,
                            special_tokens=["<|endoftext|>"])
    bpe.save(str(tmp_path / "tokenizer.json"))
    PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "tokenizer.json"), eos_token="<|endoftext|>"
                            ).save_pretrained(tmp_path)
    torch.manual_seed(0)
    GPT2ForSequenceClassification(GPT2Config(vocab_size=bpe.get_vocab_size(), n_layer=1, n_embd=16, n_head=2,
                                             num_labels=2, bos_token_id=0, eos_token_id=0)).save_pretrained(tmp_path)
    model = build_hf_sequence_classification(model=str(tmp_path)).to("cpu")
    together = model.forward(model.collate(["dull", "the plot was very bad"]))
    alone = model.forward(model.collate(["dull"]))
    torch.testing.assert_close(alone[0], together[0], atol=1e-5, rtol=1e-5)  # padding did not leak in


def test_an_entry_with_weights_refuses_another_model(tiny_classifier):
    """The record names the entry's weights; another folder would run under that name."""
    from zoo.specs import WeightsSpec

    with pytest.raises(UsageError, match=r"this catalogue entry is .*, so model=.* would not be what the record names"):
        build_hf_sequence_classification(model=str(tiny_classifier),
                                         weights=WeightsSpec(uri="hf-hub:org/reviewed@abc", format="hf"))
