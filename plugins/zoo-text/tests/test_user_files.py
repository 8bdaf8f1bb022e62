"""A user's own CSV or JSON Lines file, and every way such a file can be wrong."""

from __future__ import annotations

import pytest
from zoo.errors import SampleError, UsageError

from zoo_text.datasets.user_files import build_csv, build_jsonl

REVIEWS_CSV = "text,label\nA great film,positive\nDull and slow,negative\n\"Fine, not great\",neutral\n"


def test_csv_labels_are_sorted_from_the_data(write_file):
    dataset = build_csv(split="test", path=str(write_file("reviews.csv", REVIEWS_CSV)))
    assert dataset.labels == ("negative", "neutral", "positive")
    assert [dataset[i].target for i in range(3)] == [2, 0, 1]
    assert dataset[2].input == "Fine, not great"
    assert dataset[1].id == "reviews.csv row 2 (line 3)"
    assert dataset.lengths() == [12, 13, 15]


def test_csv_labels_can_be_given_in_order_as_a_list_or_a_string(write_file):
    path = str(write_file("reviews.csv", REVIEWS_CSV))
    assert build_csv(split="test", path=path, labels="positive,neutral,negative").labels == (
        "positive", "neutral", "negative")
    assert build_csv(split="test", path=path, labels=["negative", "neutral", "positive"])[0].target == 2


def test_csv_other_column_names(write_file):
    path = write_file("tweets.csv", "id;body;sentiment\n1;so good;pos\n2;so bad;neg\n")
    dataset = build_csv(split="test", path=str(path), text_column="body", label_column="sentiment", delimiter=";")
    assert dataset.labels == ("neg", "pos") and dataset[0].input == "so good"


def test_missing_column_names_the_file_and_the_columns_it_has(write_file):
    path = write_file("reviews.csv", REVIEWS_CSV)
    with pytest.raises(UsageError, match=r"reviews\.csv: no column 'review'; its columns are 'text', 'label'"):
        build_csv(split="test", path=str(path), text_column="review")


def test_non_utf8_bytes_name_the_row_and_line(write_file):
    path = write_file("latin1.csv", "text,label\nok,positive\n".encode() + "caf\xe9 noir,negative\n".encode("latin-1"))
    dataset = build_csv(split="test", path=str(path))
    assert dataset[0].input == "ok"
    with pytest.raises(SampleError, match=r"latin1\.csv row 2 \(line 3\): not valid UTF-8 \(byte 0xe9"):
        dataset[1]


def test_empty_text_is_an_error_naming_the_row(write_file):
    dataset = build_csv(split="test", path=str(write_file("gaps.csv", "text,label\n   ,positive\nfine,negative\n")))
    with pytest.raises(SampleError, match=r"gaps\.csv row 1 \(line 2\): empty text"):
        dataset[0]
    assert dataset[1].input == "fine"


def test_a_label_outside_the_given_list_is_an_error_naming_the_row(write_file):
    dataset = build_csv(split="test", path=str(write_file("reviews.csv", REVIEWS_CSV)), labels="negative,positive")
    assert dataset.labels == ("negative", "positive")
    with pytest.raises(SampleError, match=r"row 3 \(line 4\): label 'neutral' is not one of the labels given"):
        dataset[2]
    assert dataset.info["unusable_rows"] == 1


def test_an_unquoted_delimiter_is_an_error_naming_the_row_not_a_new_class(write_file):
    # Without the check, "Fine, not great,neutral" would read as text "Fine" with label " not great".
    dataset = build_csv(split="test", path=str(write_file("reviews.csv", "text,label\nFine, not great,neutral\n"
                                                                         "Dull,negative\n")))
    assert dataset.labels == ("negative",)
    with pytest.raises(SampleError, match=r"reviews\.csv row 1 \(line 2\): the row has 3 fields but the header "
                                          r"has 2; quote a text that contains the delimiter ','"):
        dataset[0]


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        build_csv(split="test", path=str(tmp_path / "nope.csv"))


def test_jsonl_reads_objects_and_numeric_labels_sort_as_numbers(write_file):
    lines = ['{"text": "great", "label": 10}', "", '{"text": "bad", "label": 2}', '{"text": "fine", "label": 9}']
    dataset = build_jsonl(split="test", path=str(write_file("scores.jsonl", "\n".join(lines))))
    assert dataset.labels == ("2", "9", "10")
    assert [dataset[i].target for i in range(3)] == [2, 0, 1]
    assert dataset[1].id == "scores.jsonl line 3"  # blank lines are skipped but counted


def test_jsonl_bad_lines_are_errors_naming_the_line(write_file):
    content = (b'{"text": "good", "label": "pos"}\n'
               b'{"text": "caf\xe9", "label": "neg"}\n'
               b'{"text": "no label"}\n'
               b'not json\n')
    dataset = build_jsonl(split="test", path=str(write_file("mixed.jsonl", content)))
    assert dataset[0].input == "good"
    with pytest.raises(SampleError, match=r"mixed\.jsonl line 2: not valid UTF-8 \(byte 0xe9"):
        dataset[1]
    with pytest.raises(SampleError, match=r"mixed\.jsonl line 3: no field 'label'"):
        dataset[2]
    with pytest.raises(SampleError, match=r"mixed\.jsonl line 4: not valid JSON"):
        dataset[3]


def test_jsonl_field_that_no_record_has_is_a_usage_error(write_file):
    path = write_file("data.jsonl", '{"sentence": "good", "label": "pos"}\n')
    with pytest.raises(UsageError, match=r"no record has the field 'text'; fields seen: 'label', 'sentence'"):
        build_jsonl(split="test", path=str(path))
    assert build_jsonl(split="test", path=str(path), text_field="sentence")[0].input == "good"


def test_a_second_text_column_makes_premise_hypothesis_pairs(write_file):
    nli = "premise,hypothesis,label\nA man plays a guitar.,A person makes music.,entailment\n"
    dataset = build_csv(split="test", path=str(write_file("nli.csv", nli)), text_pair_column="hypothesis",
                        text_column="premise")
    assert dataset[0].input == ("A man plays a guitar.", "A person makes music.")
    assert dataset.lengths() == [21 + 21]
    with pytest.raises(UsageError, match="no column 'second'"):
        build_csv(split="test", path=str(write_file("nli.csv", nli)), text_column="premise", text_pair_column="second")
    lines = '{"p": "It rains.", "h": "It is dry.", "label": "contradiction"}\n{"p": "It rains.", "label": "neutral"}\n'
    pairs = build_jsonl(split="test", path=str(write_file("nli.jsonl", lines)), text_field="p", text_pair_field="h")
    assert pairs[0].input == ("It rains.", "It is dry.")
    with pytest.raises(SampleError, match="line 2: no field 'h'"):
        pairs[1]
