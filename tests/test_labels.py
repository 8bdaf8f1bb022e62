"""Dataset classes find model classes by name: whole labels first, then ImageNet-style synonyms."""

from __future__ import annotations

import pytest

from zoo import LabelMismatchError
from zoo.engine import evaluate
from zoo.engine.labels import target_mapping

# ImageNet-1k class names as timm describes them (zoo-vision appends the synset to the two "crane"s).
IMAGENET_LIKE = ["tench, Tinca tinca", "tabby, tabby cat", "tiger cat", "Egyptian cat",
                 "lesser panda, red panda, panda, bear cat, cat bear, Ailurus fulgens",
                 "giant panda, panda, panda bear, coon bear, Ailuropoda melanoleuca",
                 "ruffed grouse, partridge, Bonasa umbellus", "partridge",
                 "crane (n02012849)", "crane (n03126707)"]


def test_a_folder_named_by_one_synonym_finds_its_class():
    assert target_mapping(IMAGENET_LIKE, ["tabby", "Tabby  Cat", "tench"]) == [1, 1, 0]


def test_synonyms_match_whole_not_as_substrings():
    # "cat" is inside "tabby cat", "tiger cat" and "bear cat" but is none of their synonyms.
    with pytest.raises(LabelMismatchError, match=r"dataset has \['cat'\] which model lacks"):
        target_mapping(IMAGENET_LIKE, ["cat"])


def test_a_whole_label_is_preferred_to_a_synonym_of_another():
    # "partridge" is a class of its own and a synonym of the ruffed grouse.
    assert target_mapping(IMAGENET_LIKE, ["partridge", "tiger cat"]) == [7, 2]


@pytest.mark.parametrize("name, classes", [
    ("panda", r"'lesser panda, red panda, panda, bear ...' \(class 4\), 'giant panda, panda, panda bear, coon ...' \(class 5\)"),
    ("crane", r"'crane \(n02012849\)' \(class 8\), 'crane \(n03126707\)' \(class 9\)"),
])
def test_a_synonym_of_two_classes_is_an_error_naming_both(name, classes):
    with pytest.raises(LabelMismatchError, match=rf"dataset label '{name}' matches 2 classes of model: {classes}; "
                                                 r"pass --label-map FILE"):
        target_mapping(IMAGENET_LIKE, [name, "tabby"])


def test_a_label_map_settles_an_ambiguous_synonym():
    assert target_mapping(IMAGENET_LIKE, ["panda"], {"panda": "giant panda, panda, panda bear, coon bear, "
                                                              "Ailuropoda melanoleuca"}) == [5]


def test_a_mismatch_error_quotes_a_few_labels_and_counts_the_rest():
    model_labels = [f"class number {i}, a rather long synonym that goes on and on" for i in range(1000)]
    dataset_labels = ["tabbby"] + [f"folder {i}" for i in range(40)]
    with pytest.raises(LabelMismatchError) as caught:
        target_mapping(model_labels + ["tabby, tabby cat"], dataset_labels, model="model m", dataset="dataset d")
    message = str(caught.value)
    assert "dataset d has ['tabbby', 'folder 0', 'folder 1', 'folder 2', 'folder 3', ... (41 in all)]" in message
    assert "(closest model m label to 'tabbby': 'tabby, tabby cat')" in message
    assert "'class number 0, a rather long synonym...', " in message and "(1001 in all)]" in message
    assert len(message) < 600 and "\n" not in message


def test_evaluation_matches_dataset_classes_to_synonym_labels(toy_registry):
    plain = evaluate("keyword", "reviews", registry=toy_registry)
    with_synonyms = evaluate("keyword", "reviews", registry=toy_registry,
                             model_args={"labels": ["bad, negative", "good, positive"]})
    assert with_synonyms["metrics"] == plain["metrics"]
