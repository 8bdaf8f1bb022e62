"""The four built-in tasks and their metrics, registered by zoo itself as the plugin ``zoo``.

Why the core ships them: a task is a contract between many plugins — one
plugin's models, another's datasets, a third's metrics. If a task belonged to
the first plugin that happened to register it, a newcomer could take it over
(by sorting earlier) or vanish with its owner (uninstalled). The core owns the
four tasks every model zoo has, with their input kinds (read by
:mod:`zoo.inputs`) and default metrics (torchmetrics, through
:mod:`zoo.metrics`), so every plugin can target them and none can redefine
them: a plugin registering one of these names has that registration refused,
alone, and its models and datasets for the task load as usual. A plugin may
still register a task of its own (``tabular-classification``) and be its owner.
"""

from __future__ import annotations

from typing import Any, Final

from zoo.hookspecs import hookimpl

__all__ = ["BUILTIN_TASKS", "PLUGIN_NAME", "register_datasets", "register_metrics", "register_tasks"]

PLUGIN_NAME: Final = "zoo"
TEXT, IMAGE, AUDIO, ASR = "text-classification", "image-classification", "audio-classification", "speech-recognition"
BUILTIN_TASKS: Final = (TEXT, IMAGE, AUDIO, ASR)
NORMALISATION: Final = ("transcripts are NFKC-normalised, lower-cased and stripped of punctuation (inner "
                        "apostrophes kept) and whitespace-collapsed before scoring (zoo.metrics.normalize_transcript)")


@hookimpl
def register_tasks(register: Any) -> None:
    register(TEXT, target="class", input="text", default_metrics=["accuracy", "macro-f1"],
             input_loader="zoo.inputs.text:text_from_argument",
             description="A string in, one class out: sentiment, topic, emotion, NLI-style labels")
    register(IMAGE, target="class", input="image", default_metrics=["top1", "top5"],
             input_loader="zoo.inputs.image:load_image",
             description="One label per image; models return logits [B, C]")
    register(AUDIO, target="class", input="audio", default_metrics=["accuracy", "macro-f1"],
             input_loader="zoo.inputs.audio:load_input",
             description="Classify a clip (a spoken word, a keyword...): a mono waveform in, logits out")
    register(ASR, target="text", input="audio", default_metrics=["wer", "cer"],
             input_loader="zoo.inputs.audio:load_input",
             description="Transcribe speech: a mono waveform and its rate in, a transcript out")


HF_COLUMNS: Final = {TEXT: "text=COLUMN [text_pair=COLUMN] label=COLUMN", IMAGE: "image=COLUMN label=COLUMN",
                     AUDIO: "audio=COLUMN label=COLUMN", ASR: "audio=COLUMN transcript=COLUMN"}


@hookimpl
def register_datasets(register: Any) -> None:
    # Any Hugging Face dataset, one entry per task (a dataset entry has one task); the plugins register
    # well-known hub datasets on the same builders (zoo.hf_datasets) with their path and columns filled in.
    for task, builder in ((TEXT, "text_classification"), (IMAGE, "image_classification"),
                          (AUDIO, "audio_classification"), (ASR, "speech_recognition")):
        register(f"hf-{task}", task=task, builder=f"zoo.hf_datasets:{builder}",
                 splits=["test", "validation", "train"], default_split="test", license="NOASSERTION",
                 tags=["user-data", "hugging-face"], source="https://huggingface.co/docs/datasets",
                 description=f"Any Hugging Face dataset for {task}: --dataset-arg path=ORG/NAME (a hub dataset, "
                             "fetched by `zoo pull`) or path=FOLDER_OR_FILE (save_to_disk, parquet, arrow, csv), "
                             f"[config=NAME revision=REV] {HF_COLUMNS[task]}"
                             f"{'' if task == ASR else '; class names from a ClassLabel column'}. "
                             "The licence is the dataset's own.")


@hookimpl
def register_metrics(register: Any) -> None:
    register("accuracy", tasks=[TEXT, AUDIO], builder="zoo.metrics:accuracy", args={"top_k": 1},
             description="Fraction of samples whose argmax class is the target (torchmetrics, micro average)")
    register("top1", tasks=[IMAGE], builder="zoo.metrics:accuracy", args={"top_k": 1},
             description="Top-1 accuracy (torchmetrics MulticlassAccuracy, micro average)")
    register("top5", tasks=[IMAGE], builder="zoo.metrics:accuracy", args={"top_k": 5},
             description="Top-5 accuracy: the target is among the five highest logits")
    register("macro-f1", tasks=[TEXT, IMAGE, AUDIO], builder="zoo.metrics:f1_macro",
             description="F1 per class, averaged with every class counting equally (torchmetrics)")
    register("mcc", tasks=[TEXT], builder="zoo.metrics:matthews", range=[-1.0, 1.0],
             description="Matthews correlation coefficient, multiclass (torchmetrics)")
    register("wer", tasks=[ASR], builder="zoo.metrics:word_error_rate", args={"normalize": True},
             higher_is_better=False, range=[0.0, None],
             description=f"Word error rate over the corpus (torchmetrics); {NORMALISATION}")
    register("cer", tasks=[ASR], builder="zoo.metrics:char_error_rate", args={"normalize": True},
             higher_is_better=False, range=[0.0, None],
             description=f"Character error rate over the corpus (torchmetrics); {NORMALISATION}")
