#!/usr/bin/env python3
"""Train the digits-cnn log-mel CNN on spoken-digits-synth train; deterministic.

Seeds every random generator, fixes the thread count and asks torch for
deterministic kernels, so the same library versions on the same kind of CPU
give the same weights. Augmentation (speed, placement, noise, a random
tilt of the spectrum) makes the synthetic voices look a little less alike.

Evaluates exactly as `zoo run` does: the model's own collate and forward, the
argmax of the logits, torchmetrics accuracy; prints the numbers the
catalogue reports (spoken-digits-synth test, and the real-voice spokennumbers).

    python scripts/train_digits_cnn.py     # writes zoo_speech/weights/digits_cnn.safetensors (about 3 min on 2 cores)
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from scipy.signal import lfilter

import zoo
from zoo.metrics import accuracy, f1_macro
from zoo_speech.audio import resample
from zoo_speech.bundled_data import build_spoken_digits_synth, build_spokennumbers
from zoo_speech.digits_cnn import DIGIT_LABELS, RATE, WINDOW_SECONDS, LogMelCnn, build_digits_cnn, prepare_clip

SEED = 1234
THREADS = 2
EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 3e-3
OUTPUT = Path(__file__).resolve().parents[1] / "zoo_speech" / "weights" / "digits_cnn.safetensors"


def augment(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random variant of a clip, placed at a random offset in the window."""
    speed = rng.uniform(0.85, 1.15)
    wave = resample(wave, int(RATE * speed), RATE)  # played faster or slower: tempo and pitch shift
    if rng.random() < 0.5:  # a random first-order tilt: brighter or duller, like another microphone
        coefficient = rng.uniform(-0.9, 0.9)
        wave = lfilter([1.0, -coefficient], [1.0], wave).astype(np.float32)
    loud = np.flatnonzero(np.abs(wave) > 0.02 * np.abs(wave).max())
    length = loud[-1] - loud[0] + 1
    window = int(WINDOW_SECONDS * RATE)
    if length > window:
        wave, length = wave[loud[0]: loud[0] + window], window
    clip = prepare_clip(wave, 0, offset=int(rng.integers(0, window - length + 1)))
    if rng.random() < 0.5:
        snr_db = rng.uniform(15, 40)
        power = float(np.mean(clip[clip != 0] ** 2))
        clip = clip + rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), clip.shape).astype(np.float32)
    return clip


def evaluate(model: zoo.Model, dataset: zoo.Dataset, batch_size: int = 32) -> dict[str, float]:
    """What `zoo run` computes: argmax over the model's labels, torchmetrics accuracy and macro-F1."""
    metrics = {"accuracy": accuracy(labels=model.labels), "macro-f1": f1_macro(labels=model.labels)}
    to_model = [list(model.labels).index(name) for name in dataset.labels]
    with torch.inference_mode():
        for start in range(0, len(dataset), batch_size):
            samples = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
            logits = model.forward(model.collate([s.input for s in samples]))
            target = torch.tensor([to_model[s.target] for s in samples])
            for metric in metrics.values():
                metric.update(logits, target)
    return {name: float(metric.compute()) for name, metric in metrics.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)

    train = build_spoken_digits_synth(split="train")
    waves = [train[i].input.waveform for i in range(len(train))]  # shipped at 16 kHz already
    targets = torch.tensor([train[i].target for i in range(len(train))])
    module = LogMelCnn(num_classes=len(DIGIT_LABELS))
    optimiser = torch.optim.AdamW(module.parameters(), lr=LEARNING_RATE, weight_decay=1e-3)
    steps = args.epochs * ((len(waves) + BATCH_SIZE - 1) // BATCH_SIZE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.05)

    started = time.time()
    for epoch in range(args.epochs):
        module.train()
        order = rng.permutation(len(waves))
        total, correct, loss_sum = 0, 0, 0.0
        for start in range(0, len(order), BATCH_SIZE):
            index = order[start: start + BATCH_SIZE]
            batch = torch.from_numpy(np.stack([augment(waves[i], rng) for i in index]))
            logits = module(batch)
            loss = loss_fn(logits, targets[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += len(index)
            correct += int((logits.argmax(1) == targets[index]).sum())
            loss_sum += float(loss.detach()) * len(index)
        print(f"epoch {epoch + 1:2d}  loss {loss_sum / total:.3f}  train acc (augmented) {correct / total:.3f}"
              f"  {time.time() - started:.0f}s", flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(args.out),
              metadata={"model": "digits-cnn", "trained_on": "spoken-digits-synth train", "seed": str(SEED),
                        "epochs": str(args.epochs), "torch": torch.__version__})
    model = build_digits_cnn(weights=zoo.WeightsSpec(uri=str(args.out), format="safetensors"))
    model.to("cpu")
    print(f"weights {args.out} sha256 {model.weights_sha256} parameters {model.num_parameters()}")
    for name, dataset in (("spoken-digits-synth test", build_spoken_digits_synth(split="test")),
                          ("spoken-digits-synth train", train),
                          ("spokennumbers test (real voice)", build_spokennumbers())):
        print(name, evaluate(model, dataset))


if __name__ == "__main__":
    main()
