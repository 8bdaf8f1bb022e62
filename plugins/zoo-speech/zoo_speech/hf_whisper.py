"""Whisper speech recognition from transformers: greedy, English, no timestamps by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from zoo import TorchModel, WeightsSpec

from zoo_speech.audio import to_rate
from zoo_speech.hf_source import CollateOnlyPickle, load_pretrained, model_source, weights_sha256

__all__ = ["WhisperRecogniser", "build_whisper"]

WHISPER_WINDOW_SECONDS: Final = 30.0  # the encoder sees 30 s; longer clips need chunking, which this does not do


@dataclass
class WhisperRecogniser(CollateOnlyPickle, TorchModel):
    """Waveforms -> log-mel features (padded to 30 s) -> greedy generate -> text."""

    processor: Any = None
    sampling_rate: int = 16_000
    generate_kwargs: dict[str, Any] = field(default_factory=dict)

    def collate(self, inputs: list[Any]) -> dict[str, Any]:
        waves = [to_rate(audio, i, self.sampling_rate, max_seconds=WHISPER_WINDOW_SECONDS)
                 for i, audio in enumerate(inputs)]
        features = self.processor.feature_extractor(waves, sampling_rate=self.sampling_rate, return_tensors="pt")
        return {"input_features": features["input_features"]}

    def forward(self, batch: dict[str, Any]) -> list[str]:
        tokens = self.module.generate(input_features=batch["input_features"], **self.generate_kwargs)
        return [text.strip() for text in self.processor.batch_decode(tokens, skip_special_tokens=True)]


def build_whisper(*, model: str | None = None, revision: str | None = None, language: str | None = "en",
                  task: str = "transcribe", timestamps: bool = False, max_new_tokens: int = 128,
                  weights: WeightsSpec | None = None) -> WhisperRecogniser:
    """WhisperForConditionalGeneration with its processor; ``language=None`` lets Whisper detect it."""
    source = model_source(model, revision, weights, what="whisper model")
    # transformers only once the model is found: a missing one is reported without its import cost
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    processor = load_pretrained(WhisperProcessor, source, what="whisper model")
    module = load_pretrained(WhisperForConditionalGeneration, source, what="whisper model").eval()
    # The decoder's positions bound the output: leave room for the start, language and task tokens.
    budget = min(int(max_new_tokens), module.config.max_target_positions - 4)
    generate_kwargs: dict[str, Any] = {"num_beams": 1, "do_sample": False, "return_timestamps": timestamps,
                                       "max_new_tokens": budget}
    # English-only checkpoints (*.en) take no language or task tokens.
    if getattr(module.generation_config, "is_multilingual", False):
        generate_kwargs.update(task=task, **({"language": language} if language else {}))
    rate = int(processor.feature_extractor.sampling_rate)
    return WhisperRecogniser(
        task="speech-recognition", labels=None, module=module, processor=processor, sampling_rate=rate,
        generate_kwargs=generate_kwargs, weights_sha256=weights_sha256(source.folder), bucket_by_length=True,
        config={"source": source.reference, "sampling_rate": rate, "decoding": "greedy",
                "generate": generate_kwargs, "max_seconds": WHISPER_WINDOW_SECONDS, "resampling": "soxr HQ"})
