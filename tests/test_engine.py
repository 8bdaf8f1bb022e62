"""zoo.evaluate on tiny real torch models: results, errors, records."""

from __future__ import annotations

import json

import pytest

from zoo import LabelMismatchError, UsageError
from zoo import predict
from zoo.engine import evaluate, evaluate_many
from zoo.testing.toy import build_keyword_model, build_reviews


def hand_computed_accuracy(size=40):
    """Accuracy of the keyword model on the toy reviews, computed without zoo."""
    dataset = build_reviews(split="test", size=size)
    model = build_keyword_model()
    predictions = model.forward(model.collate(list(dataset.texts))).argmax(-1).tolist()
    return sum(int(p == t) for p, t in zip(predictions, dataset.targets)) / len(dataset)


def test_evaluate_matches_a_hand_computed_accuracy(toy_registry):
    run = evaluate("keyword", "reviews", registry=toy_registry, batch_size=8)
    assert run["metrics"]["accuracy"] == pytest.approx(hand_computed_accuracy())
    assert 0.5 < run["metrics"]["accuracy"] < 1.0
    assert set(run["metrics"]) == {"accuracy", "macro-f1"}
    assert run["samples"]["evaluated"] == 40


@pytest.mark.parametrize("batch_size,num_workers", [(1, 0), (7, 0), (64, 0), (5, 2)])
def test_the_result_does_not_depend_on_batch_size_or_workers(toy_registry, batch_size, num_workers):
    reference = evaluate("keyword", "reviews", registry=toy_registry, batch_size=16)["metrics"]
    run = evaluate("keyword", "reviews", registry=toy_registry, batch_size=batch_size, num_workers=num_workers)
    assert run["metrics"] == pytest.approx(reference)
    assert run["run"]["num_workers"] == num_workers


def test_limit_takes_the_first_samples(toy_registry):
    run = evaluate("keyword", "reviews", registry=toy_registry, limit=10, batch_size=3)
    assert run["samples"]["evaluated"] == 10
    assert run["metrics"]["accuracy"] == pytest.approx(hand_computed_accuracy(size=10))
    assert run["reported"][0]["comparable"] is False  # a slice is not the reported protocol


def test_the_record_puts_the_reported_value_beside_the_reproduced_one(toy_registry):
    run = evaluate("keyword", registry=toy_registry)  # the model's default dataset
    (row,) = run["reported"]
    assert row["reported"] == 0.5 and row["reproduced"] == run["metrics"]["accuracy"]
    assert row["difference"] == pytest.approx(run["metrics"]["accuracy"] - 0.5)
    assert run["dataset"]["fingerprint"] and run["versions"]["torch"]
    assert run["request"]["model"] == "toys:keyword"


def test_labels_are_matched_by_name_not_position(toy_registry):
    upper = evaluate("keyword-upper", "reviews", registry=toy_registry)  # NEGATIVE/POSITIVE
    assert upper["metrics"]["accuracy"] == pytest.approx(hand_computed_accuracy())


def test_a_label_mismatch_shows_both_lists(toy_registry):
    with pytest.raises(LabelMismatchError, match=r"dataset toys:reviews has \['negative', 'positive'\] which model "
                                                 r"toys:keyword lacks; model toys:keyword labels: \['a', 'b'\]"):
        evaluate("keyword", "reviews", registry=toy_registry, model_args={"labels": ["a", "b"]})


def test_a_label_map_maps_deliberately(toy_registry):
    run = evaluate("keyword", "reviews", registry=toy_registry, model_args={"labels": ["bad", "good"]},
                   label_map={"negative": "bad", "positive": "good"})
    assert run["metrics"]["accuracy"] == pytest.approx(hand_computed_accuracy())


def test_a_dataset_may_use_a_subset_of_the_model_classes(toy_registry):
    run = evaluate("keyword-3class", "reviews", registry=toy_registry, model_args={"labels": ["negative", "positive", "neutral"]})
    assert run["metrics"]["accuracy"] == pytest.approx(hand_computed_accuracy())


@pytest.mark.parametrize("kwargs,message", [
    ({"model": "keyword", "dataset": "sentences"}, "is for task 'text-classification' but dataset toys:sentences is for 'toy-transcription'"),
    ({"model": "keyword", "dataset": "reviews", "metrics": ["bleu"]}, "unknown metric 'bleu' for task 'text-classification'; known: accuracy, macro-f1, mcc"),
    ({"model": "keyword", "dataset": "reviews", "split": "validation"}, "has no split 'validation'; its splits are train, test"),
    ({"model": "keyword", "dataset": "reviews", "device": "cuda:7"}, "device 'cuda:7' is not available here; available: cpu"),
    ({"model": "keyword", "dataset": "reviews", "on_error": "ignore"}, "--on-error must be one of fail, skip"),
    ({"model": "keyword", "dataset": "reviews", "num_workers": -1}, "--num-workers must be 0 or more, not -1"),
])
def test_bad_requests_fail_before_anything_is_built(toy_registry, monkeypatch, kwargs, message):
    import zoo.api

    def must_not_build(*args, **kwargs):
        raise AssertionError("built something")

    monkeypatch.setattr(zoo.api, "build_model", must_not_build)
    with pytest.raises(UsageError) as error:
        evaluate(registry=toy_registry, **kwargs)
    assert message in str(error.value)


