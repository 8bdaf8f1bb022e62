"""Test helpers: a tone generator and tiny randomly initialised transformers speech models.

They have the real classes, processors and file layout of hub checkpoints
(config.json, safetensors, feature extractor, tokenizer), so the builders
load them exactly as they load a downloaded model; only the sizes are tiny.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RATE = 16_000


def tone(seconds: float = 0.5, rate: int = RATE, channels: int = 1, frequency: float = 440.0) -> np.ndarray:
    """A sine at 0.3 of full scale; (samples, channels) when channels > 1, as soundfile writes it."""
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.3 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    return np.stack([wave] * channels, axis=1) if channels > 1 else wave

LETTERS = list("abcdefghijklmnopqrstuvwxyz'")
SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
             conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 4), num_conv_pos_embeddings=16,
             num_conv_pos_embedding_groups=2)


def _feature_extractor():
    from transformers import Wav2Vec2FeatureExtractor

    return Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16_000, padding_value=0.0,
                                    do_normalize=True, return_attention_mask=True)


def save_tiny_ctc(folder: Path, architecture: str = "wav2vec2") -> Path:
    """A CTC recogniser (wav2vec2 or hubert) with a character vocabulary and its processor."""
    import torch
    from transformers import (HubertConfig, HubertForCTC, Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2ForCTC,
                              Wav2Vec2Processor)

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = {token: i for i, token in enumerate(["<pad>", "<s>", "</s>", "<unk>", "|", *LETTERS])}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(str(folder / "vocab.json"), unk_token="<unk>", pad_token="<pad>",
                                     word_delimiter_token="|")
    Wav2Vec2Processor(feature_extractor=_feature_extractor(), tokenizer=tokenizer).save_pretrained(folder)
    config_class, model_class = ((HubertConfig, HubertForCTC) if architecture == "hubert"
                                 else (Wav2Vec2Config, Wav2Vec2ForCTC))
    model = model_class(config_class(vocab_size=len(vocab), pad_token_id=0, **SMALL))
    model.save_pretrained(folder)
    return folder


def save_tiny_audio_classifier(folder: Path, labels: list[str]) -> Path:
    """A wav2vec2 sequence classifier over ``labels`` (config.id2label) and its feature extractor."""
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2ForSequenceClassification

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    _feature_extractor().save_pretrained(folder)
    config = Wav2Vec2Config(num_labels=len(labels), id2label=dict(enumerate(labels)),
                            label2id={label: i for i, label in enumerate(labels)}, classifier_proj_size=16, **SMALL)
    Wav2Vec2ForSequenceClassification(config).save_pretrained(folder)
    return folder


def _byte_symbols() -> list[str]:
    """GPT-2's printable stand-ins for the 256 byte values (the base of Whisper's vocabulary)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1),
                 *range(ord("\u00ae"), ord("\u00ff") + 1)]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def save_tiny_whisper(folder: Path) -> Path:
    """An English-only Whisper with a byte-level vocabulary, its special tokens and processor."""
    import torch
    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration, WhisperProcessor, WhisperTokenizer)

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    symbols = _byte_symbols()
    specials = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|translate|>",
                "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    vocab = {token: i for i, token in enumerate(symbols + specials)}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = WhisperTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                                 unk_token="<|endoftext|>", bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                 pad_token="<|endoftext|>", additional_special_tokens=specials[1:])
    WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tokenizer).save_pretrained(folder)
    ids = {token: vocab[token] for token in specials}
    config = WhisperConfig(vocab_size=len(vocab), num_mel_bins=80, d_model=32, encoder_layers=1, decoder_layers=1,
                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                           decoder_ffn_dim=64, max_source_positions=1500, max_target_positions=16,
                           pad_token_id=ids["<|endoftext|>"], bos_token_id=ids["<|endoftext|>"],
                           eos_token_id=ids["<|endoftext|>"], decoder_start_token_id=ids["<|startoftranscript|>"])
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=ids["<|endoftext|>"],
        pad_token_id=ids["<|endoftext|>"], bos_token_id=ids["<|endoftext|>"],
        no_timestamps_token_id=ids["<|notimestamps|>"], is_multilingual=False)
    model.save_pretrained(folder)
    return folder
