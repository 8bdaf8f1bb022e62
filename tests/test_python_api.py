"""The Python API on built objects: zoo.evaluate, zoo.predict, Model.predict and zoo.embed."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from click.testing import CliRunner

import zoo
from zoo import SampleError, UsageError
from zoo.cli import make_cli
from zoo.testing.toy import KeywordModel, build_copy_transcriber, build_keyword_model, build_reviews


def test_evaluate_takes_what_build_model_and_build_dataset_return(toy_registry):
    model = zoo.build_model("keyword", registry=toy_registry)
    dataset = zoo.build_dataset("reviews", registry=toy_registry)
    by_name = zoo.evaluate("keyword", "reviews", registry=toy_registry)
    built = zoo.evaluate(model, dataset, registry=toy_registry)
    assert built["metrics"] == by_name["metrics"]
    assert model.built_from.spec.id == "toys:keyword"
    # The record names the entries the objects were built from, and their weights and parameters.
    assert built["model"]["id"] == "toys:keyword" and built["dataset"]["id"] == "toys:reviews"
    assert built["model"]["object"] == "zoo.testing.toy.KeywordModel"
    assert built["model"]["labels"] == ["negative", "positive"] and built["model"]["parameters"] == 4
    assert built["reported"] == by_name["reported"] and built["replayable"] is True


def test_a_built_objects_run_repeats_with_its_builder_arguments(toy_registry, tmp_path):
    model = zoo.build_model("keyword", registry=toy_registry, keywords=["dull", "awful"])
    record = zoo.evaluate(model, "reviews", registry=toy_registry, output=tmp_path / "run.json")
    assert record["request"]["model_args"] == {"keywords": ["dull", "awful"]}
    assert record["metrics"] != zoo.evaluate("keyword", "reviews", registry=toy_registry)["metrics"]
    result = CliRunner().invoke(make_cli(lambda settings: toy_registry),
                                ["run", "--from", str(tmp_path / "run.json"), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["metrics"] == record["metrics"]


def test_an_object_no_entry_built_is_recorded_by_class_and_cannot_be_replayed(toy_registry, tmp_path):
    model = build_keyword_model()  # called directly: zoo does not know where it came from
    record = zoo.evaluate(model, "reviews", registry=toy_registry, output=tmp_path / "run.json")
    assert record["metrics"] == zoo.evaluate("keyword", "reviews", registry=toy_registry)["metrics"]
    assert record["model"]["id"] is None and record["request"]["model"] is None
    assert record["model"]["object"] == "zoo.testing.toy.KeywordModel" and record["model"]["task"] == "text-classification"
    assert record["replayable"] is False
    assert "zoo.testing.toy.KeywordModel object that no catalogue entry built" in record["not_replayable_because"][0]
    result = CliRunner().invoke(make_cli(lambda settings: toy_registry), ["run", "--from", str(tmp_path / "run.json")])
    assert result.exit_code == 2
    assert "this run cannot be repeated: the model is a zoo.testing.toy.KeywordModel object" in result.output
    assert "Traceback" not in result.output


def test_a_users_own_dataset_object_is_evaluated(toy_registry):
    dataset = build_reviews(split="test", size=12)
    record = zoo.evaluate("keyword", dataset, registry=toy_registry)
    assert record["samples"]["evaluated"] == 12 and record["dataset"]["id"] is None
    assert record["dataset"]["object"] == "zoo.testing.toy.ReviewsDataset" and record["dataset"]["split"] == "test"
    assert record["dataset"]["fingerprint"] == dataset.fingerprint
    assert record["reported"] == []  # the catalogue's number was measured on other data
    assert record["replayable"] is False


def _one_line_error(call) -> str:
    with pytest.raises(UsageError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def test_wrong_objects_are_named_by_their_type_never_their_printout(toy_registry):
    import torch

    module = torch.nn.Sequential(*[torch.nn.Linear(8, 8) for _ in range(20)])
    message = _one_line_error(lambda: zoo.evaluate(module, "reviews", registry=toy_registry))
    assert "not a torch.nn.modules.container.Sequential" in message and "in_features" not in message
    assert "zoo.build_model(NAME)" in message
    dataset = build_reviews(split="test")
    message = _one_line_error(lambda: zoo.evaluate(dataset, "reviews", registry=toy_registry))
    assert "it is a dataset: pass it as the dataset" in message
    message = _one_line_error(lambda: zoo.evaluate("keyword", build_keyword_model(), registry=toy_registry))
    assert "not a zoo.testing.toy.KeywordModel" in message and "it is a model: pass it as the model" in message


def test_a_model_object_and_a_dataset_of_another_task_are_refused(toy_registry):
    message = _one_line_error(lambda: zoo.evaluate(build_copy_transcriber(), "reviews", registry=toy_registry))
    assert message == ("model object zoo.testing.toy.CopyTranscriber is for task 'toy-transcription' but dataset "
                       "toys:reviews is for 'text-classification'; see `zoo list datasets --task toy-transcription`")


@pytest.mark.parametrize("kwargs,expected", [
    ({"model_args": {"keywords": ["dull"]}}, "model_args build a model, but model toys:keyword is already built"),
    ({"split": "train"}, "dataset toys:reviews is its 'test' split, not 'train'"),
    ({"dataset_args": {"size": 3}}, "dataset_args build a dataset, but dataset toys:reviews is already built"),
])
def test_options_that_would_rebuild_a_built_object_are_refused(toy_registry, kwargs, expected):
    model = zoo.build_model("keyword", registry=toy_registry)
    dataset = zoo.build_dataset("reviews", registry=toy_registry)
    assert expected in _one_line_error(lambda: zoo.evaluate(model, dataset, registry=toy_registry, **kwargs))


@dataclass
class ProbabilityModel(KeywordModel):
    """The keyword model with a softmax inside: its outputs are already probabilities."""

    def forward(self, batch):
        return self.module(batch["counts"]).softmax(-1)


def _keyword_model(score_kind):
    built = build_keyword_model(labels=("negative", "positive", "neutral"))
    model_type = ProbabilityModel if score_kind == "probabilities" else KeywordModel
    return model_type(task=built.task, labels=built.labels, module=built.module, keywords=built.keywords,
                      score_kind=score_kind)


def test_predict_shows_softmax_of_logits(toy_registry):
    model = _keyword_model("logits")
    (result,) = zoo.predict(model, ["a good film"], top_k=3, registry=toy_registry)
    logits = model.forward(model.collate(["a good film"]))[0]
    expected = sorted(zip(logits.softmax(-1).tolist(), model.labels), reverse=True)
    assert [(entry["label"], entry["score"]) for entry in result["top"]] == \
        [(label, pytest.approx(score, abs=1e-6)) for score, label in expected]


def test_predict_shows_probabilities_as_they_are(toy_registry):
    model = _keyword_model("probabilities")
    (result,) = zoo.predict(model, ["a good film"], top_k=2, registry=toy_registry)
    probabilities = model.forward(model.collate(["a good film"]))[0].tolist()
    assert [entry["score"] for entry in result["top"]] == pytest.approx(sorted(probabilities, reverse=True)[:2], abs=1e-6)


def test_predict_shows_a_one_hot_decision_without_a_confidence(toy_registry):
    model = _keyword_model("one-hot")
    results = zoo.predict(model, ["a good film", "a dull film"], top_k=3, registry=toy_registry)
    assert [result["top"] for result in results] == [[{"label": "positive", "score": None}],
                                                      [{"label": "negative", "score": None}]]


def test_an_unknown_score_kind_is_named(toy_registry):
    model = _keyword_model("votes")
    message = _one_line_error(lambda: zoo.predict(model, ["a good film"], registry=toy_registry))
    assert message == ("model object zoo.testing.toy.KeywordModel: score_kind must be one of logits, probabilities, "
                       "one-hot, not 'votes'")


def test_model_predict_is_zoo_predict_where_the_model_is(toy_registry):
    model = zoo.build_model("keyword", registry=toy_registry)
    assert model.predict("a great plot", registry=toy_registry) == \
        zoo.predict("keyword", ["a great plot"], registry=toy_registry)
    (result,) = model.predict(["a dull plot"], top_k=1, registry=toy_registry)
    assert result["input"] == "a dull plot" and result["top"][0]["label"] == "negative"
    assert model.device == "cpu"


def test_predict_names_a_bad_in_memory_input_by_its_position(toy_registry):
    model = zoo.build_model("keyword", registry=toy_registry)
    with pytest.raises(SampleError, match="^sample input 2: empty text$"):
        zoo.predict(model, ["good", "fine", 7], registry=toy_registry)


def test_predict_transcribes_with_a_built_model(toy_registry):
    model = zoo.build_model("copy", registry=toy_registry, drop_every=2)
    assert zoo.predict(model, ["one two three four"], registry=toy_registry) == \
        [{"input": "one two three four", "transcript": "one three"}]


@dataclass
class CountingModel(KeywordModel):
    """A keyword model that also gives features: how many keywords each text has."""

    def embed(self, batch):
        return batch["counts"]


def test_embed_returns_one_float32_row_per_input(toy_registry):
    base = build_keyword_model()
    model = CountingModel(task=base.task, labels=base.labels, module=base.module, keywords=("good", "great"))
    features = zoo.embed(model, ["a good film", "a dull film", "good, great and good"], batch_size=2,
                         registry=toy_registry)
    assert isinstance(features, np.ndarray) and features.dtype == np.float32
    assert features.tolist() == [[1.0], [0.0], [2.0]]


def test_embed_refuses_a_model_without_embeddings_in_one_line(toy_registry):
    message = _one_line_error(lambda: zoo.embed(zoo.build_model("keyword", registry=toy_registry), ["a film"],
                                                registry=toy_registry))
    assert message.startswith("model toys:keyword (KeywordModel) gives no embeddings: it has no embed(batch) method")


def test_predict_and_embed_are_public_and_the_engine_module_is_not(toy_registry):
    import zoo.engine

    assert {"predict", "embed", "evaluate", "BuiltFrom", "SCORE_KINDS"} <= set(zoo.__all__)
    assert "predict" not in zoo.engine.__all__


def test_evaluate_many_names_a_model_object_by_its_type(toy_registry):
    from zoo.engine import evaluate_many

    message = _one_line_error(lambda: evaluate_many([zoo.build_model("keyword", registry=toy_registry)], "reviews",
                                                    registry=toy_registry))
    assert message == "run request: model must be a name, not a zoo.testing.toy.KeywordModel object"


@pytest.mark.parametrize("kwargs,expected", [
    ({"model_args": {"progress": True}}, "--model-arg progress: that name is zoo's own, not a builder argument"),
    ({"dataset_args": {"split": "train"}}, "--dataset-arg split: that name is zoo's own, not a builder argument"),
])
def test_builder_arguments_named_like_zoos_own_are_refused(toy_registry, kwargs, expected):
    assert _one_line_error(lambda: zoo.evaluate("keyword", "reviews", registry=toy_registry, **kwargs)).startswith(expected)