def test_an_unwritable_output_fails_before_the_model_loads(toy_registry, tmp_path):
    with pytest.raises(UsageError, match="directory .*missing does not exist"):
        evaluate("keyword", "reviews", registry=toy_registry, output=tmp_path / "missing" / "run.json")


def test_a_corrupt_sample_stops_the_run_and_is_named(toy_registry):
    with pytest.raises(UsageError, match=r"sample row 5 of toys:reviews \[test\]: unreadable row .* --on-error skip"):
        evaluate("keyword", "reviews", registry=toy_registry, dataset_args={"corrupt": [5]})


@pytest.mark.parametrize("num_workers", [0, 2])
def test_skip_counts_and_lists_bad_samples_and_never_replaces_them(toy_registry, num_workers):
    run = evaluate("keyword", "reviews", registry=toy_registry, on_error="skip", num_workers=num_workers,
                   batch_size=4, dataset_args={"corrupt": [5, 11], "empty": [20]})
    assert run["samples"]["evaluated"] == 37 and run["samples"]["skipped"] == 3
    assert [(s["sample_id"], s["reason"]) for s in run["samples"]["skipped_samples"]] == [
        ("row 5", "unreadable row (corrupt on purpose)"), ("row 11", "unreadable row (corrupt on purpose)"),
        ("row 20", "empty text")]


def test_transcripts_are_scored_with_word_error_rate(toy_registry):
    perfect = evaluate("copy", "sentences", registry=toy_registry)
    lossy = evaluate("copy", "sentences", registry=toy_registry, model_args={"drop_every": 2})
    assert perfect["metrics"] == {"wer": 0.0}
    assert 0.3 < lossy["metrics"]["wer"] < 0.6


def test_predictions_are_saved_one_line_per_sample(toy_registry, tmp_path):
    path = tmp_path / "predictions.jsonl"
    evaluate("keyword", "reviews", registry=toy_registry, save_predictions=path, limit=6)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(row["index"] for row in rows) == list(range(6))
    assert {row["prediction"] for row in rows} <= {"negative", "positive"}
    assert all(0.5 <= row["score"] <= 1 for row in rows)


def test_the_record_is_written_atomically(toy_registry, tmp_path):
    path = tmp_path / "run.json"
    run = evaluate("keyword", "reviews", registry=toy_registry, output=path)
    assert json.loads(path.read_text()) == json.loads(json.dumps(run))
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary file left


def test_collate_statistics_are_summed_into_the_record(toy_registry):
    run = evaluate("keyword", "reviews", registry=toy_registry, num_workers=2, batch_size=4)
    texts = build_reviews(split="test").texts
    assert run["samples"]["long_inputs"] == sum(len(t) > 40 for t in texts)


def test_several_models_are_evaluated_on_the_same_samples(toy_registry):
    runs = evaluate_many(["keyword", "keyword-upper"], "reviews", registry=toy_registry, limit=12)
    assert [r["model"]["id"] for r in runs] == ["toys:keyword", "toys:keyword-upper"]
    assert runs[0]["dataset"]["fingerprint"] == runs[1]["dataset"]["fingerprint"]
    assert runs[0]["metrics"] == runs[1]["metrics"]


def test_predict_gives_top_labels_with_scores(toy_registry):
    (good, dull) = predict("keyword", ["a good film", "a dull film"], registry=toy_registry, top_k=2)
    assert good["top"][0]["label"] == "positive" and dull["top"][0]["label"] == "negative"
    assert sum(t["score"] for t in good["top"]) == pytest.approx(1.0)


def test_predict_transcribes(toy_registry):
    (result,) = predict("copy", ["one two three"], registry=toy_registry)
    assert result["transcript"] == "one two three"


def test_ctrl_c_reports_progress_and_leaves_no_files(toy_registry, tmp_path, monkeypatch):
    from zoo.engine import EvaluationInterrupted
    from zoo.testing.toy import KeywordModel

    calls = []
    original = KeywordModel.forward

    def interrupted_on_third_batch(self, batch):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(self, batch)

    monkeypatch.setattr(KeywordModel, "forward", interrupted_on_third_batch)
    with pytest.raises(EvaluationInterrupted, match=r"interrupted after 8 of 40 samples \(accuracy 0\.\d+, macro-f1"):
        evaluate("keyword", "reviews", registry=toy_registry, batch_size=4, output=tmp_path / "run.json",
                 save_predictions=tmp_path / "predictions.jsonl")
    assert list(tmp_path.iterdir()) == []  # no record, no partial predictions, no temporary files
    assert EvaluationInterrupted.exit_code == 130


