"""zoo-speech: speech recognition and spoken-word classification for zoo.

This entry module only declares entries; every builder is an import string,
so `zoo list` imports no torch, transformers, soundfile or pocketsphinx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import zoo

from zoo_speech.hub_datasets import register_hub_datasets

__all__ = ["DIGITS", "register_catalogues", "register_datasets", "register_models"]

# The ten digit words, in class-index order: the bundled digit datasets, the CNN and the
# PocketSphinx digit grammar all take their labels from here.
DIGITS: Final = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# Both tasks, and their metrics (wer, cer, accuracy, macro-f1), are zoo's built-in ones (zoo.builtin).
ASR, CLS = "speech-recognition", "audio-classification"
SYNTH_CITATION = ("zoo-speech spoken-digits-synth, generated with eSpeak NG 1.51 (https://github.com/espeak-ng/espeak-ng) "
                  "and CMU Flite 2.2 (http://cmuflite.org) by scripts/generate_spoken_digits.py")


@zoo.hookimpl
def register_models(register: Any) -> None:
    hf_args = "model (hub id org/repo or a local folder), revision (a commit to pin)"
    # Generic builders are templates: trained weights come from model= (a hub id or folder), or from a
    # catalogue entry; PocketSphinx's templates carry the model the pocketsphinx wheel ships.
    hub = dict(template=True, weights_args=["model"])
    sphinx_model = {"uri": "package:pocketsphinx/model/en-us/en-us/means",
                    "sha256": "832019e32cac12eb318964f96f469034acb12d0348eeddc3831831a100cb4dd4"}
    register("hf-ctc", task=ASR, builder="zoo_speech.hf_ctc:build_ctc", license="NOASSERTION", **hub,
             tags=["transformers", "ctc"], source="https://huggingface.co/docs/transformers/model_doc/wav2vec2",
             description=f"transformers CTC recognisers (wav2vec2, HuBERT...) with their processor, greedy "
                         f"decoding, input resampled to the model's rate. Args: {hf_args}, max_seconds")
    register("whisper", task=ASR, builder="zoo_speech.hf_whisper:build_whisper", license="NOASSERTION", **hub,
             tags=["transformers", "whisper"], source="https://huggingface.co/docs/transformers/model_doc/whisper",
             paper="https://arxiv.org/abs/2212.04356",
             description=f"Whisper (WhisperForConditionalGeneration): greedy, English transcription, no "
                         f"timestamps by default; clips up to 30 s. Args: {hf_args}, language, task, timestamps")
    register("hf-audio-classification", task=CLS, builder="zoo_speech.hf_classifier:build_audio_classifier",
             license="NOASSERTION", **hub, tags=["transformers", "keyword-spotting"],
             source="https://huggingface.co/docs/transformers/tasks/audio_classification",
             description=f"AutoModelForAudioClassification with its feature extractor; labels from "
                         f"config.id2label. Args: {hf_args}, max_seconds")
    register("pocketsphinx", task=ASR, builder="zoo_speech.sphinx:build_pocketsphinx", license="BSD-2-Clause",
             template=True, weights=sphinx_model,
             tags=["pocketsphinx", "offline", "pretrained"], source="https://github.com/cmusphinx/pocketsphinx",
             default_dataset="spoken-digits-synth-transcripts",
             description="CMU PocketSphinx 5 with its bundled US-English acoustic model, dictionary and "
                         "n-gram language model: free transcription, CPU only, no download")
    register("pocketsphinx-words", task=CLS, builder="zoo_speech.sphinx:build_pocketsphinx_words",
             license="BSD-2-Clause", template=True, weights=sphinx_model,
             tags=["pocketsphinx", "offline", "pretrained", "keyword-spotting"],
             source="https://github.com/cmusphinx/pocketsphinx", args={"words": list(DIGITS)},
             default_dataset="spoken-digits-synth",
             description="PocketSphinx as a spoken-word classifier: a JSGF grammar of one word from `words` "
                         "(the digits by default); no word found -> class _unknown_")
    register("digits-cnn", task=CLS, builder="zoo_speech.digits_cnn:build_digits_cnn", license="Apache-2.0",
             template=True, weights_args=["checkpoint"],
             tags=["cnn", "log-mel", "trained-here"], default_dataset="spoken-digits-synth",
             description="A small log-mel CNN for one spoken digit (1.5 s window, 16 kHz), to train or load: "
                         "checkpoint=FILE.safetensors (checkpoint_sha256= pins it); the trained weights are the "
                         "catalogue entry digits-cnn-synth")


@zoo.hookimpl
def register_datasets(register: Any) -> None:
    synth = dict(builder="zoo_speech.bundled_data:build_spoken_digits_synth", splits=["train", "test"],
                 default_split="test", license="CC0-1.0", citation=SYNTH_CITATION, size={"train": 500, "test": 160},
                 tags=["synthetic", "digits", "bundled"])
    register("spoken-digits-synth", task=CLS, **synth,
             description="The ten digit words by 42 espeak-ng voices (7 English accents) and 4 flite voices "
                         "for train, 14 other espeak-ng voices and flite 'slt' for test: no voice in both. "
                         "16 kHz mono FLAC, shipped in the package; generated, not recorded")
    register("spoken-digits-synth-transcripts", task=ASR, **synth, args={"task": ASR},
             description="spoken-digits-synth with each digit word as a transcript, for recognisers")
    numbers = dict(builder="zoo_speech.bundled_data:build_spokennumbers", splits=["test"], license="MIT",
                   source="https://github.com/Penlect/spokennumbers", size={"test": 10},
                   citation="Daniel Andersson, spokennumbers 1.0.0 (PyPI), https://github.com/Penlect/spokennumbers",
                   tags=["real-voice", "digits"])
    register("spokennumbers", task=CLS, **numbers,
             description="One real English voice saying zero..nine (spokennumbers 1.0.0, 44.1 kHz stereo, "
                         "sha256-pinned): a tiny real-voice test set")
    register("spokennumbers-transcripts", task=ASR, **numbers, args={"task": ASR},
             description="spokennumbers with each digit word as a transcript, for recognisers")
    register("alsa-channel-names", task=ASR, builder="zoo_speech.bundled_data:build_alsa_channel_names",
             splits=["test"], license="GPL-2.0-or-later", size={"test": 8}, tags=["real-voice", "system"],
             source="https://github.com/alsa-project/alsa-utils",
             citation="ALSA project, alsa-utils (Debian package), /usr/share/sounds/alsa",
             description="A real voice saying the speaker channel names ('front left', ...) that Debian's "
                         "alsa-utils installs in /usr/share/sounds/alsa (arg root); absent: apt-get install alsa-utils")
    user = ["all", "train", "validation", "test"]
    register("audio-folder", task=CLS, builder="zoo_speech.user_data:build_audio_folder", splits=user,
             default_split="all", license="NOASSERTION", tags=["local"],
             description="Your clips, a subfolder per class: arg root=DIR (DIR/<class>/*.wav|flac|ogg, or "
                         "DIR/<split>/<class>/ for a split); any rate, stereo mixed to mono")
    manifest = dict(builder="zoo_speech.user_data:build_manifest", splits=user, default_split="all",
                    license="NOASSERTION", tags=["local"])
    register("manifest", task=ASR, **manifest,
             description="Your clips listed in a JSONL/CSV file: arg path=FILE with columns path (relative to "
                         "the file) and transcript, optionally split")
    register("manifest-labels", task=CLS, **manifest, args={"task": CLS},
             description="Your clips listed in a JSONL/CSV file: arg path=FILE with columns path and label, "
                         "optionally split")
    register_hub_datasets(register)  # librispeech, speech-commands-v2: read from the Hugging Face cache


@zoo.hookimpl
def register_catalogues(register: Any) -> None:
    register(str(Path(__file__).with_name("catalogue.yaml")))
