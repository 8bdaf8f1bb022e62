"""Write zoo-vision's catalogue of every timm pretrained model, as data.

    python plugins/zoo-vision/scripts/generate_timm_catalogue.py            # ~2 min of CPU
    python plugins/zoo-vision/scripts/generate_timm_catalogue.py --results DIR --output FILE [--models NAME...]

One JSON Lines entry per pretrained tag that the installed timm knows
(``timm.list_pretrained()``: 1,826 with timm 1.0.31), sorted by name, written
to ``zoo_vision/catalogues/timm.jsonl``. Nothing is downloaded and nothing is
guessed; every field comes from one of two places:

- timm's own pretrained config of the tag (``timm.models.get_pretrained_cfg``):
  the weights (``timm:arch.tag``, the safetensors file of its hub repository
  ``timm/arch.tag``; ``hf-hub:REPO/model.safetensors`` for the tags kept in
  another repository; for the few tags without one, the ``https://`` file the
  config names),
  the licence, the hub page or origin (``source``), arXiv ids (``paper``), the
  number of classes and the eval preprocessing the description states (the
  ``timm`` builder reads the same config when it builds the model);
- timm's published results, copied unchanged from its repository at commit
  ``RESULTS_COMMIT`` into ``--results DIR`` (default: ``shared/data/timm-results``
  beside this repository): top-1/top-5 (percent in the files, fractions here)
  on ImageNet-1k validation, ImageNet-ReaL, ImageNetV2 matched-frequency,
  ImageNet-Sketch, ImageNet-R and ImageNet-A, each citing the results file at
  that commit, with the protocol of its row; ``param_count``; and
  ``model_metadata-in1k.csv``'s pretraining data.

A tag evaluated at two sizes (timm publishes both the train and the test
size for some) reports the row at the size and crop the ``timm`` builder
uses, which is the config's test size (``test_input_size``/``test_crop_pct``
when set), so ``zoo run`` reproduces what is reported; a tag with one row
reports that row, and where its size, crop or interpolation differs from the
config's (six fasternet tags were measured at crop 1.0, their config says
0.9) the entry's ``args.preprocessing`` sets them, so the builder measures as
timm did.

``params`` is the results' ``param_count`` where timm published one: timm
writes millions with two decimals, so the count here is that value times 10^6,
rounded (25.56 -> 25560000, not the exact 25557032). Tags without results get
the exact count of the model built on PyTorch's meta device, which allocates
nothing (about 2 min for the 560 such tags on 2 cores).

The output is byte-identical on every run with the same timm and results:
entries in name order, fields in a fixed order, no timestamps.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import re
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
DEFAULT_RESULTS = REPO.parent / "shared" / "data" / "timm-results"
DEFAULT_OUTPUT = REPO / "plugins" / "zoo-vision" / "zoo_vision" / "catalogues" / "timm.jsonl"

RESULTS_COMMIT = "aa4b5850c1543fa488abf260f18390eda46cf85d"
RESULTS_URL = f"https://github.com/huggingface/pytorch-image-models/blob/{RESULTS_COMMIT}/results/"

# Each results file -> the zoo dataset (and split) its numbers were measured on.
RESULTS_FILES: dict[str, tuple[str, str]] = {
    "results-imagenet.csv": ("imagenet-1k", "validation"),
    "results-imagenet-real.csv": ("imagenet-real", "validation"),
    "results-imagenetv2-matched-frequency.csv": ("imagenetv2-matched-frequency", "test"),
    "results-sketch.csv": ("imagenet-sketch", "test"),
    "results-imagenet-r.csv": ("imagenet-r", "test"),
    "results-imagenet-a.csv": ("imagenet-a", "test"),
}
METADATA_FILE = "model_metadata-in1k.csv"
EVALUATED_BY = "timm validate.py"

# Tokens of timm's pretrained tags that name the data the weights were (pre)trained or fine-tuned
# on, as timm's naming convention writes them ("fb_in22k_ft_in1k": Facebook's weights, pretrained
# on ImageNet-22k, fine-tuned on ImageNet-1k). ImageNet's get the name zoo's datasets use; the
# others are kept as timm writes them. Tokens not listed (recipes, sources, sizes) are not data.
IMAGENET_TOKENS = {"in1k": "imagenet-1k", "in12k": "imagenet-12k", "in21k": "imagenet-21k",
                   "in22k": "imagenet-22k", "inw21k": "imagenet-21k-winter"}
DATA_TOKENS = frozenset({
    "cc12m", "datacomp1b", "datacompxl", "dfn2b", "dfn5b", "dfndr2b", "docci", "ig1b", "jft", "laion2b",
    "laion400m", "laiona", "lvd142m", "lvd1689m", "m30m", "m38m", "merged2b", "ocrvqa", "refcoco", "sa1b",
    "sat493m", "webli", "yfcc100m", "yfcc15m",
})
LICENCES_UNKNOWN = frozenset({"", "unknown"})  # what timm writes when a tag's licence is not known
HUB_FORMAT = "safetensors"  # every timm hub repository holds model.safetensors
HUB_WEIGHTS_FILE = "model.safetensors"  # the file timm reads first from a hub repository (its safe alternative)
URL_FORMAT = "pickle"  # the .pth / .pth.tar files of the tags without a hub repository


@dataclass(frozen=True)
class ResultRow:
    """One row of a results file: a tag evaluated at one size."""

    top1: Decimal
    top5: Decimal
    img_size: int
    crop_pct: Decimal
    interpolation: str
    param_count: Decimal  # millions, two decimals


def read_results(folder: Path) -> dict[str, dict[str, list[ResultRow]]]:
    """File name -> tag -> its rows, in file order."""
    tables: dict[str, dict[str, list[ResultRow]]] = {}
    for name in RESULTS_FILES:
        path = folder / name
        if not path.is_file():
            raise SystemExit(f"error: {path} is missing; --results must be a copy of timm's results/ folder "
                             f"(commit {RESULTS_COMMIT})")
        rows: dict[str, list[ResultRow]] = {}
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                rows.setdefault(row["model"], []).append(ResultRow(
                    top1=Decimal(row["top1"]), top5=Decimal(row["top5"]), img_size=int(row["img_size"]),
                    crop_pct=Decimal(row["crop_pct"]), interpolation=row["interpolation"],
                    param_count=Decimal(row["param_count"].replace(",", ""))))  # "1,013.01"
        tables[name] = rows
    return tables


def read_metadata(folder: Path) -> dict[str, str]:
    """model_metadata-in1k.csv: a (mostly pre-tag) model name -> its pretraining data ('in21k-selfsl')."""
    with (folder / METADATA_FILE).open(newline="") as handle:
        return {row["model"]: row["pretrain"] for row in csv.DictReader(handle)}


def pretraining_by_tag(metadata: Mapping[str, str], tags: Sequence[str]) -> dict[str, str]:
    """The metadata rows that name one pretrained tag unambiguously.

    The file predates timm's ``arch.tag`` names: a row names an architecture, or
    an old model name. An old name timm maps to a tag (``convnext_tiny_in22ft1k``
    -> ``convnext_tiny.fb_in22k_ft_in1k``) names that tag; an architecture
    names its tag only when it has a single one. Other rows could mean any of
    several weights, so they are not used.
    """
    from timm.models import get_deprecated_models

    renamed = get_deprecated_models()
    by_architecture: dict[str, list[str]] = {}
    for tag in tags:
        by_architecture.setdefault(tag.split(".", 1)[0], []).append(tag)
    found: dict[str, str] = {}
    for model, pretrain in sorted(metadata.items()):
        target = renamed.get(model)
        if target in by_architecture.get((target or "").split(".", 1)[0], ()):
            found[target] = pretrain  # type: ignore[index]
        elif target is None and len(by_architecture.get(model, ())) == 1:
            found[by_architecture[model][0]] = pretrain
    return found


@functools.lru_cache(maxsize=1)
def _spdx_ids() -> dict[str, str]:
    """Every SPDX licence id, case-folded -> as SPDX writes it (license-expression's list)."""
    from license_expression import get_spdx_licensing

    ids = {}
    for key, symbol in get_spdx_licensing().known_symbols.items():
        if not key.startswith("LicenseRef-") and key == symbol.key:
            ids[key.casefold()] = key
    return ids


def spdx_licence(timm_licence: str | None) -> str:
    """timm's licence name as SPDX: a listed id in SPDX's spelling ('apache-2.0' -> 'Apache-2.0'),
    LicenseRef-NAME for a licence SPDX does not list ('apple-ascl'), NOASSERTION when timm says none."""
    name = (timm_licence or "").strip()
    if name.casefold() in LICENCES_UNKNOWN:
        return "NOASSERTION"
    listed = _spdx_ids().get(name.casefold())
    if listed:
        return listed
    return "LicenseRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", name)


