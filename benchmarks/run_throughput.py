"""`zoo run` throughput on realistic inputs, side by side with the usual ways of doing the same, CPU.

Measured in one run, interleaved (each repeat runs every contender in turn,
so a busy moment on a shared machine slows them alike), best of N, on the
same model, data, batch size and worker count:

  images  efficientnet-lite0-offline on a folder of full-size JPEGs (300 by
          default, about 500x375, ImageNet synset folders; random crops,
          resizes and flips of scikit-image's five labelled photos), 224 px
          after the weights' own resize and centre crop
          zoo.evaluate   vs  a loop written the way timm's validate.py does it:
                             timm's create_transform from the same data config,
                             torchvision's ImageFolder, a torch DataLoader,
                             torch.inference_mode() (also with --channels-last,
                             validate.py's option, which zoo uses by default)
  text    minilm-rt-polarity on the rotten-tomatoes test split
          zoo.evaluate   vs  a hand loop (tokenizer + module, batches in dataset order)
          zoo.evaluate   vs  transformers.pipeline("text-classification") on the
                             same MiniLM encoder with a sequence-classification
                             head (the pipeline cannot run a mean-pooling head),
                             and zoo on that very folder (hf-sequence-classification)
  speech  a wav2vec2 CTC model from a small random-initialised config, saved
          with its processor to a temporary folder, through zoo's hf-ctc
          builder, on clips of 2-6 s (spoken digits strung together)
          zoo.evaluate   vs  transformers.pipeline("automatic-speech-recognition")
                             on the same waveforms (given decoded, as arrays)
  process the whole-process wall time (subprocess, start to exit) of
          `zoo run efficientnet-lite0-offline --dataset image-folder ...` against
          a hand-written script doing the validate.py loop above on the same folder
          (building the model and loading its weights by hand), also --channels-last

Targets: images >= 1.0x the validate.py-style loop; text and speech >= 1.3x
the pipeline; the zoo run process <= 1.1x the hand script's.
Usage: python benchmarks/run_throughput.py [--repeat N] [--images N] [--texts N] [--clips N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import zoo  # noqa: E402

IMAGE_MODEL = "efficientnet-lite0-offline"
TEXT_MODEL = "minilm-rt-polarity"
PIPELINE_MODEL_ROW = "zoo.evaluate on the pipeline's model"
# scikit-image's labelled photos (see zoo_vision.data.photos), by their skimage.data function,
# and their ImageNet-1k synsets: tabby cat, espresso, tripod, missile, wall clock.
PHOTO_SYNSETS = {"chelsea": "n02123045", "coffee": "n07920052", "camera": "n04485082", "rocket": "n03773504",
                 "clock": "n04548280"}


# --------------------------------------------------------------------------- data


def make_photo_folder(root: Path, count: int, seed: int = 0) -> None:
    """``count`` JPEGs of about 500x375 (or 375x500) in ImageNet synset folders: random crops
    (a quarter of the photo or more), resizes and flips of the five labelled photos."""
    import skimage.data
    from PIL import Image, ImageOps

    rng = random.Random(seed)
    photos = {name: Image.fromarray(getattr(skimage.data, name)()).convert("RGB") for name in PHOTO_SYNSETS}
    for index in range(count):
        name = list(PHOTO_SYNSETS)[index % len(PHOTO_SYNSETS)]
        photo = photos[name]
        width, height = photo.size
        scale = rng.uniform(0.5, 1.0)
        crop_w, crop_h = int(width * scale), int(height * scale)
        left, top = rng.randint(0, width - crop_w), rng.randint(0, height - crop_h)
        image = photo.crop((left, top, left + crop_w, top + crop_h))
        size = (500, 375) if rng.random() < 0.75 else (375, 500)
        image = image.resize((size[0] + rng.randint(-40, 40), size[1] + rng.randint(-30, 30)), Image.BICUBIC)
        if rng.random() < 0.5:
            image = ImageOps.mirror(image)
        folder = root / PHOTO_SYNSETS[name]
        folder.mkdir(parents=True, exist_ok=True)
        image.save(folder / f"{index:04d}.jpg", quality=90)


def make_ctc_folder(folder: Path) -> None:
    """A wav2vec2 CTC model from a small random-initialised config, with its processor."""
    from transformers import (Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC,
                              Wav2Vec2Processor)

    vocab = {"<pad>": 0, "<unk>": 1, "|": 2, "'": 3, **{chr(ord("a") + i): 4 + i for i in range(26)}}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(str(folder / "vocab.json"), unk_token="<unk>", pad_token="<pad>",
                                     word_delimiter_token="|")
    extractor = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16_000, padding_value=0.0, do_normalize=True,
                                         return_attention_mask=True)
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    torch.manual_seed(0)
    config = Wav2Vec2Config(vocab_size=len(vocab), hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                            intermediate_size=1024, conv_dim=(256,) * 7, pad_token_id=0, ctc_loss_reduction="mean")
    Wav2Vec2ForCTC(config).eval().save_pretrained(folder)


def make_clips(folder: Path, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` 16 kHz clips of 2-6 s, each spoken digits strung together, as WAV files
    with a manifest.jsonl (path, transcript); returns the waveforms."""
    import soundfile as sf

    from zoo_speech.audio import to_rate

    digits = zoo.build_dataset("spoken-digits-synth-transcripts", split="test")
    words = [(to_rate(digits[i].input, i, 16_000, max_seconds=10.0), digits[i].target) for i in range(len(digits))]
    rng = random.Random(seed)
    waves, rows = [], []
    for index in range(count):
        seconds = rng.uniform(2.0, 6.0)
        pieces, said = [], []
        while sum(len(p) for p in pieces) < seconds * 16_000:
            wave, word = rng.choice(words)
            pieces += [wave, np.zeros(1600, dtype=np.float32)]
            said.append(word)
        wave = np.concatenate(pieces)[: int(seconds * 16_000)].astype(np.float32)
        sf.write(folder / f"clip{index:03d}.wav", wave, 16_000)
        waves.append(wave)
        rows.append({"path": f"clip{index:03d}.wav", "transcript": " ".join(said)})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return waves


