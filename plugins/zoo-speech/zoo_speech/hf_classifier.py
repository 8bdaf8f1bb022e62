"""Audio classifiers from transformers (keyword spotting, ...): labels from config.id2label."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from zoo import TorchModel, UsageError, WeightsSpec

from zoo_speech.audio import to_rate
from zoo_speech.hf_source import CollateOnlyPickle, load_pretrained, model_source, weights_sha256

__all__ = ["HfAudioClassifier", "build_audio_classifier"]


@dataclass
class HfAudioClassifier(CollateOnlyPickle, TorchModel):
    """Waveforms -> the checkpoint's feature extractor -> logits over its labels."""

    extractor: Any = None
    sampling_rate: int = 16_000
    max_seconds: float = 30.0

    def collate(self, inputs: list[Any]) -> dict[str, Any]:
        waves = [to_rate(audio, i, self.sampling_rate, max_seconds=self.max_seconds) for i, audio in enumerate(inputs)]
        options: dict[str, Any] = {"sampling_rate": self.sampling_rate, "return_tensors": "pt"}
        # Waveform extractors pad to the longest clip; spectrogram ones (AST) pad to a fixed length themselves.
        if "padding" in inspect.signature(self.extractor.__call__).parameters:
            options["padding"] = True
        return dict(self.extractor(waves, **options))

    def forward(self, batch: dict[str, Any]) -> Any:
        return self.module(**batch).logits

    def embed(self, batch: dict[str, Any]) -> Any:
        """Clip features for :func:`zoo.embed`: what the classifier's final linear layer sees
        (wav2vec2: the mean-pooled projection; AST: the pooled tokens), read with a forward hook."""
        import torch

        labels = int(self.module.config.num_labels)
        heads = [m for m in self.module.modules() if isinstance(m, torch.nn.Linear) and m.out_features == labels]
        if not heads:
            raise UsageError(f"{type(self.module).__name__} has no linear layer with {labels} outputs to read "
                             "embeddings at")
        seen: list[Any] = []
        handle = heads[-1].register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
        try:
            self.module(**batch)
        finally:
            handle.remove()
        return seen[-1].float()


def build_audio_classifier(*, model: str | None = None, revision: str | None = None, max_seconds: float = 30.0,
                           weights: WeightsSpec | None = None) -> HfAudioClassifier:
    """AutoModelForAudioClassification with its feature extractor, from a folder or the hub cache."""
    source = model_source(model, revision, weights, what="hf-audio-classification model")
    # transformers only once the model is found: a missing one is reported without its import cost
    from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

    extractor = load_pretrained(AutoFeatureExtractor, source, what="hf-audio-classification model")
    module = load_pretrained(AutoModelForAudioClassification, source, what="hf-audio-classification model").eval()
    labels = [module.config.id2label[i] for i in range(module.config.num_labels)]
    rate = int(extractor.sampling_rate)
    return HfAudioClassifier(
        task="audio-classification", labels=labels, module=module, extractor=extractor, sampling_rate=rate,
        max_seconds=float(max_seconds), weights_sha256=weights_sha256(source.folder),
        bucket_by_length="padding" in inspect.signature(extractor.__call__).parameters,
        config={"source": source.reference, "architecture": module.config.model_type, "sampling_rate": rate,
                "resampling": "soxr HQ", "max_seconds": float(max_seconds)})