def data_tags(tag: str) -> list[str]:
    """The datasets a pretrained tag names, in the tag's order ('fb_in22k_ft_in1k' -> imagenet-22k, imagenet-1k)."""
    found = []
    for token in tag.split("_"):
        name = IMAGENET_TOKENS.get(token) or (token if token in DATA_TOKENS else None)
        if name and name not in found:
            found.append(name)
    return found


@functools.lru_cache(maxsize=1)
def _families() -> dict[str, str]:
    """Architecture -> the timm module that defines it ('resnet50' -> 'resnet'), through timm's public listing."""
    import timm

    families = {}
    for module in sorted(timm.list_modules()):
        for architecture in timm.list_models(module=module):
            families.setdefault(architecture, module)
    return families


def family(architecture: str) -> str:
    return _families().get(architecture, architecture).replace("_", "-")


def meta_parameter_count(name: str) -> int:
    """The exact parameter count of the tag's model, built on the meta device (nothing allocated)."""
    import timm
    import torch

    with warnings.catch_warnings(), torch.device("meta"):
        warnings.simplefilter("ignore")
        module = timm.create_model(name, pretrained=False)
    return sum(parameter.numel() for parameter in module.parameters())


def eval_protocol(cfg: Any) -> tuple[int, int, Decimal, str]:
    """(height, width, crop_pct, interpolation) the timm builder evaluates at: timm's test size."""
    size = cfg.test_input_size or cfg.input_size
    crop = cfg.test_crop_pct if cfg.test_crop_pct is not None else cfg.crop_pct
    return int(size[-2]), int(size[-1]), Decimal(str(crop)).normalize(), cfg.interpolation


