"""Tiny real models and datasets for testing the engine: torch, but no downloads.

``keyword`` classifies text as positive when it contains one of its keywords,
through a real ``torch.nn.Linear`` so devices, dtypes and batching are
exercised; ``reviews`` is a deterministic text dataset that can be told to
serve corrupt samples. ``copy`` transcribes text by echoing it, dropping every
n-th word, for the transcript path of the engine. ``live-mean`` is ``keyword``
behind a running mean that carries from one input to the next: a model whose
predictions depend on order, for testing the conformance kit's order check.
``too-narrow`` returns one score column fewer than it has labels, ``keyword-template``
needs an argument to build (as a hub builder needs ``model=``) and ``measure``
classifies any input kind by one number (text, image or audio), for the kit's
smoke check. ``gated`` is ``keyword`` built only once a file appears: a run a test can
watch start, then stop or kill (a sweep's job).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zoo.errors import SampleError
from zoo.interface import Sample, TorchModel

__all__ = ["KeywordModel", "LiveMeanKeywordModel", "MeasureModel", "ReviewsDataset", "build_copy_transcriber",
           "build_gated_model", "build_keyword_checkpoint", "build_keyword_model", "build_keyword_template", "build_live_mean_model",
           "build_measure_model", "build_reviews", "build_too_narrow_model", "build_unchecked_reader",
           "build_unfetched_model", "build_weights_probe", "save_keyword_checkpoint"]

WORDS = ("good", "bad", "fine", "dull", "great", "awful", "plot", "actor", "scene", "music")


@dataclass
class KeywordModel(TorchModel):
    keywords: Sequence[str] = ()
    collate_stats: dict[str, int] = field(default_factory=dict)

    def collate(self, inputs: list[Any]) -> Any:
        import torch

        for position, text in enumerate(inputs):
            if not isinstance(text, str) or not text.strip():
                raise SampleError(str(position), "empty text")
        self.collate_stats = {"long_inputs": sum(len(t) > 40 for t in inputs)}
        counts = [[float(sum(word in self.keywords for word in text.split()))] for text in inputs]
        return {"counts": torch.tensor(counts)}

    def forward(self, batch: Any) -> Any:
        return self.module(batch["counts"])


def build_keyword_model(*, keywords: Sequence[str] = ("good", "great", "fine"),
                        labels: Sequence[str] = ("negative", "positive"), weights: Any = None) -> KeywordModel:
    import torch

    extra = len(labels) - 2  # classes beyond negative/positive never win
    linear = torch.nn.Linear(1, len(labels))
    with torch.no_grad():  # positive wins once one keyword is present
        linear.weight.copy_(torch.tensor([[0.0], [2.0]] + [[-1.0]] * extra))
        linear.bias.copy_(torch.tensor([0.5, 0.0] + [-5.0] * extra))
    return KeywordModel(task="text-classification", labels=list(labels), module=linear,
                        config={"keywords": list(keywords)}, bucket_by_length=True, keywords=tuple(keywords))


@dataclass
class LiveMeanKeywordModel(KeywordModel):
    """Keyword counts less a running mean of the counts seen so far, updated input by input:
    a live normalisation whose state carries across inputs and batches (as PocketSphinx's
    adaptive noise removal once did), so an input's scores depend on what came before it."""

    running_mean: float = 0.0

    def forward(self, batch: Any) -> Any:
        import torch

        centred = []
        for count in batch["counts"]:
            centred.append(count - self.running_mean)
            self.running_mean = 0.5 * self.running_mean + 0.5 * float(count)
        return self.module(torch.stack(centred))


def build_live_mean_model(**kwargs: Any) -> LiveMeanKeywordModel:
    return LiveMeanKeywordModel(**vars(build_keyword_model(**kwargs)))


def build_too_narrow_model(*, labels: Sequence[str] = ("negative", "positive", "neutral")) -> KeywordModel:
    """A keyword model with one label more than its last layer has outputs: ``forward``
    returns ``[B, 2]`` for 3 labels, a bug that passes every check but running it."""
    model = build_keyword_model(labels=list(labels)[:-1])
    model.labels = list(labels)
    return model


def build_keyword_template(*, keywords: Sequence[str] | None = None, **kwargs: Any) -> KeywordModel:
    """A generic builder that cannot build without being told what to load, as ``hf-ctc``
    needs ``model=``: a catalogue entry or ``--model-arg keywords=...`` gives the keywords."""
    from zoo.errors import UsageError

    if keywords is None:
        raise UsageError("keyword-template needs keywords: --model-arg keywords=good,great")
    return build_keyword_model(keywords=keywords, **kwargs)


@dataclass
class MeasureModel(TorchModel):
    """Classifies any input kind by one number through a ``torch.nn.Linear``: a text's word
    count, an image's mean brightness (0-1), a clip's RMS level; larger is the second label."""

    def collate(self, inputs: list[Any]) -> Any:
        import numpy as np
        import torch

        from zoo.interface import Audio

        values = []
        for item in inputs:
            if isinstance(item, str):
                values.append(float(len(item.split())))
            elif isinstance(item, Audio):
                values.append(float(np.sqrt(np.mean(np.square(item.waveform)))))
            else:  # a PIL image or an HWC uint8 array
                values.append(float(np.asarray(item, dtype=np.float32).mean() / 255.0))
        return torch.tensor(values).unsqueeze(1)

    def forward(self, batch: Any) -> Any:
        return self.module(batch)


