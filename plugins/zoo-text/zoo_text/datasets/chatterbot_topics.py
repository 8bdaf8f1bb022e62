"""A 21-topic English text set from the ChatterBot corpus 1.3.3 package.

Every utterance of ``chatterbot_corpus/data/english/<topic>.yml`` is labelled
with its topic (the file name). Utterances are stripped and deduplicated
within a topic; the few that appear under two topics are dropped, as their
label is ambiguous. In each topic, utterances are ordered by
``sha256("zoo-text/chatterbot-topics/<seed>" NUL text)`` and the first
``max(1, round(test_fraction * n))`` form the test split, so every class
appears in test. Classes are imbalanced (health: 9 utterances, trivia: 537),
which is what makes macro-F1 differ from accuracy here.

The English files are pinned by one sha256 over every file's name and sha256
(``SOURCE_SHA256``); every language comes from version 1.3.3 (installed, or its
sha256-pinned wheel, see :mod:`zoo.assets`).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import yaml
from zoo.assets import fetch_command, package_path
from zoo.errors import UsageError
from zoo.weights import IntegrityError, sha256_file

from zoo_text.datasets.base import TextDataset, fingerprint_of, sha256_bytes, split_rank

__all__ = ["SOURCE_SHA256", "build_chatterbot_topics"]

DISTRIBUTION, VERSION = "chatterbot-corpus", "1.3.3"
REQUIREMENT = f"{DISTRIBUTION}=={VERSION}"
SOURCE_SHA256 = {"english": "03a15871f974f4cdc5c5a93723cfc10963e6b107fc33958feae72be9bf97e2de"}
WHEEL_SHA256 = "86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154"  # its py2.py3-none-any wheel


@lru_cache(maxsize=2)
def _read_topics(folder: str) -> tuple[dict[str, dict[str, str]], str]:
    """{topic: {utterance: first position}} and a sha256 over every file read."""
    topics: dict[str, dict[str, str]] = {}
    hashes = []
    for path in sorted(Path(folder).glob("*.yml")):
        hashes.append(f"{path.name}:{sha256_file(path)}")
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        seen: dict[str, str] = {}
        for c, conversation in enumerate(document.get("conversations") or [], start=1):
            for u, utterance in enumerate(conversation or [], start=1):
                text = str(utterance).strip() if utterance is not None else ""
                if text and text not in seen:
                    seen[text] = f"{path.name} conversation {c} line {u}"
        topics[path.stem] = seen
    return topics, sha256_bytes("\n".join(hashes).encode())


def build_chatterbot_topics(*, split: str, test_fraction: float = 0.2, seed: int = 0,
                            language: str = "english") -> TextDataset:
    """One split of the topic set (see the module docstring for the rule)."""
    if split not in ("train", "test"):
        raise UsageError(f"chatterbot-topics has splits train and test, not {split!r}")
    if not 0.0 < float(test_fraction) < 1.0:
        raise UsageError(f"chatterbot-topics: test_fraction must be between 0 and 1, got {test_fraction!r}")
    folder = package_path(REQUIREMENT, f"data/{language}", what="dataset chatterbot-topics",
                          wheel_sha256=WHEEL_SHA256)
    topics, source_sha256 = _read_topics(str(folder))
    pinned = SOURCE_SHA256.get(language)
    if pinned is not None and source_sha256 != pinned:
        raise IntegrityError(f"{folder}: the {language} topic files hash to {source_sha256}, not the pinned "
                             f"{DISTRIBUTION} {VERSION} copy ({pinned}); delete them and fetch the wheel: "
                             f"`{fetch_command(REQUIREMENT)}`")
    owners: dict[str, list[str]] = defaultdict(list)
    for topic, utterances in topics.items():
        for text in utterances:
            owners[text].append(topic)
    labels = tuple(sorted(topics))
    salt = f"zoo-text/chatterbot-topics/{int(seed)}"
    texts, targets, ids = [], [], []
    for target, topic in enumerate(labels):
        unique = sorted((t for t in topics[topic] if len(owners[t]) == 1), key=lambda t: split_rank(salt, t))
        cut = max(1, round(float(test_fraction) * len(unique)))
        for text in (unique[:cut] if split == "test" else unique[cut:]):
            texts.append(text)
            targets.append(target)
            ids.append(topics[topic][text])
    definition = {"rule": "per topic, sha256 order", "salt": salt, "test_fraction": float(test_fraction),
                  "split": split, "language": language}
    dataset = TextDataset(
        labels=labels, split=split, texts=list(texts), targets=list(targets), ids=ids,
        fingerprint=fingerprint_of(source_sha256, definition, ids),
        info={"source": f"{REQUIREMENT}:chatterbot_corpus/data/{language}", "split_rule": definition,
              "dropped_ambiguous": sum(1 for topics_of in owners.values() if len(topics_of) > 1),
              "license": "BSD-3-Clause", "citation": "Gunther Cox, ChatterBot Language Training Corpus 1.3.3"},
    )
    dataset.info = {**dataset.info, "label_counts": dataset.label_counts()}
    return dataset