def pick_row(rows: Sequence[ResultRow], cfg: Any) -> ResultRow:
    """The row at the builder's size and crop when there is one, else the file's first."""
    height, width, crop, _ = eval_protocol(cfg)
    for row in rows:
        if row.img_size == height == width and row.crop_pct == crop:
            return row
    for row in rows:
        if row.img_size == height == width:
            return row
    return rows[0]


def preprocessing_overrides(row: ResultRow, cfg: Any) -> dict[str, Any]:
    """What the builder must be told to evaluate as the published row was measured, when the config's
    test protocol differs from it (timm's files write crop_pct with three decimals: 0.897 is 0.8975)."""
    height, width, crop, interpolation = eval_protocol(cfg)
    overrides: dict[str, Any] = {}
    if not row.img_size == height == width:
        overrides["input_size"] = [row.img_size, row.img_size]
    if abs(row.crop_pct - crop) > Decimal("0.0005"):
        overrides["crop_pct"] = float(row.crop_pct)
    if row.interpolation != interpolation:
        overrides["interpolation"] = row.interpolation
    return overrides


def fraction(percent: Decimal) -> float:
    """timm's percent as a fraction, exactly: 81.240 -> 0.8124."""
    return float(percent.scaleb(-2).normalize())


def reported_values(name: str, cfg: Any, tables: Mapping[str, Mapping[str, Sequence[ResultRow]]]) -> list[dict[str, Any]]:
    values = []
    for file_name, (dataset, split) in RESULTS_FILES.items():
        rows = tables[file_name].get(name)
        if not rows:
            continue
        row = pick_row(rows, cfg)
        protocol = {"input_size": row.img_size, "crop_pct": float(row.crop_pct), "interpolation": row.interpolation,
                    "evaluated_by": EVALUATED_BY}
        for metric, value in (("top1", row.top1), ("top5", row.top5)):
            values.append({"metric": metric, "value": fraction(value), "dataset": dataset, "split": split,
                           "dataset_args": {"root": "PATH"}, "source": RESULTS_URL + file_name,
                           "protocol": protocol})
    return values


def describe(name: str, cfg: Any, overrides: Mapping[str, Any]) -> str:
    """One line from the pretrained config: what the weights are and how they are evaluated."""
    architecture, tag = name.split(".", 1)
    height, width, crop, interpolation = eval_protocol(cfg)
    height, width = overrides.get("input_size", (height, width))
    crop = Decimal(str(overrides.get("crop_pct", crop)))
    interpolation = overrides.get("interpolation", interpolation)
    if overrides:
        differs = "differs" if len(overrides) == 1 else "differ"
        notes_on_protocol = [f"evaluated as timm's published results were measured (its config's test "
                             f"{' and '.join(sorted(overrides))} {differs})"]
    else:
        notes_on_protocol = []
    head = (f"{cfg.num_classes}-class head" if cfg.num_classes else
            "no classifier head (num_classes 0: features only)")
    paper = f" ({cfg.paper_name})" if cfg.paper_name else ""
    notes = [cfg.notes] if isinstance(cfg.notes, str) else list(cfg.notes or ())
    crop_mode = f" ({cfg.crop_mode})" if cfg.crop_mode and cfg.crop_mode != "center" else ""
    return "; ".join([f"timm {architecture} with its pretrained weights '{tag}'{paper}", head,
                      f"eval {height}x{width}, crop {float(crop)}{crop_mode}, {interpolation}", *notes_on_protocol,
                      *notes])


