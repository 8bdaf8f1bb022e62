"""CTC speech recognisers from transformers (wav2vec2, HuBERT, ...), greedy decoding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoo import TorchModel, WeightsSpec

from zoo_speech.audio import to_rate
from zoo_speech.hf_source import CollateOnlyPickle, load_pretrained, model_source, weights_sha256

__all__ = ["CtcRecogniser", "build_ctc"]


@dataclass
class CtcRecogniser(CollateOnlyPickle, TorchModel):
    """Waveforms -> feature-extractor inputs -> CTC logits -> argmax -> collapsed text."""

    processor: Any = None
    sampling_rate: int = 16_000
    max_seconds: float = 60.0

    def collate(self, inputs: list[Any]) -> dict[str, Any]:
        waves = [to_rate(audio, i, self.sampling_rate, max_seconds=self.max_seconds) for i, audio in enumerate(inputs)]
        extractor = self.processor.feature_extractor
        # Models trained without an attention mask (wav2vec2-base) expect zero padding and no mask.
        features = extractor(waves, sampling_rate=self.sampling_rate, padding=True, return_tensors="pt",
                             return_attention_mask=bool(extractor.return_attention_mask))
        return dict(features)

    def forward(self, batch: dict[str, Any]) -> list[str]:
        logits = self.module(**batch).logits
        return [text.strip() for text in self.processor.batch_decode(logits.argmax(dim=-1).cpu(),
                                                                          skip_special_tokens=True)]


def build_ctc(*, model: str | None = None, revision: str | None = None, max_seconds: float = 60.0,
              weights: WeightsSpec | None = None) -> CtcRecogniser:
    """A transformers CTC model and its processor, from a folder or the hub cache."""
    source = model_source(model, revision, weights, what="hf-ctc model")
    # transformers only once the model is found: a missing one is reported without its import cost
    from transformers import AutoModelForCTC, AutoProcessor

    processor = load_pretrained(AutoProcessor, source, what="hf-ctc model")
    module = load_pretrained(AutoModelForCTC, source, what="hf-ctc model").eval()
    rate = int(processor.feature_extractor.sampling_rate)
    return CtcRecogniser(
        task="speech-recognition", labels=None, module=module, processor=processor, sampling_rate=rate,
        max_seconds=float(max_seconds), weights_sha256=weights_sha256(source.folder), bucket_by_length=True,
        config={"source": source.reference, "architecture": module.config.model_type, "sampling_rate": rate,
                "decoding": "greedy CTC (argmax, repeats collapsed, blanks removed)",
                "resampling": "soxr HQ", "max_seconds": float(max_seconds)})
