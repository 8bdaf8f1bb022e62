"""Train the quickstart model, ``digits-resnet18``, on the digits train split.

    python plugins/zoo-vision/scripts/train_digits.py

Deterministic: fixed seeds, one CPU thread, deterministic algorithms, no
data-loader workers; the same library versions give the same bytes. The
architecture and preprocessing are read from the model's entry in
``zoo_vision/catalogue.yaml`` (one source of truth), the model is built with
the plugin's own ``timm`` builder and fed through its own ``collate``, and
the test accuracy is computed as ``zoo run`` computes it: argmax of the
logits over the test split, torchmetrics micro accuracy. The script writes
the safetensors file (class names in its metadata) and prints the sha256
and test metrics to copy into the catalogue.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

import numpy as np
import torch
import yaml
from safetensors.torch import save_file

import zoo.metrics
from zoo.weights import sha256_file
from zoo_vision.data.bundled import DIGIT_LABELS, build_digits
from zoo_vision.models import build_timm

PACKAGE = Path(__file__).resolve().parents[1] / "zoo_vision"
MODEL_NAME = "digits-resnet18"
SEED = 0
EPOCHS = 40
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 5e-4
SHIFT = 2  # random translation in pixels of the 32x32 input, the only augmentation


def catalogue_args() -> dict:
    catalogue = yaml.safe_load((PACKAGE / "catalogue.yaml").read_text())
    entry = next(m for m in catalogue["models"] if m["name"] == MODEL_NAME)
    return dict(entry["args"])


def shifted(batch: torch.Tensor, generator: torch.Generator, background: float) -> torch.Tensor:
    """Translate each image by up to SHIFT pixels, filling with the background value."""
    padded = torch.nn.functional.pad(batch, (SHIFT,) * 4, value=background)
    size = batch.shape[-1]
    out = torch.empty_like(batch)
    offsets = torch.randint(0, 2 * SHIFT + 1, (len(batch), 2), generator=generator)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        out[i] = padded[i, :, dy:dy + size, dx:dx + size]
    return out


def evaluate(model, split: str) -> dict[str, float]:
    dataset = build_digits(split=split)
    metrics = {"top1": zoo.metrics.accuracy(labels=model.labels, top_k=1),
               "top5": zoo.metrics.accuracy(labels=model.labels, top_k=5),
               "macro-f1": zoo.metrics.f1_macro(labels=model.labels)}
    model.module.eval()
    with torch.inference_mode():
        for start in range(0, len(dataset), 256):
            samples = [dataset[i] for i in range(start, min(start + 256, len(dataset)))]
            logits = model.forward(model.collate([s.input for s in samples]))
            targets = torch.tensor([s.target for s in samples])
            for metric in metrics.values():
                metric.update(logits, targets)
    return {name: round(float(metric.compute()), 6) for name, metric in metrics.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--output", type=Path, default=PACKAGE / "weights" / f"{MODEL_NAME}.safetensors")
    options = parser.parse_args()

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    args = catalogue_args()
    model = build_timm(**args)  # random initialisation from the seed above
    train = build_digits(split="train")
    inputs = model.collate([train[i].input for i in range(len(train))])
    targets = torch.tensor([train[i].target for i in range(len(train))])
    background = float(inputs.min())  # the normalised value of a black pixel

    module = model.module
    optimizer = torch.optim.AdamW(module.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps_per_epoch = math.ceil(len(train) / BATCH_SIZE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LEARNING_RATE, epochs=EPOCHS,
                                                   steps_per_epoch=steps_per_epoch)
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        module.train()
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(train), BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            logits = module(shifted(inputs[rows], generator, background))
            loss = torch.nn.functional.cross_entropy(logits, targets[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1}: train loss {total / len(train):.4f}")

    options.output.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    # One metadata key only: safetensors writes metadata in hash-map order, so
    # several keys would make the file bytes (and its sha256) vary run to run.
    save_file(state, str(options.output), metadata={"labels": json.dumps(DIGIT_LABELS)})
    trained = build_timm(**args, checkpoint=str(options.output))
    print(json.dumps({"weights": str(options.output), "sha256": sha256_file(options.output),
                      "bytes": options.output.stat().st_size, "parameters": trained.num_parameters(),
                      "train": evaluate(trained, "train"), "test": evaluate(trained, "test"),
                      "versions": {"torch": torch.__version__, "timm": __import__("timm").__version__}}, indent=2))


if __name__ == "__main__":
    main()
