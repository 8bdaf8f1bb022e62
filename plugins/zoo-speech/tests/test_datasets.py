"""The bundled and user datasets: sizes, labels, splits, fingerprints and bad rows."""

from __future__ import annotations

import json

import pytest

import zoo
from zoo import MissingArtifactError, SampleError, UsageError
from zoo_speech.bundled_data import DIGITS

MANIFEST_ROWS = [
    {"path": "clips/a.wav", "transcript": "front left"},
    {"path": "clips/missing.wav", "transcript": "rear right"},
    {"path": "clips/b.flac", "transcript": "  "},
    {"path": "clips/c.ogg", "transcript": "side center"},
]


def test_spoken_digits_synth_splits_by_voice():
    train = zoo.build_dataset("spoken-digits-synth", split="train")
    test = zoo.build_dataset("spoken-digits-synth", split="test")
    assert (len(train), len(test)) == (500, 160)
    assert train.labels == test.labels == list(DIGITS)
    variant = lambda voice: voice.split("+")[-1]  # espeak-ng "en-gb+f3" -> the variant "f3"
    assert not {variant(v) for v in train.info["voices"]} & {variant(v) for v in test.info["voices"]}
    sample = test[0]
    assert sample.input.sampling_rate == 16_000 and sample.input.waveform.ndim == 1
    assert test.lengths()[0] == len(sample.input.waveform)
    assert train.fingerprint != test.fingerprint and len(test.fingerprint) == 64


def test_spoken_digits_as_transcripts_for_recognisers():
    test = zoo.build_dataset("spoken-digits-synth-transcripts")
    assert test.task == "speech-recognition" and test.labels is None
    assert test[0].target in DIGITS


def test_spokennumbers_is_ten_real_clips_one_per_digit():
    dataset = zoo.build_dataset("spokennumbers")
    assert len(dataset) == 10
    samples = [dataset[i] for i in range(10)]
    assert [dataset.labels[s.target] for s in samples] == list(DIGITS)
    assert samples[3].id == "default/3.wav" and samples[3].input.sampling_rate == 44_100


def test_alsa_channel_names_from_a_folder(write_audio, tmp_path):
    write_audio("alsa/Front_Left.wav", rate=48_000)
    write_audio("alsa/Side_Right.wav", rate=48_000)
    write_audio("alsa/Noise.wav", rate=48_000)  # not speech: left out
    dataset = zoo.build_dataset("alsa-channel-names", root=str(tmp_path / "alsa"))
    assert [dataset[i].target for i in range(len(dataset))] == ["front left", "side right"]


def test_alsa_channel_names_missing_says_what_to_install(tmp_path):
    with pytest.raises(MissingArtifactError, match="apt-get install alsa-utils"):
        zoo.build_dataset("alsa-channel-names", root=str(tmp_path))


def test_audio_folder_reads_any_rate_and_channels(write_audio, tmp_path):
    write_audio("words/yes/1.wav", rate=44_100, channels=2)
    write_audio("words/yes/2.flac", rate=8_000)
    write_audio("words/no/1.ogg", rate=22_050)
    (tmp_path / "words" / "no" / "README.txt").write_text("not a clip")
    dataset = zoo.build_dataset("audio-folder", root=str(tmp_path / "words"))
    assert dataset.labels == ["no", "yes"] and len(dataset) == 3
    assert [dataset[i].id for i in range(3)] == ["no/1.ogg", "yes/1.wav", "yes/2.flac"]
    assert [dataset[i].target for i in range(3)] == [0, 1, 1]
    assert dataset[1].input.waveform.ndim == 1  # stereo mixed down


def test_audio_folder_with_a_corrupt_clip_fails_on_that_clip_only(write_audio, tmp_path):
    write_audio("words/yes/good.wav")
    (tmp_path / "words" / "yes" / "bad.wav").write_text("not audio")
    dataset = zoo.build_dataset("audio-folder", root=str(tmp_path / "words"))
    with pytest.raises(SampleError, match=r"sample yes/bad\.wav: .*not readable audio"):
        dataset[0]
    assert dataset[1].id == "yes/good.wav"