def make_sequence_classification_folder(encoder: Path, folder: Path) -> None:
    """The MiniLM encoder with transformers' sequence-classification head (initialised, not trained)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()  # its report of the new head's missing weights: expected here
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(encoder), num_labels=2, id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(str(encoder)).save_pretrained(folder)


# --------------------------------------------------------------------------- contenders


def zoo_throughput(model: str, dataset: str, **options: object) -> float:
    run = zoo.evaluate(model, dataset, device="cpu", **options)
    return run["run"]["samples_per_second"]


def timm_validate_loop(module: torch.nn.Module, data_config: dict, root: Path, batch_size: int, workers: int,
                       channels_last: bool = False) -> float:
    """Images/s of the loop timm's validate.py runs (transforms, ImageFolder, DataLoader)."""
    from timm.data import ImageNetInfo, create_transform
    from torchvision.datasets import ImageFolder

    transform = create_transform(**data_config, is_training=False)
    dataset = ImageFolder(str(root), transform=transform)
    synsets = ImageNetInfo().label_names()
    to_imagenet = torch.tensor([synsets.index(name) for name in dataset.classes])
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers)
    if channels_last:
        module = module.to(memory_format=torch.channels_last)
    correct = 0
    started = time.perf_counter()
    with torch.inference_mode():
        for images, targets in loader:
            if channels_last:
                images = images.contiguous(memory_format=torch.channels_last)
            correct += int((module(images).argmax(-1) == to_imagenet[targets]).sum())
    elapsed = time.perf_counter() - started
    module.to(memory_format=torch.contiguous_format)
    return len(dataset) / elapsed


def text_hand_loop(model: object, texts: list[str], batch_size: int, max_length: int) -> float:
    """Texts/s of the plainest loop over the same module: tokenise a batch, run it, in dataset order."""
    tokenizer = model.batcher.tokenizer
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], padding=True, truncation=True, max_length=max_length,
                              return_tensors="pt")
            model.module(**batch).argmax(-1)
    return len(texts) / (time.perf_counter() - started)


def text_pipeline(folder: Path, texts: list[str], batch_size: int, max_length: int) -> float:
    from transformers import pipeline

    classifier = pipeline("text-classification", model=str(folder), device="cpu", batch_size=batch_size)
    started = time.perf_counter()
    classifier(texts, truncation=True, max_length=max_length)
    return len(texts) / (time.perf_counter() - started)


def speech_pipeline(folder: Path, waves: list[np.ndarray], batch_size: int) -> float:
    from transformers import pipeline

    recogniser = pipeline("automatic-speech-recognition", model=str(folder), device="cpu", batch_size=batch_size)
    started = time.perf_counter()
    recogniser([{"raw": wave, "sampling_rate": 16_000} for wave in waves])
    return len(waves) / (time.perf_counter() - started)


