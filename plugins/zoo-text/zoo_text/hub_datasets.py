"""Well-known text-classification datasets on the Hugging Face hub, as zoo datasets.

Each entry is zoo's own reader (``zoo.hf_datasets``) with the hub id, config
and columns filled in: ``zoo pull --dataset NAME`` fetches the files of its
splits into the Hugging Face cache, then ``zoo run MODEL --dataset NAME`` reads
them offline; class names come from each dataset's ``ClassLabel`` column.
Revisions are not pinned (no commit could be checked offline): a run
records the commit it read in the dataset's fingerprint. Licences are the
dataset cards' (NOASSERTION where a card names none, or only "other" or
"unknown", which are not SPDX ids). Pure data: the entry
module imports it without importing ``datasets``.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["HUB_DATASETS", "register_hub_datasets"]

TASK: Final = "text-classification"
BUILDER: Final = "zoo.hf_datasets:text_classification"
GLUE: Final = ("Alex Wang, Amanpreet Singh, Julian Michael, Felix Hill, Omer Levy and Samuel R. Bowman. 2019. GLUE: "
               "A Multi-Task Benchmark and Analysis Platform for Natural Language Understanding. In ICLR 2019.")

HUB_DATASETS: Final[tuple[dict[str, Any], ...]] = (
    dict(name="sst2", splits=["validation", "train"], size={"validation": 872, "train": 67349},
         args={"path": "nyu-mll/glue", "config": "sst2", "text": "sentence", "sample_id": "idx"},
         license="NOASSERTION", source="https://huggingface.co/datasets/nyu-mll/glue",  # the card: license other
         tags=["sentiment", "english", "glue", "hugging-face"],
         citation="Richard Socher, Alex Perelygin, Jean Wu, Jason Chuang, Christopher D. Manning, Andrew Ng and "
                  "Christopher Potts. 2013. Recursive Deep Models for Semantic Compositionality Over a Sentiment "
                  f"Treebank. In EMNLP 2013. {GLUE}",
         description="GLUE's SST-2 (Stanford Sentiment Treebank, binary): movie-review sentences, negative/positive; "
                     "the test split's labels are hidden, so models are compared on validation."),
    dict(name="mnli", splits=["validation_matched", "validation_mismatched"],
         size={"validation_matched": 9815, "validation_mismatched": 9832},
         args={"path": "nyu-mll/glue", "config": "mnli", "text": "premise", "text_pair": "hypothesis",
               "sample_id": "idx"},
         license="NOASSERTION", source="https://huggingface.co/datasets/nyu-mll/glue",  # the card: license other
         tags=["nli", "english", "glue", "pairs", "hugging-face"],
         citation="Adina Williams, Nikita Nangia and Samuel R. Bowman. 2018. A Broad-Coverage Challenge Corpus for "
                  f"Sentence Understanding through Inference. In NAACL-HLT 2018. {GLUE}",
         description="GLUE's MultiNLI: (premise, hypothesis) pairs labelled entailment, neutral or contradiction; "
                     "matched (genres seen in training) and mismatched validation splits."),
    dict(name="anli", splits=["test_r1", "test_r2", "test_r3"], default_split="test_r3",
         size={"test_r1": 1000, "test_r2": 1000, "test_r3": 1200},
         args={"path": "facebook/anli", "text": "premise", "text_pair": "hypothesis", "sample_id": "uid"},
         license="CC-BY-NC-4.0", source="https://huggingface.co/datasets/facebook/anli",
         tags=["nli", "english", "adversarial", "pairs", "hugging-face"],
         citation="Yixin Nie, Adina Williams, Emily Dinan, Mohit Bansal, Jason Weston and Douwe Kiela. 2020. "
                  "Adversarial NLI: A New Benchmark for Natural Language Understanding. In ACL 2020.",
         description="Adversarial NLI: (premise, hypothesis) pairs written to fool strong models, three rounds, "
                     "labelled entailment, neutral or contradiction."),
    dict(name="imdb", splits=["test", "train"], size={"test": 25000, "train": 25000},
         args={"path": "stanfordnlp/imdb", "labels": ["negative", "positive"]}, license="NOASSERTION",  # card: other
         source="https://huggingface.co/datasets/stanfordnlp/imdb", tags=["sentiment", "english", "hugging-face"],
         citation="Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang, Andrew Y. Ng and Christopher Potts. "
                  "2011. Learning Word Vectors for Sentiment Analysis. In ACL 2011.",
         description="IMDb Large Movie Review Dataset: 50,000 whole reviews, balanced; the hub's classes neg/pos "
                     "are named negative/positive, as sentiment models name them."),
    dict(name="ag-news", splits=["test", "train"], size={"test": 7600, "train": 120000},
         args={"path": "fancyzhx/ag_news"}, license="NOASSERTION",  # the card: license unknown
         source="https://huggingface.co/datasets/fancyzhx/ag_news", tags=["topic", "english", "news", "hugging-face"],
         citation="Xiang Zhang, Junbo Zhao and Yann LeCun. 2015. Character-level Convolutional Networks for Text "
                  "Classification. In NeurIPS 2015.",
         description="AG's News: news titles and descriptions in 4 topics (World, Sports, Business, Sci/Tech)."),
    dict(name="rotten-tomatoes-hub", splits=["test", "validation", "train"],
         size={"test": 1066, "validation": 1066, "train": 8530},
         args={"path": "cornell-movie-review-data/rotten_tomatoes", "labels": ["negative", "positive"]},
         license="NOASSERTION",  # the card: license unknown
         source="https://huggingface.co/datasets/cornell-movie-review-data/rotten_tomatoes",
         tags=["sentiment", "english", "hugging-face"],
         citation="Bo Pang and Lillian Lee. 2005. Seeing stars: Exploiting class relationships for sentiment "
                  "categorization with respect to rating scales. In Proceedings of ACL 2005, pages 115-124.",
         description="The whole Pang & Lee sentence polarity set (10,662 snippets) as the hub splits it, its "
                     "classes neg/pos named negative/positive; rotten-tomatoes is the bundled, offline subset."),
    dict(name="emotion", splits=["test", "validation", "train"], size={"test": 2000, "validation": 2000, "train": 16000},
         args={"path": "dair-ai/emotion", "config": "split"}, license="NOASSERTION",  # the card: license other
         source="https://huggingface.co/datasets/dair-ai/emotion", tags=["emotion", "english", "hugging-face"],
         citation="Elvis Saravia, Hsien-Chi Toby Liu, Yen-Hao Huang, Junlin Wu and Yi-Shin Chen. 2018. CARER: "
                  "Contextualized Affect Representations for Emotion Recognition. In EMNLP 2018.",
         description="English tweets labelled with six emotions: sadness, joy, love, anger, fear, surprise."),
)


def register_hub_datasets(register: Any) -> None:
    """Register every entry of :data:`HUB_DATASETS` (the plugin's ``register_datasets`` calls it)."""
    for entry in HUB_DATASETS:
        fields = dict(entry)
        name = fields.pop("name")
        fields.setdefault("default_split", fields["splits"][0])
        register(name, task=TASK, builder=BUILDER, **fields)
