"""PocketSphinx: CMU's offline recogniser with its bundled US-English model.

Two models: free transcription with the bundled n-gram language model, and a
spoken-word classifier whose search is a JSGF grammar of one word out of a
list (the digits by default). PocketSphinx is not torch: the classifier's
``forward`` returns a one-hot score tensor ``[B, C]`` so zoo scores it like
any classifier; when the grammar search finds no word the sample goes to the
extra class ``_unknown_``, which no dataset label matches, so it counts as
wrong rather than as a lucky guess of class 0. That output is a decision, not a
confidence: the classifier's ``score_kind`` is ``"one-hot"``, so predictions
show its word with no score.

Every clip is decoded as if by a fresh decoder. The bundled acoustic model's
``feat.params`` turns on adaptive noise removal (``-remove_noise yes``), whose
noise estimate, like a live cepstral mean (``-cmn live``), would otherwise
carry from one clip into the next through the reused decoder and make results
depend on the order, batch size and sharding of a dataset. Resetting the
front end (``Decoder.reinit_feat``) costs well under a millisecond a clip; a
new decoder costs about 0.3 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from zoo import UsageError, WeightsSpec

from zoo_speech import DIGITS
from zoo_speech.arguments import distinct_strings
from zoo_speech.audio import to_rate

__all__ = ["NO_WORD", "SphinxRecogniser", "SphinxWordClassifier", "build_pocketsphinx", "build_pocketsphinx_words"]

RATE: Final = 16_000
NO_WORD: Final = "_unknown_"


def _model_dirs(weights: WeightsSpec | None) -> tuple[Path, Path]:
    """(acoustic model folder, folder with the dictionary and language model)."""
    if weights is not None:
        from zoo.weights import resolve

        acoustic = resolve(weights, what="pocketsphinx acoustic model").parent  # weights pin one file in it
    else:
        import pocketsphinx

        acoustic = Path(pocketsphinx.get_model_path("en-us")) / "en-us"
    return acoustic, acoustic.parent


class _SphinxBase:
    """Shared: int16 batches on the CPU, one decoder per process (made on first use), reset per clip."""

    task: str
    labels: Sequence[str] | None

    def __init__(self, *, acoustic: Path, lexicon: Path, max_seconds: float, config: dict[str, Any],
                 weights_sha256: str | None = None) -> None:
        self.acoustic, self.lexicon, self.max_seconds = acoustic, lexicon, float(max_seconds)
        self.weights_sha256 = weights_sha256  # of the pinned acoustic-model file, when the catalogue pins one
        self.config = {"acoustic_model": str(acoustic), "sampling_rate": RATE, "max_seconds": self.max_seconds,
                       "resampling": "soxr HQ", **config}
        self.device = "cpu"
        self._decoder: Any = None

    def __getstate__(self) -> dict[str, Any]:  # the C decoder does not pickle; workers never need it
        return {**self.__dict__, "_decoder": None}

    def to(self, device: str, dtype: Any = None) -> _SphinxBase:
        self.device = str(device)  # decoding runs on the CPU; outputs go where the engine wants them
        return self

    def collate(self, inputs: list[Any]) -> list[Any]:
        import torch

        batch = []
        for i, audio in enumerate(inputs):
            wave = to_rate(audio, i, RATE, max_seconds=self.max_seconds)
            batch.append(torch.from_numpy((np.clip(wave, -1.0, 1.0) * 32767.0).astype(np.int16)))
        return batch

    def decoder(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Decoder

            self._decoder = Decoder(hmm=str(self.acoustic), dict=str(self.lexicon / "cmudict-en-us.dict"),
                                    lm=str(self.lexicon / "en-us.lm.bin"), samprate=RATE, loglevel="FATAL")
            self._prepare(self._decoder)
        return self._decoder

    def _prepare(self, decoder: Any) -> None:
        """Set up the search (a grammar, say); the default keeps the language model."""

    def _decode(self, clip: Any) -> str:
        decoder = self.decoder()
        decoder.reinit_feat()  # back to the model's initial noise and cepstral-mean estimates: clips independent
        decoder.start_utt()
        decoder.process_raw(clip.cpu().numpy().tobytes(), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr.strip() if hypothesis is not None else ""


class SphinxRecogniser(_SphinxBase):
    """Free transcription with the bundled US-English language model."""

    task = "speech-recognition"
    labels = None

    def forward(self, batch: list[Any]) -> list[str]:
        return [self._decode(clip) for clip in batch]


class SphinxWordClassifier(_SphinxBase):
    """One word out of a list, by a JSGF grammar search."""

    task = "audio-classification"
    score_kind = "one-hot"  # forward's rows are decisions; softmax of them is no confidence

    def __init__(self, *, words: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.words = list(words)
        self.labels = [*self.words, NO_WORD]

    def _prepare(self, decoder: Any) -> None:
        unknown = [w for w in self.words if decoder.lookup_word(w) is None]
        if unknown:
            raise UsageError(f"pocketsphinx-words: {unknown} are not in the pronunciation dictionary "
                             f"{self.lexicon / 'cmudict-en-us.dict'}; choose dictionary words")
        grammar = "#JSGF V1.0;\ngrammar words;\npublic <word> = " + " | ".join(self.words) + ";\n"
        decoder.add_jsgf_string("words", grammar)
        decoder.activate_search("words")

    def forward(self, batch: list[Any]) -> Any:
        import torch

        scores = torch.zeros(len(batch), len(self.labels))
        for row, clip in enumerate(batch):
            word = self._decode(clip)
            scores[row, self.words.index(word) if word in self.words else len(self.words)] = 1.0
        return scores.to(self.device)


def build_pocketsphinx(*, max_seconds: float = 60.0, weights: WeightsSpec | None = None) -> SphinxRecogniser:
    acoustic, lexicon = _model_dirs(weights)
    return SphinxRecogniser(acoustic=acoustic, lexicon=lexicon, max_seconds=max_seconds,
                            weights_sha256=weights.sha256 if weights else None,
                            config={"search": "n-gram language model en-us.lm.bin"})


def build_pocketsphinx_words(*, words: Sequence[str] = DIGITS,
                             max_seconds: float = 10.0, weights: WeightsSpec | None = None) -> SphinxWordClassifier:
    words = distinct_strings(words, argument="words", what="pocketsphinx-words", flag="--model-arg", lower=True)
    acoustic, lexicon = _model_dirs(weights)
    model = SphinxWordClassifier(words=words, acoustic=acoustic, lexicon=lexicon, max_seconds=max_seconds,
                                 weights_sha256=weights.sha256 if weights else None,
                                 config={"search": "JSGF grammar: one word of " + " | ".join(words)})
    model.decoder()  # refuse words outside the dictionary now, not at the first batch of a run
    return model
