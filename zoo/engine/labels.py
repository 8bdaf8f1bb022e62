"""Class labels are matched by name between a dataset and a model, never by position alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zoo.errors import LabelMismatchError, UsageError


def _show(labels: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(label) for label in labels[:limit])
    return f"[{shown}{f', ... ({len(labels)} in all)' if len(labels) > limit else ''}]"


def _key(label: str) -> str:
    return " ".join(str(label).casefold().split())


def target_mapping(model_labels: Sequence[str] | None, dataset_labels: Sequence[str] | None,
                   label_map: Mapping[str, str] | None = None, *, model: str = "model",
                   dataset: str = "dataset") -> list[int]:
    """For each dataset class index, the model's class index with the same name.

    A dataset may use a subset of the model's classes (a few ImageNet classes);
    a dataset class the model lacks is an error showing both lists, unless
    ``label_map`` (dataset name -> model name) maps it deliberately.
    """
    if not model_labels or not dataset_labels:
        raise UsageError(f"{model} or {dataset} has no class labels; classification needs both")
    label_map = dict(label_map or {})
    unknown_keys = [name for name in label_map if name not in dataset_labels]
    if unknown_keys:
        raise UsageError(f"--label-map names {unknown_keys[0]!r}, which is not a class of {dataset} {_show(dataset_labels)}")
    by_name = {}
    for index, label in enumerate(model_labels):
        by_name.setdefault(str(label), index)
        by_name.setdefault(_key(label), index)
    mapping, missing = [], []
    for label in dataset_labels:
        wanted = label_map.get(label, label)
        index = by_name.get(str(wanted), by_name.get(_key(wanted)))
        if index is None and label in label_map:
            raise UsageError(f"--label-map maps {label!r} to {wanted!r}, which is not a class of {model} "
                             f"{_show(list(model_labels))}")
        if index is None:
            missing.append(label)
        mapping.append(-1 if index is None else index)
    if missing:
        raise LabelMismatchError(
            f"labels do not match by name: {dataset} has {_show(missing)} which {model} lacks; "
            f"{model} labels: {_show(list(model_labels))}; {dataset} labels: {_show(list(dataset_labels))}; "
            "pass --label-map FILE (YAML or JSON: dataset label -> model label) if the mapping is deliberate")
    return mapping
