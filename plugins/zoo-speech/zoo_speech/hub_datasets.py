"""Well-known speech datasets on the Hugging Face hub, as zoo datasets.

Each entry is zoo's own reader (``zoo.hf_datasets``) with the hub id and
columns filled in: ``zoo pull --dataset NAME`` fetches the files of its splits
into the Hugging Face cache, then ``zoo run MODEL --dataset NAME`` reads them
offline, clips decoded by zoo (soundfile, soxr) from the stored bytes. Their
names and split names are the ones this plugin's catalogue reports numbers on
(``librispeech`` ``test-clean``), so ``zoo info`` reproduces them. Revisions are
not pinned (no commit could be checked offline): a run records the commit it
read in the dataset's fingerprint. Pure data: the entry module imports it
without importing ``datasets``.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["HUB_DATASETS", "register_hub_datasets"]

HUB_DATASETS: Final[tuple[dict[str, Any], ...]] = (
    # google/speech_commands is a loading script; the hub's Parquet export of it (refs/convert/parquet)
    # is what datasets reads, one folder per config and split. Sizes, columns, classes and licence are the
    # hub card's (v0.02: validation 9982, test 4890). The CONFIG/SPLIT/NNNN.parquet layout is the exporter's
    # (as uoft-cs/cifar10's plain_text/train/0000.parquet), not confirmed for this repository; a partial
    # export would sit in v0.02/partial-SPLIT/ instead.
    dict(name="speech-commands-v2", task="audio-classification", builder="zoo.hf_datasets:audio_classification",
         splits=["test", "validation"], size={"test": 4890, "validation": 9982},
         args={"path": "google/speech_commands", "revision": "refs/convert/parquet",
               "data_files": {"test": "v0.02/test/*.parquet", "validation": "v0.02/validation/*.parquet"},
               "audio": "audio", "label": "label"},
         license="CC-BY-4.0", source="https://huggingface.co/datasets/google/speech_commands",
         tags=["keyword-spotting", "english", "16khz", "hugging-face"],
         citation="Pete Warden. 2018. Speech Commands: A Dataset for Limited-Vocabulary Speech Recognition. "
                  "arXiv:1804.03209.",
         description="Speech Commands v0.02: one-second clips of 35 spoken words and background noise "
                     "(_silence_), 16 kHz, from thousands of speakers; the 36 classes of the hub's ClassLabel."),
    dict(name="librispeech", task="speech-recognition", builder="zoo.hf_datasets:speech_recognition",
         splits=["test-clean", "test-other", "validation-clean", "validation-other"], default_split="test-clean",
         size={"test-clean": 2620, "test-other": 2939, "validation-clean": 2703, "validation-other": 2864},
         args={"path": "openslr/librispeech_asr", "audio": "audio", "transcript": "text", "sample_id": "id",
               "source_splits": {"test-clean": "clean/test", "test-other": "other/test",
                                 "validation-clean": "clean/validation", "validation-other": "other/validation"}},
         license="CC-BY-4.0", source="https://huggingface.co/datasets/openslr/librispeech_asr",
         tags=["english", "read-speech", "16khz", "hugging-face"],
         citation="Vassil Panayotov, Guoguo Chen, Daniel Povey and Sanjeev Khudanpur. 2015. Librispeech: an ASR "
                  "corpus based on public domain audio books. In ICASSP 2015.",
         description="LibriSpeech's test and dev sets (named validation on the hub): read English audiobooks, "
                     "16 kHz FLAC, upper-case transcripts; clean and other (harder) speakers."),
)


def register_hub_datasets(register: Any) -> None:
    """Register every entry of :data:`HUB_DATASETS` (the plugin's ``register_datasets`` calls it)."""
    for entry in HUB_DATASETS:
        fields = dict(entry)
        name = fields.pop("name")
        fields.setdefault("default_split", fields["splits"][0])
        register(name, **fields)
