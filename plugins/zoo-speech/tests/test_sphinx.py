"""PocketSphinx, offline: free transcription and a digit grammar as a classifier."""

from __future__ import annotations

import json
import pickle

import pytest
from click.testing import CliRunner

import zoo
from zoo import Audio, SampleError, UsageError
from zoo.cli import make_cli
from zoo_speech import DIGITS
from zoo_speech.bundled_data import SYNTH_ROOT
from zoo_speech.sphinx import NO_WORD

from speech_helpers import tone


@pytest.fixture(scope="module")
def spokennumbers():
    dataset = zoo.build_dataset("spokennumbers")
    return [dataset[i] for i in range(len(dataset))]


@pytest.mark.slow
def test_digit_grammar_classifies_real_voice_digits(spokennumbers):
    model = zoo.build_model("pocketsphinx-en-us-digits").to("cpu")
    assert model.labels[-1] == NO_WORD and len(model.labels) == 11
    scores = model.forward(model.collate([s.input for s in spokennumbers]))
    assert tuple(scores.shape) == (10, 11) and scores.sum(dim=1).eq(1).all()  # one-hot rows
    correct = sum(int(scores[i].argmax()) == s.target for i, s in enumerate(spokennumbers))
    assert correct >= 8  # PocketSphinx gets 9 of the 10 real clips: "six" heard as "three"


def test_a_pure_tone_is_no_word_rather_than_class_zero():
    model = zoo.build_model("pocketsphinx-words", words=["yes", "no"])
    scores = model.forward(model.collate([Audio(tone(0.8, 16_000, frequency=1_000), 16_000)]))
    assert model.labels == ["yes", "no", NO_WORD]
    assert tuple(scores.shape) == (1, 3) and scores.sum() == 1


def test_words_outside_the_dictionary_are_refused_when_the_model_is_built():
    with pytest.raises(UsageError, match=r"\['qwxzzy'\] are not in the pronunciation dictionary"):
        zoo.build_model("pocketsphinx-words", words=["zero", "qwxzzy"])


def test_words_that_yaml_read_as_booleans_say_to_quote_them():
    # `--model-arg words=[yes, no]` reaches the builder as [True, False].
    with pytest.raises(UsageError, match=r"words must be strings, got \[True, False\]; quote them"):
        zoo.build_model("pocketsphinx-words", words=[True, False])


def test_a_repeated_word_is_refused_rather_than_making_a_class_that_never_wins():
    with pytest.raises(UsageError, match=r"words has \['yes'\] more than once"):
        zoo.build_model("pocketsphinx-words", words=["yes", "no", "Yes"])


def test_free_transcription_returns_text(spokennumbers):
    model = zoo.build_model("pocketsphinx-en-us").to("cpu")
    assert model.weights_sha256 and model.task == "speech-recognition"
    transcripts = model.forward(model.collate([spokennumbers[1].input]))
    assert transcripts == ["one"]


def test_overlong_clip_is_refused_by_position():
    model = zoo.build_model("pocketsphinx-en-us-digits")
    with pytest.raises(SampleError, match=r"sample 0: the clip is 12\.0 s long; this model takes at most 10 s"):
        model.collate([Audio(tone(12.0, 8_000), 8_000)])


def test_decoder_is_made_again_after_pickling(spokennumbers):
    model = zoo.build_model("pocketsphinx-en-us-digits")
    model.forward(model.collate([spokennumbers[0].input]))
    clone = pickle.loads(pickle.dumps(model))  # the C decoder stays behind
    assert int(clone.forward(clone.collate([spokennumbers[0].input]))[0].argmax()) == 0


@pytest.fixture(scope="module")
def manifests_in_two_orders(tmp_path_factory):
    """The first three spoken-digits-synth test clips (zero, one, two) as a user's manifest:
    in order, and reversed.

    Before each clip was decoded independently, the digit grammar heard "two"
    as "zero" after the other two clips but as no word when decoded first, and
    the free recogniser heard it as nothing and as "so".
    """
    synth = zoo.build_dataset("spoken-digits-synth")
    rows = [{"path": str(SYNTH_ROOT / synth[i].id), "label": DIGITS[synth[i].target],
             "transcript": DIGITS[synth[i].target]} for i in range(3)]
    folder = tmp_path_factory.mktemp("manifests")
    written = {}
    for order, listed in (("in order", rows), ("reversed", rows[::-1])):
        written[order] = folder / f"{order.replace(' ', '-')}.jsonl"
        written[order].write_text("".join(json.dumps(row) + "\n" for row in listed))
    return written


@pytest.mark.parametrize("model, dataset", [("pocketsphinx-en-us-digits", "manifest-labels"),
                                            ("pocketsphinx-en-us", "manifest")])
def test_every_clip_gets_the_same_prediction_in_any_order(model, dataset, manifests_in_two_orders, tmp_path):
    predictions = {}
    for order, manifest in manifests_in_two_orders.items():
        saved = tmp_path / f"{order}.jsonl"
        zoo.evaluate(model, dataset, dataset_args={"path": str(manifest), "labels": list(DIGITS)}
                     if dataset == "manifest-labels" else {"path": str(manifest)}, save_predictions=saved)
        listed = [json.loads(line)["path"] for line in manifest.read_text().splitlines()]
        rows = [json.loads(line) for line in saved.read_text().splitlines()]
        predictions[order] = {listed[row["index"]]: row["prediction"] for row in rows}
    assert len(predictions["in order"]) == 3
    assert predictions["in order"] == predictions["reversed"]


def test_a_prediction_shows_the_grammar_s_word_without_a_confidence():
    # forward's one-hot row is a decision: its softmax (0.21 for any word of 11) is no confidence.
    clip = str(SYNTH_ROOT / "test" / "espeak-en-us-klatt2-three.flac")
    assert zoo.predict("pocketsphinx-en-us-digits", [clip]) == [{"input": clip, "top": [{"label": "three", "score": None}]}]
    shown = CliRunner().invoke(make_cli(), ["run", "pocketsphinx-en-us-digits", clip])
    assert shown.exit_code == 0 and shown.stdout == f"{clip}\tthree\t-\n"