def entry(name: str, tables: Mapping[str, Mapping[str, Sequence[ResultRow]]],
          pretraining: Mapping[str, str]) -> dict[str, Any]:
    """The catalogue entry of one pretrained tag."""
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(name)
    architecture = name.split(".", 1)[0]
    if cfg.hf_hub_id == f"timm/{name}":
        weights = {"uri": f"timm:{name}", "format": HUB_FORMAT}
        source = f"https://huggingface.co/{cfg.hf_hub_id}"
    elif cfg.hf_hub_id:
        # 53 tags live in another repository (their authors', or a sibling tag's): named here, so that
        # zoo list and zoo run find them in the hub cache without asking timm where they are.
        weights = {"uri": f"hf-hub:{cfg.hf_hub_id}/{cfg.hf_hub_filename or HUB_WEIGHTS_FILE}", "format": HUB_FORMAT}
        source = f"https://huggingface.co/{cfg.hf_hub_id}"
    else:
        weights = {"uri": cfg.url, "format": URL_FORMAT}
        source = cfg.origin_url if (cfg.origin_url or "").startswith("https://") else None
    tags = [family(architecture), *data_tags(cfg.tag)]
    if name in pretraining:
        tags.append(f"pretrain-{pretraining[name]}")
    if not cfg.num_classes:
        tags.append("features-only")
    tags.append("hub-weights" if cfg.hf_hub_id else "url-weights")
    imagenet_rows = tables["results-imagenet.csv"].get(name)
    args: dict[str, Any] = {"model_name": name}
    if imagenet_rows and (overrides := preprocessing_overrides(pick_row(imagenet_rows, cfg), cfg)):
        args["preprocessing"] = overrides  # so that zoo run measures as the published numbers were
    result: dict[str, Any] = {
        "name": name, "task": "image-classification", "builder": "timm", "args": args,
        "weights": weights, "license": spdx_licence(cfg.license),
        "params": (round(imagenet_rows[0].param_count * 1_000_000) if imagenet_rows else meta_parameter_count(name)),
        "tags": list(dict.fromkeys(tags)),
    }
    if source:
        result["source"] = source
    arxiv = [part.strip()[len("arXiv:"):] for part in (cfg.paper_ids or "").split(",")
             if part.strip().startswith("arXiv:")]
    if arxiv:
        result["paper"] = f"https://arxiv.org/abs/{re.sub(r'v[0-9]+$', '', arxiv[0])}"
    if imagenet_rows:
        result["default_dataset"] = "imagenet-1k"
    result["description"] = describe(name, cfg, args.get("preprocessing", {}))
    reported = reported_values(name, cfg, tables)
    if reported:
        result["reported"] = reported
    return result


def generate(results: Path, names: Iterable[str] | None = None) -> str:
    """The catalogue's text: one JSON object a line, in name order."""
    import timm

    every = sorted(timm.list_pretrained())
    chosen = every if names is None else sorted(set(names))
    unknown = sorted(set(chosen) - set(every))
    if unknown:
        raise SystemExit(f"error: timm {timm.__version__} has no pretrained tag {unknown[0]!r} (timm.list_pretrained())")
    tables = read_results(results)
    published = {name for rows in tables.values() for name in rows}
    stale = sorted(published - set(every))
    if stale:
        print(f"warning: {len(stale)} results rows name tags timm {timm.__version__} does not have, e.g. "
              f"{stale[0]!r}; they are left out", file=sys.stderr)
    pretraining = pretraining_by_tag(read_metadata(results), every)
    lines = [json.dumps(entry(name, tables, pretraining), ensure_ascii=False) for name in chosen]
    return "".join(line + "\n" for line in lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                        help=f"timm's results/ folder at commit {RESULTS_COMMIT} (default: {DEFAULT_RESULTS})")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    parser.add_argument("--models", nargs="+", metavar="NAME", help="only these pretrained tags (default: every one)")
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        raise SystemExit(f"error: {args.results} is not a folder; give timm's results/ folder with --results DIR")
    text = generate(args.results, args.models)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    staging = args.output.with_name(args.output.name + ".partial")
    staging.write_text(text, encoding="utf-8")
    staging.replace(args.output)
    print(f"{args.output}: {text.count(chr(10))} models", file=sys.stderr)


if __name__ == "__main__":
    main()