def test_audio_folder_with_split_folders_and_no_split_says_to_pick_one(write_audio, tmp_path):
    write_audio("words/train/yes/1.wav")
    write_audio("words/test/no/1.wav")
    with pytest.raises(UsageError, match=r"holds split folders \(test, train\), not classes; pick one with --split"):
        zoo.build_dataset("audio-folder", root=str(tmp_path / "words"))
    test = zoo.build_dataset("audio-folder", root=str(tmp_path / "words"), split="test")
    assert test.labels == ["no"] and test[0].id == "no/1.wav"


def test_audio_folder_classes_may_be_called_train_when_they_hold_clips(write_audio, tmp_path):
    write_audio("words/train/1.wav")
    write_audio("words/test/1.wav")
    assert zoo.build_dataset("audio-folder", root=str(tmp_path / "words")).labels == ["test", "train"]


def test_audio_folder_without_root_says_how_to_give_it():
    with pytest.raises(UsageError, match="root=DIR"):
        zoo.build_dataset("audio-folder")


@pytest.fixture
def manifest(write_audio, tmp_path):
    write_audio("data/clips/a.wav", rate=44_100, channels=2)
    write_audio("data/clips/b.flac")
    write_audio("data/clips/c.ogg")
    path = tmp_path / "data" / "manifest.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in MANIFEST_ROWS))
    return path


def test_manifest_rows_become_transcribed_samples(manifest):
    dataset = zoo.build_dataset("manifest", path=str(manifest))
    assert len(dataset) == 4 and dataset.labels is None
    first, last = dataset[0], dataset[3]
    assert (first.id, first.target, first.input.sampling_rate) == ("row 1", "front left", 44_100)
    assert last.target == "side center"


def test_manifest_row_whose_file_is_missing_names_row_and_file(manifest):
    dataset = zoo.build_dataset("manifest", path=str(manifest))
    with pytest.raises(SampleError, match=r"sample row 2: manifest\.jsonl row 2: audio file .*missing\.wav does not exist"):
        dataset[1]


def test_manifest_row_with_an_empty_transcript_names_row_and_file(manifest):
    dataset = zoo.build_dataset("manifest", path=str(manifest))
    with pytest.raises(SampleError, match=r"row 3 \(clips/b\.flac\) has an empty transcript"):
        dataset[2]


def test_csv_manifest_with_labels_and_splits(write_audio, tmp_path):
    write_audio("clips/1.wav")
    write_audio("clips/2.wav")
    write_audio("clips/3.wav")
    (tmp_path / "m.csv").write_text("path,label,split\nclips/1.wav,yes,test\nclips/2.wav,no,test\nclips/3.wav,yes,train\n")
    dataset = zoo.build_dataset("manifest-labels", path=str(tmp_path / "m.csv"), split="test")
    assert dataset.task == "audio-classification" and dataset.labels == ["no", "yes"]
    assert [dataset[i].target for i in range(len(dataset))] == [1, 0]


def test_labels_that_yaml_read_as_booleans_say_to_quote_them(write_audio, tmp_path):
    write_audio("words/yes/1.wav")
    # `--dataset-arg labels=[yes, no]` reaches the builder as [True, False].
    with pytest.raises(UsageError, match=r"audio-folder: labels must be strings, got \[True, False\]; quote them"):
        zoo.build_dataset("audio-folder", root=str(tmp_path / "words"), labels=[True, False])
    (tmp_path / "m.csv").write_text("path,label\nwords/yes/1.wav,yes\n")
    with pytest.raises(UsageError, match=r"manifest: labels has \['no'\] more than once"):
        zoo.build_dataset("manifest-labels", path=str(tmp_path / "m.csv"), labels=["yes", "no", "no"])


def test_manifest_without_a_transcript_column_says_which_names_work(tmp_path):
    (tmp_path / "m.csv").write_text("path,words\na.wav,hello\n")
    with pytest.raises(UsageError, match="no transcript column; name it one of transcript, text, sentence"):
        zoo.build_dataset("manifest", path=str(tmp_path / "m.csv"))


def test_fingerprint_follows_the_audio_bytes(write_audio, tmp_path):
    write_audio("words/yes/1.wav", frequency=440.0)
    before = zoo.build_dataset("audio-folder", root=str(tmp_path / "words")).fingerprint
    write_audio("words/yes/1.wav", frequency=880.0)
    after = zoo.build_dataset("audio-folder", root=str(tmp_path / "words")).fingerprint
    assert before != after
