"""Class labels are matched by name between a dataset and a model, never by position alone.

A dataset class matches the model class whose whole label is the same name
(exactly, then ignoring case and spacing), or else the one model class that
lists it among comma-separated synonyms (or qualifies it in parentheses,
"crane (n02012849)"): ImageNet names its classes "tabby, tabby cat", and a
folder named "tabby" is that class. A name that matches several model
classes equally well ("panda", "crane") is an error naming them, never a
silent first pick.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from zoo.errors import LabelMismatchError, UsageError

SHOWN = 5  # labels quoted in an error message; the rest are counted
LABEL_CHARS = 40  # an ImageNet label can be 121 characters long


def _quote(label: str) -> str:
    text = str(label)
    return repr(text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 3] + "...")


def _show(labels: Sequence[str], limit: int = SHOWN) -> str:
    shown = ", ".join(_quote(label) for label in labels[:limit])
    return f"[{shown}{f', ... ({len(labels)} in all)' if len(labels) > limit else ''}]"


def _key(label: str) -> str:
    return " ".join(str(label).casefold().split())


def _synonyms(label: str) -> list[str]:
    """"tabby, tabby cat" -> tabby, tabby cat; "crane (n02012849)" -> also crane, the name it qualifies."""
    keys = [_key(part) for part in str(label).split(",")]
    keys += [key.rsplit(" (", 1)[0] for key in keys if key.endswith(")") and " (" in key]
    return [key for key in keys if key]


class _ModelClasses:
    """The model's labels indexed three ways, from the most exact match to the least."""

    def __init__(self, labels: Sequence[str], model: str) -> None:
        self.labels, self.model = list(labels), model
        self.tiers: list[dict[str, list[int]]] = [{}, {}, {}]
        for index, label in enumerate(self.labels):
            self.tiers[0].setdefault(str(label), []).append(index)
            self.tiers[1].setdefault(_key(label), []).append(index)
            for synonym in dict.fromkeys(_synonyms(label)):
                self.tiers[2].setdefault(synonym, []).append(index)

    def find(self, name: str, *, dataset: str) -> int | None:
        """The model class ``name`` means; None when there is none, an error when several fit equally."""
        for tier, key in zip(self.tiers, (str(name), _key(name), _key(name))):
            found = tier.get(key, [])
            if len(found) == 1:
                return found[0]
            if found:
                classes = ", ".join(f"{_quote(self.labels[i])} (class {i})" for i in found[:SHOWN])
                raise LabelMismatchError(
                    f"{dataset} label {name!r} matches {len(found)} classes of {self.model}: {classes}; "
                    "pass --label-map FILE (YAML or JSON: dataset label -> model label) to say which")
        return None

    def closest(self, name: str) -> str | None:
        """The model label with the synonym most like ``name``, for a hint."""
        match = difflib.get_close_matches(_key(name), list(self.tiers[2]), n=1, cutoff=0.85)
        return self.labels[self.tiers[2][match[0]][0]] if match else None


def target_mapping(model_labels: Sequence[str] | None, dataset_labels: Sequence[str] | None,
                   label_map: Mapping[str, str] | None = None, *, model: str = "model",
                   dataset: str = "dataset") -> list[int]:
    """For each dataset class index, the model's class index with the same name.

    A dataset may use a subset of the model's classes (a few ImageNet classes);
    a dataset class the model lacks is an error quoting the first few of
    each list and counting the rest, unless ``label_map`` (dataset name ->
    model name) maps it deliberately.
    """
    if not model_labels or not dataset_labels:
        raise UsageError(f"{model} or {dataset} has no class labels; classification needs both")
    label_map = dict(label_map or {})
    unknown_keys = [name for name in label_map if name not in dataset_labels]
    if unknown_keys:
        raise UsageError(f"--label-map names {unknown_keys[0]!r}, which is not a class of {dataset} {_show(dataset_labels)}")
    classes = _ModelClasses(model_labels, model)
    mapping, missing = [], []
    for label in dataset_labels:
        wanted = label_map.get(label, label)
        index = classes.find(wanted, dataset=dataset)
        if index is None and label in label_map:
            raise UsageError(f"--label-map maps {label!r} to {wanted!r}, which is not a class of {model} "
                             f"{_show(list(model_labels))}")
        if index is None:
            missing.append(label)
        mapping.append(-1 if index is None else index)
    if missing:
        closest = classes.closest(missing[0])
        hint = f" (closest {model} label to {_quote(missing[0])}: {_quote(closest)})" if closest else ""
        raise LabelMismatchError(
            f"labels do not match by name: {dataset} has {_show(missing)} which {model} lacks{hint}; "
            f"{model} labels: {_show(list(model_labels))}; "
            "pass --label-map FILE (YAML or JSON: dataset label -> model label) if the mapping is deliberate")
    return mapping
