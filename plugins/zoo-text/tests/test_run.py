"""Through zoo.evaluate, as `zoo run` does it: labels by name, truncation counted, bad rows named."""

from __future__ import annotations

import pytest
import zoo
from zoo.errors import LabelMismatchError, UsageError

REVIEWS = "text,label\n" + "\n".join([
    "a good film,positive",
    "it was dull,negative",
    "the plot is very bad,negative",
    "great music,positive",
    "the actor was fine,positive",
    "awful scene,negative",
]) + "\n"


def _evaluate(registry, model_folder, csv_path, **options):
    options.setdefault("num_workers", 0)
    return zoo.evaluate("hf-sequence-classification", "csv", registry=registry, device="cpu",
                        model_args={"model": str(model_folder), **options.pop("model_args", {})},
                        dataset_args={"path": str(csv_path), **options.pop("dataset_args", {})}, **options)


def test_a_local_model_runs_on_a_users_csv(text_registry, tiny_classifier, write_file):
    run = _evaluate(text_registry, tiny_classifier, write_file("reviews.csv", REVIEWS), batch_size=4)
    assert set(run["metrics"]) == {"accuracy", "macro-f1"}
    assert 0.0 <= run["metrics"]["accuracy"] <= 1.0
    assert run["samples"] == {"evaluated": 6, "skipped": 0, "skipped_samples": [], "truncated": 0}
    assert run["model"]["config"]["padding"] == "longest in batch"
    assert run["dataset"]["fingerprint"]


def test_metrics_do_not_depend_on_batch_size(text_registry, tiny_classifier, write_file):
    path = write_file("reviews.csv", REVIEWS)
    one = _evaluate(text_registry, tiny_classifier, path, batch_size=1, metrics=["accuracy", "macro-f1", "mcc"])
    six = _evaluate(text_registry, tiny_classifier, path, batch_size=6, metrics=["accuracy", "macro-f1", "mcc"])
    assert one["metrics"] == pytest.approx(six["metrics"])


@pytest.mark.parametrize("num_workers", [0, 2])  # with workers, collate runs in other processes
def test_truncated_texts_are_counted_in_the_run_record(text_registry, tiny_classifier, write_file, num_workers):
    long_review = "the film was very good " * 40
    path = write_file("long.csv", REVIEWS + f"{long_review},positive\n")
    run = _evaluate(text_registry, tiny_classifier, path, batch_size=3, model_args={"max_length": 16},
                    num_workers=num_workers)
    assert run["samples"]["truncated"] == 1
    assert run["run"]["num_workers"] == num_workers
    assert run["model"]["config"]["max_length"] == 16


def test_a_label_the_model_does_not_know_is_an_error_showing_both_lists(text_registry, tiny_classifier, write_file):
    path = write_file("three.csv", REVIEWS + "the plot was fine,neutral\n")
    with pytest.raises(LabelMismatchError, match=r"has \['neutral'\] which model .* lacks"):
        _evaluate(text_registry, tiny_classifier, path)


def test_an_empty_text_stops_the_run_naming_the_row_or_is_skipped_and_listed(text_registry, tiny_classifier,
                                                                             write_file):
    path = write_file("gaps.csv", REVIEWS + "  ,positive\n")
    with pytest.raises(UsageError, match=r"sample gaps\.csv row 7 \(line 8\) .*: empty text"):
        _evaluate(text_registry, tiny_classifier, path)
    run = _evaluate(text_registry, tiny_classifier, path, on_error="skip")
    assert run["samples"]["evaluated"] == 6 and run["samples"]["skipped"] == 1
    assert run["samples"]["skipped_samples"][0]["sample_id"] == "gaps.csv row 7 (line 8)"


def test_an_input_from_the_command_line_is_the_text_itself(text_registry):
    from zoo.inputs.text import text_from_argument

    task = zoo.get("text-classification", "task", registry=text_registry)
    assert task.id == "zoo:text-classification"  # zoo's built-in task: every plugin targets the same one
    assert task.input_loader == "zoo.inputs.text:text_from_argument"
    assert text_from_argument("a gripping, funny film") == "a gripping, funny film"
    with pytest.raises(UsageError, match="empty"):
        text_from_argument("  ")


def test_zoo_run_model_text_predicts_top_labels(text_registry, tiny_classifier):
    from zoo import predict

    results = predict("hf-sequence-classification", ["a good film", "it was dull"], device="cpu",
                      model_args={"model": str(tiny_classifier)}, registry=text_registry)
    assert [r["input"] for r in results] == ["a good film", "it was dull"]
    assert {entry["label"] for entry in results[0]["top"]} == {"negative", "positive"}
    assert sum(entry["score"] for entry in results[0]["top"]) == pytest.approx(1.0, abs=1e-5)


def test_pairs_from_a_users_file_reach_the_model_as_pairs(text_registry, tiny_classifier, write_file):
    pairs = "premise,hypothesis,label\na good film,it was great,positive\nthe plot,was very dull,negative\n"
    run = _evaluate(text_registry, tiny_classifier, write_file("pairs.csv", pairs),
                    dataset_args={"text_pair_column": "hypothesis", "text_column": "premise"})
    assert run["samples"]["evaluated"] == 2