def build_measure_model(*, task: str = "text-classification",
                        labels: Sequence[str] = ("small", "large")) -> MeasureModel:
    import torch

    linear = torch.nn.Linear(1, 2)
    with torch.no_grad():  # "large" wins above 0.5
        linear.weight.copy_(torch.tensor([[-1.0], [1.0]]))
        linear.bias.copy_(torch.tensor([0.5, -0.5]))
    return MeasureModel(task=task, labels=list(labels), module=linear)


@dataclass
class ReviewsDataset:
    task: str
    labels: list[str]
    split: str
    texts: list[str]
    targets: list[Any]
    corrupt: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index: int) -> Sample:
        if index in self.corrupt:
            raise SampleError(f"row {index}", "unreadable row (corrupt on purpose)")
        return Sample(self.texts[index], self.targets[index], f"row {index}")

    def lengths(self) -> list[int]:
        return [len(text) for text in self.texts]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(repr((self.split, self.texts, self.targets)).encode()).hexdigest()


def build_reviews(*, split: str, size: int = 40, corrupt: Sequence[int] = (), empty: Sequence[int] = (),
                  labels: Sequence[str] = ("negative", "positive"), transcripts: bool = False) -> ReviewsDataset:
    """``size`` reviews of 1-12 words; the label is whether a positive word is present,
    except every 7th review, which is labelled wrong so accuracy is not 1."""
    seed = 0 if split == "test" else 1
    texts, targets = [], []
    for index in range(size):
        digest = hashlib.sha256(f"{seed}-{index}".encode()).digest()
        words = [WORDS[b % len(WORDS)] for b in digest[: 1 + digest[-1] % 12]]
        text = " ".join(words)
        positive = any(w in ("good", "great", "fine") for w in words)
        texts.append("" if index in empty else text)
        target = int(positive) ^ (index % 7 == 3)
        targets.append(text if transcripts else target)
    task = "toy-transcription" if transcripts else "text-classification"
    return ReviewsDataset(task, [] if transcripts else list(labels), split, texts, targets, frozenset(corrupt))


@dataclass
class CopyTranscriber(TorchModel):
    drop_every: int = 0

    def collate(self, inputs: list[Any]) -> Any:
        return list(inputs)

    def forward(self, batch: Any) -> Any:
        if not self.drop_every:
            return list(batch)
        return [" ".join(w for i, w in enumerate(text.split()) if (i + 1) % self.drop_every) for text in batch]


def build_copy_transcriber(*, drop_every: int = 0) -> CopyTranscriber:
    import torch

    return CopyTranscriber(task="toy-transcription", labels=None, module=torch.nn.Identity(), drop_every=drop_every)


def build_gated_model(*, gate: str, wait_s: float = 120.0, **kwargs: Any) -> KeywordModel:
    """The keyword model, built once the file ``gate`` exists (or after ``wait_s`` seconds). It first
    writes its process id to ``gate + ".pid"`` (whole, then renamed), so a test knows the run has
    started, and where: it can then let it go on (create ``gate``), interrupt it or kill it."""
    import os
    import time
    from pathlib import Path

    staging = Path(f"{gate}.pid.{os.getpid()}")
    staging.write_text(str(os.getpid()), encoding="utf-8")
    staging.replace(f"{gate}.pid")
    deadline = time.monotonic() + wait_s
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return build_keyword_model(**kwargs)


def build_unfetched_model(**_: Any) -> Any:
    """A model whose weights are not on this machine: listed like any other, it fails only when built."""
    from zoo.errors import MissingArtifactError

    raise MissingArtifactError("weights of this model are not in the local cache; fetch them first")


def build_weights_probe(*, weights: Any = None, **_: Any) -> KeywordModel:
    """The keyword model, reporting in its config the weights zoo handed its builder (``weights.path``
    is the local file or folder, already checked against the pin)."""
    model = build_keyword_model()
    model.config = {**model.config, "weights_uri": getattr(weights, "uri", None),
                    "weights_path": getattr(weights, "path", None)}
    return model


def build_keyword_checkpoint(*, weights: Any = None, **kwargs: Any) -> KeywordModel:
    """The keyword model with its layer's weights read from a safetensors file (``weight`` [2, 1],
    ``bias`` [2]; see :func:`save_keyword_checkpoint`) that zoo resolved and checked against the
    catalogue's pin: a model whose results change with its weights file, and which reports that
    file's sha256 as a real builder does."""
    import torch

    from zoo.errors import UsageError
    from zoo.weights import load_state_dict, resolve, sha256_file

    if weights is None:
        raise UsageError("keyword-checkpoint needs weights: a catalogue entry's weights: {uri: FILE.safetensors}")
    path = resolve(weights)
    model = build_keyword_model(**kwargs)
    state = load_state_dict(path)
    with torch.no_grad():
        model.module.weight.copy_(state["weight"])
        model.module.bias.copy_(state["bias"])
    model.weights_sha256 = sha256_file(path)
    return model


def save_keyword_checkpoint(path: Any, *, positive_weight: float = 2.0, bias: Sequence[float] = (0.5, 0.0)) -> str:
    """Write a checkpoint for :func:`build_keyword_checkpoint` and return its sha256 (the pin to write)."""
    import torch
    from safetensors.torch import save_file

    from zoo.weights import sha256_file

    save_file({"weight": torch.tensor([[0.0], [float(positive_weight)]]), "bias": torch.tensor(list(map(float, bias)))},
              str(path))
    return sha256_file(path)


def build_unchecked_reader(*, checkpoint: str, weights: Any = None, **_: Any) -> KeywordModel:
    """A careless builder: it opens a checkpoint itself, never through zoo.weights, so no pin is
    ever checked on it. The conformance kit must fail it."""
    with open(checkpoint, "rb") as handle:
        handle.read()
    return build_keyword_model()