def speech_hand_loop(folder: Path, waves: list[np.ndarray], batch_size: int) -> float:
    from transformers import AutoModelForCTC, AutoProcessor

    processor = AutoProcessor.from_pretrained(folder)
    model = AutoModelForCTC.from_pretrained(folder).eval()
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(waves), batch_size):
            features = processor(waves[start:start + batch_size], sampling_rate=16_000, padding=True,
                                 return_tensors="pt")
            processor.batch_decode(model(**features).logits.argmax(-1))
    return len(waves) / (time.perf_counter() - started)


HAND_SCRIPT = """
import json, sys, time
started = time.perf_counter()
import torch, timm
from timm.data import ImageNetInfo, create_transform
from torchvision.datasets import ImageFolder

settings = json.loads(sys.argv[1])
model = timm.create_model(settings["architecture"], pretrained=False)
state = torch.load(settings["weights"], map_location="cpu", weights_only=True)
if settings["key_mapping"] == "in-order":  # the checkpoint's names follow another scheme: load by position
    state = dict(zip(model.state_dict(), state.values()))
model.load_state_dict(state)
model.eval()
if settings["channels_last"]:
    model = model.to(memory_format=torch.channels_last)
dataset = ImageFolder(settings["root"], transform=create_transform(**settings["data_config"], is_training=False))
synsets = ImageNetInfo().label_names()
to_imagenet = torch.tensor([synsets.index(name) for name in dataset.classes])
loader = torch.utils.data.DataLoader(dataset, batch_size=settings["batch_size"], num_workers=settings["workers"])
correct = 0
with torch.inference_mode():
    for images, targets in loader:
        if settings["channels_last"]:
            images = images.contiguous(memory_format=torch.channels_last)
        correct += int((model(images).argmax(-1) == to_imagenet[targets]).sum())
print(json.dumps({"top1": correct / len(dataset), "seconds": time.perf_counter() - started}))
"""


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def interleaved_best(repeats: int, contenders: dict[str, Callable[[], float]], *, lower_is_better: bool = False
                     ) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(repeats):
        for name, measure in contenders.items():
            value = measure()
            keep = min if lower_is_better else max
            best[name] = keep(best.get(name, value), value)
    return best


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--texts", type=int, default=512, help="rotten-tomatoes test sentences (of 1,066)")
    parser.add_argument("--clips", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-workers", type=int, default=None,
                        help="data-loader workers for every contender (default: what zoo chooses here)")
    parser.add_argument("--only", choices=["images", "text", "speech", "process"], action="append")
    args = parser.parse_args()
    parts = args.only or ["images", "text", "speech", "process"]
    bs, n = args.batch_size, args.repeat
    # The zoo run processes keep their records in a store of their own, not the user's.
    os.environ["ZOO_RESULTS"] = os.path.join(tempfile.mkdtemp(prefix="zoo-throughput-"), "results.sqlite")
    scratch = Path(tempfile.mkdtemp(prefix="zoo-throughput-"))
    rows: list[tuple[str, float, str]] = []
    ratios: list[str] = []
    try:
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, torch threads "
              f"{torch.get_num_threads()}, batch size {bs}, best of {n}, interleaved\n", flush=True)
        if "images" in parts or "process" in parts:
            photos = scratch / "photos"
            make_photo_folder(photos, args.images)
            folder_args = {"dataset_args": {"root": str(photos)}, "batch_size": bs}
            first = zoo.evaluate(IMAGE_MODEL, "image-folder", num_workers=args.num_workers, device="cpu",
                                 **folder_args)
            workers = first["run"]["num_workers"] if args.num_workers is None else args.num_workers
            print(f"images: {args.images} JPEGs, {workers} workers; zoo top1 {first['metrics']['top1']:.4f}",
                  flush=True)
            built = zoo.build_model(IMAGE_MODEL)
            keys = ("input_size", "interpolation", "crop_pct", "crop_mode", "mean", "std")
            data_config = {key: built.config[key] for key in keys}
        if "images" in parts:
            image = interleaved_best(n, {
                "validate.py loop": lambda: timm_validate_loop(built.module, data_config, photos, bs, workers),
                "validate.py loop --channels-last": lambda: timm_validate_loop(built.module, data_config, photos, bs,
                                                                               workers, channels_last=True),
                "zoo.evaluate": lambda: zoo_throughput(IMAGE_MODEL, "image-folder", num_workers=workers, **folder_args),
                "zoo.evaluate --dtype bfloat16": lambda: zoo_throughput(IMAGE_MODEL, "image-folder", num_workers=workers,
                                                                        dtype="bfloat16", **folder_args),
            })
            rows += [(f"images: {name}", value, "images/s") for name, value in image.items()]
            ratios.append(f"images: zoo / validate.py loop = {image['zoo.evaluate'] / image['validate.py loop']:.2f}x "
                          f"(target >= 1.0); / its --channels-last = "
                          f"{image['zoo.evaluate'] / image['validate.py loop --channels-last']:.2f}x")
        if "text" in parts:
            text_model = zoo.build_model(TEXT_MODEL)
            max_length = text_model.config["max_length"]
            dataset = zoo.build_dataset("rotten-tomatoes", split="test")
            texts = [dataset[i].input for i in range(min(args.texts, len(dataset)))]
            encoder = Path(text_model.config["encoder_folder"])
            classifier = scratch / "minilm-sequence-classification"
            make_sequence_classification_folder(encoder, classifier)
            text_options = {"limit": len(texts), "batch_size": bs, "num_workers": args.num_workers}
            seq_args = {"model_args": {"model": str(classifier), "max_length": max_length}}
            print(f"text: {len(texts)} sentences, max_length {max_length}", flush=True)
            text = interleaved_best(n, {
                "hand loop": lambda: text_hand_loop(text_model, texts, bs, max_length),
                "transformers.pipeline": lambda: text_pipeline(classifier, texts, bs, max_length),
                "zoo.evaluate": lambda: zoo_throughput(TEXT_MODEL, "rotten-tomatoes", **text_options),
                PIPELINE_MODEL_ROW: lambda: zoo_throughput(
                    "hf-sequence-classification", "rotten-tomatoes", **text_options, **seq_args),
            })
            rows += [(f"text: {name}", value, "texts/s") for name, value in text.items()]
            ratios += [f"text: zoo / hand loop = {text['zoo.evaluate'] / text['hand loop']:.2f}x",
                       f"text: zoo / transformers.pipeline = {text['zoo.evaluate'] / text['transformers.pipeline']:.2f}x"
                       f" (target >= 1.3); on the pipeline's own model "
                       f"{text[PIPELINE_MODEL_ROW] / text['transformers.pipeline']:.2f}x"]
        if "speech" in parts:
            ctc = scratch / "wav2vec2-ctc"
            clips = scratch / "clips"
            ctc.mkdir()
            clips.mkdir()
            make_ctc_folder(ctc)
            waves = make_clips(clips, args.clips)
            print(f"speech: {len(waves)} clips, {sum(map(len, waves)) / 16_000:.0f} s of audio", flush=True)
            speech_options = {"model_args": {"model": str(ctc)}, "dataset_args": {"path": str(clips / "manifest.jsonl")},
                              "batch_size": bs, "num_workers": args.num_workers}
            speech = interleaved_best(n, {
                "hand loop": lambda: speech_hand_loop(ctc, waves, bs),
                "transformers.pipeline": lambda: speech_pipeline(ctc, waves, bs),
                "zoo.evaluate": lambda: zoo_throughput("hf-ctc", "manifest", **speech_options),
            })
            rows += [(f"speech: {name}", value, "clips/s") for name, value in speech.items()]
            ratios += [f"speech: zoo / transformers.pipeline = "
                       f"{speech['zoo.evaluate'] / speech['transformers.pipeline']:.2f}x (target >= 1.3); "
                       f"/ hand loop = {speech['zoo.evaluate'] / speech['hand loop']:.2f}x"]
        if "process" in parts:
            settings = {"architecture": built.config["architecture"], "weights": built.config["weights"],
                        "key_mapping": built.config["key_mapping"], "data_config": data_config, "root": str(photos),
                        "batch_size": bs, "workers": workers}
            commands = {
                "hand script": [sys.executable, "-c", HAND_SCRIPT, json.dumps({**settings, "channels_last": False})],
                "hand script --channels-last": [sys.executable, "-c", HAND_SCRIPT,
                                                json.dumps({**settings, "channels_last": True})],
                "zoo run": [sys.executable, "-m", "zoo", "run", IMAGE_MODEL, "--dataset", "image-folder",
                            "--dataset-arg", f"root={photos}", "-b", str(bs), "--num-workers", str(workers), "-q",
                            "--rerun"],  # a run each time, never answered from the results store
            }
            process = interleaved_best(n, {name: (lambda c=command: wall(c)) for name, command in commands.items()},
                                       lower_is_better=True)
            rows += [(f"process: {name}", value, "s (whole process)") for name, value in process.items()]
            ratios.append(f"process: zoo run / hand script = {process['zoo run'] / process['hand script']:.2f}x "
                          f"(target <= 1.1); / its --channels-last = "
                          f"{process['zoo run'] / process['hand script --channels-last']:.2f}x")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    for name, value, unit in rows:
        print(f"{name:<48} {value:>9.2f} {unit}")
    print()
    for line in ratios:
        print(line)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