def test_a_model_returning_the_wrong_shape_is_named(toy_registry, monkeypatch):
    from zoo.testing.toy import KeywordModel

    monkeypatch.setattr(KeywordModel, "forward", lambda self, batch: self.module(batch["counts"])[:, :1])
    with pytest.raises(UsageError, match=r"model toys:keyword returned \(8, 1\) for a batch of 8; task "
                                         r"text-classification needs logits of shape \(8, 2\)"):
        evaluate("keyword", "reviews", registry=toy_registry, batch_size=8)


def test_out_of_memory_halves_the_batch_size_and_records_it(toy_registry, monkeypatch, capsys):
    import torch

    from zoo.testing.toy import KeywordModel

    expected = hand_computed_accuracy()
    original = KeywordModel.forward

    def small_memory(self, batch):  # the toy texts' lengths vary: their batches of 32 hold 8 at most
        if batch["counts"].shape[0] > 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(self, batch)

    monkeypatch.setattr(KeywordModel, "forward", small_memory)
    run = evaluate("keyword", "reviews", registry=toy_registry, batch_size=32)
    assert run["run"]["batch_size"] == 4 and run["run"]["batch_size_requested"] == 32
    assert run["metrics"]["accuracy"] == pytest.approx(expected)
    assert capsys.readouterr().err.count("CUDA out of memory; retrying toys:keyword with batch size") == 3


@pytest.mark.parametrize("kwargs,message", [
    ({"batch_size": "8"}, "batch_size must be an integer, not '8'"),
    ({"limit": 2.5}, "limit must be an integer, not 2.5"),
    ({"metrics": "accuracy"}, "metrics must be a list of metric names, not 'accuracy'"),
    ({"label_map": {"negative": 0}}, "label_map must be a mapping of label names"),
    ({"batchsize": 8}, "unknown run option 'batchsize'"),
])
def test_options_of_the_wrong_type_are_a_usage_error(toy_registry, kwargs, message):
    with pytest.raises(UsageError, match=message):
        evaluate("keyword", "reviews", registry=toy_registry, **kwargs)


def test_a_label_map_onto_a_label_the_model_lacks_names_the_mapping(toy_registry):
    with pytest.raises(UsageError, match=r"--label-map maps 'positive' to 'great', which is not a class of model "
                                         r"toys:keyword \['negative', 'positive'\]"):
        evaluate("keyword", "reviews", registry=toy_registry, label_map={"positive": "great"})



def test_models_with_different_default_datasets_are_not_compared(toy_registry):
    from dataclasses import replace

    reviews, keyword = toy_registry.get("reviews", "dataset"), toy_registry.get("keyword", "model")
    toy_registry.add(replace(reviews, name="reviews-2"))
    toy_registry.add(replace(keyword, name="keyword-2", default_dataset="reviews-2"))
    with pytest.raises(UsageError, match=r"compared on the same samples, but these would run on different data "
                                         r"\(toys:keyword on toys:reviews \[test\], toys:keyword-2 on toys:reviews-2 \[test\]\)"):
        evaluate_many(["keyword", "keyword-2"], registry=toy_registry)
    assert len(evaluate_many(["keyword", "keyword-2"], "reviews", registry=toy_registry, limit=4)) == 2


def test_records_and_predictions_are_readable_like_any_file_written_here(toy_registry, tmp_path):
    import os
    import stat

    old_umask = os.umask(0o022)
    try:
        evaluate("keyword", "reviews", registry=toy_registry, limit=4, output=tmp_path / "run.json",
                 save_predictions=tmp_path / "predictions.jsonl")
    finally:
        os.umask(old_umask)
    for name in ("run.json", "predictions.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644  # not mkstemp's owner-only 0600


def test_a_dataset_named_as_the_model_says_so(toy_registry):
    from zoo import NotFoundError

    with pytest.raises(NotFoundError, match=r"^'reviews' is a dataset, not a model \(pass it with --dataset\)$"):
        evaluate("reviews", registry=toy_registry)


@pytest.mark.parametrize("kwargs,message", [
    ({"model": "keyword", "dataset": ""}, "--dataset needs a name, not an empty string"),
    ({"model": "copy", "dataset": "sentences", "label_map": {"a": "b"}},
     "--label-map maps class labels; task 'toy-transcription' has transcripts, not classes"),
])
def test_options_that_would_be_ignored_are_refused(toy_registry, kwargs, message):
    with pytest.raises(UsageError, match=message):
        evaluate(registry=toy_registry, **kwargs)


def test_building_a_metric_for_an_unknown_task_names_the_task(toy_registry):
    from zoo import NotFoundError, build_metric

    with pytest.raises(NotFoundError, match="no task named 'text-clasification'"):
        build_metric("accuracy", task="text-clasification", labels=["a", "b"], registry=toy_registry)
