"""The generated catalogue of every timm pretrained tag (zoo_vision/catalogues/timm.jsonl).

The committed file is data: it passes ``zoo validate``, holds one entry per
tag timm knows, and its numbers are timm's published ones. The script that
writes it is deterministic: run twice on the same results it writes the same
bytes, and the rows it writes are the committed ones. Tests read timm's results
from ``shared/data/timm-results`` beside the repository where that folder exists,
and from the few rows copied under ``fixtures/timm-results`` always.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import timm
from click.testing import CliRunner

import zoo
from zoo.cli import make_cli

PLUGIN = Path(__file__).resolve().parents[1]
CATALOGUE = PLUGIN / "zoo_vision" / "catalogues" / "timm.jsonl"
SCRIPT = PLUGIN / "scripts" / "generate_timm_catalogue.py"
FIXTURE = Path(__file__).parent / "fixtures" / "timm-results"
SHARED_RESULTS = PLUGIN.parents[1].parent / "shared" / "data" / "timm-results"
RESULTS_FOLDERS = [FIXTURE, *([SHARED_RESULTS] if SHARED_RESULTS.is_dir() else [])]
FIXTURE_MODELS = ["cait_xxs24_224.fb_dist_in1k", "convnext_tiny.fb_in1k", "eva_giant_patch14_336.clip_ft_in1k",
                  "fasternet_t0.in1k", "gcvit_xxtiny.in1k", "resnet18.fb_swsl_ig1b_ft_in1k", "resnet50.a1_in1k",
                  "resnet50.tv_in1k", "vit_small_patch16_224.dino"]
SOURCE = "https://github.com/huggingface/pytorch-image-models/blob/aa4b5850c1543fa488abf260f18390eda46cf85d/results/"
# At that commit each results file has 1,556 rows over 1,266 tags (some evaluated at two sizes).
TAGS_WITH_RESULTS = 1266


@functools.lru_cache(maxsize=1)
def generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_timm_catalogue", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # its dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@functools.lru_cache(maxsize=1)
def committed_lines() -> dict[str, str]:
    return {json.loads(line)["name"]: line for line in CATALOGUE.read_text(encoding="utf-8").splitlines()}


def committed(name: str) -> dict[str, Any]:
    return json.loads(committed_lines()[name])


def reported(entry: dict[str, Any], dataset: str) -> dict[str, dict[str, Any]]:
    return {value["metric"]: value for value in entry.get("reported", []) if value["dataset"] == dataset}


def test_the_committed_catalogue_passes_zoo_validate():
    result = CliRunner().invoke(make_cli(), ["validate", str(CATALOGUE)])
    assert result.exit_code == 0, result.output
    assert f"{len(timm.list_pretrained())} model entries valid: OK" in result.output


def test_every_timm_pretrained_tag_is_one_entry_in_name_order():
    names = [json.loads(line)["name"] for line in CATALOGUE.read_text(encoding="utf-8").splitlines()]
    assert names == sorted(timm.list_pretrained())
    listed = {spec.name for spec in zoo.list_models(plugin="vision")}
    assert set(names) <= listed  # registered through the plugin, none set aside as a clash


def test_row_counts_match_timms_results_at_the_pinned_commit():
    datasets = {}
    for line in committed_lines().values():
        for value in json.loads(line).get("reported", []):
            assert value["source"].startswith(SOURCE)
            if value["metric"] == "top1":
                datasets[value["dataset"]] = datasets.get(value["dataset"], 0) + 1
    assert datasets == dict.fromkeys(["imagenet-1k", "imagenet-real", "imagenetv2-matched-frequency",
                                      "imagenet-sketch", "imagenet-r", "imagenet-a"], TAGS_WITH_RESULTS)
    with_imagenet = [name for name, line in committed_lines().items() if '"default_dataset": "imagenet-1k"' in line]
    assert len(with_imagenet) == TAGS_WITH_RESULTS


def test_a_few_rows_read_as_timms_files_say():
    resnet = committed("resnet50.a1_in1k")
    top = reported(resnet, "imagenet-1k")
    assert (top["top1"]["value"], top["top5"]["value"]) == (0.8124, 0.95112)  # 81.240, 95.112 at 288px
    assert top["top1"]["protocol"] == {"input_size": 288, "crop_pct": 1.0, "interpolation": "bicubic",
                                       "evaluated_by": "timm validate.py"}
    assert top["top1"]["source"] == SOURCE + "results-imagenet.csv" and top["top1"]["split"] == "validation"
    assert reported(resnet, "imagenet-r")["top1"]["value"] == 0.38993  # the 288px row, not the 224px one
    assert resnet["params"] == 25_560_000 and resnet["license"] == "Apache-2.0"  # param_count 25.56 (millions)
    assert resnet["source"] == "https://huggingface.co/timm/resnet50.a1_in1k"
    assert resnet["paper"] == "https://arxiv.org/abs/2110.00476"
    assert resnet["weights"] == {"uri": "timm:resnet50.a1_in1k", "format": "safetensors"}
    assert committed("eva_giant_patch14_336.clip_ft_in1k")["params"] == 1_013_010_000  # "1,013.01"
    assert reported(committed("resnet50.tv_in1k"), "imagenet-a") == {}  # timm publishes no -A row for it
    assert "pretrain-ig1b-swsl" in committed("resnet18.fb_swsl_ig1b_ft_in1k")["tags"]  # swsl_resnet18's metadata
    gcvit = committed("gcvit_xxtiny.in1k")  # no hub repository: the URL timm's config names
    assert gcvit["weights"]["format"] == "pickle" and gcvit["weights"]["uri"].startswith("https://github.com/")
    dino = committed("vit_small_patch16_224.dino")  # no results: exact count from the meta device
    assert dino["params"] == 21_665_664 and "reported" not in dino and "default_dataset" not in dino
    assert "features-only" in dino["tags"]
    # Published at crop 1.0 though the config now says 0.9: the entry asks the builder for 1.0.
    assert committed("fasternet_t0.in1k")["args"] == {"model_name": "fasternet_t0.in1k",
                                                      "preprocessing": {"crop_pct": 1.0}}


def test_weights_name_the_hub_repository_timm_loads_them_from():
    # zoo list's here column and zoo run's missing-weights line read the entry, never timm: the
    # 53 tags kept outside timm/<tag> name their repository (Florence-2's is Microsoft's own).
    from timm.models import get_pretrained_cfg

    florence = committed("davit_base_fl.msft_florence2")
    assert florence["weights"] == {"uri": "hf-hub:microsoft/Florence-2-base/model.safetensors", "format": "safetensors"}
    elsewhere = 0
    for name, line in committed_lines().items():
        uri = json.loads(line)["weights"]["uri"]
        repository = get_pretrained_cfg(name).hf_hub_id
        if uri.startswith("timm:"):
            assert repository == f"timm/{name}", name
        elif uri.startswith("hf-hub:"):
            assert uri == f"hf-hub:{repository}/model.safetensors", name
            elsewhere += 1
    assert elsewhere == 53


@pytest.mark.parametrize("results", RESULTS_FOLDERS, ids=lambda folder: "fixture" if folder == FIXTURE else "shared")
def test_every_published_number_is_the_one_in_timms_files(results):
    rows: dict[tuple[str, str], list[dict[str, str]]] = {}
    for file_name, (dataset, _) in generator().RESULTS_FILES.items():
        with (results / file_name).open(newline="") as handle:
            for row in csv.DictReader(handle):
                rows.setdefault((row["model"], dataset), []).append(row)
    for (name, dataset), candidates in rows.items():
        values = reported(committed(name), dataset)
        matching = [row for row in candidates if int(row["img_size"]) == values["top1"]["protocol"]["input_size"]]
        assert matching, (name, dataset)
        assert values["top1"]["value"] * 100 == pytest.approx(float(matching[0]["top1"]), abs=5e-6)
        assert values["top5"]["value"] * 100 == pytest.approx(float(matching[0]["top5"]), abs=5e-6)


@pytest.mark.parametrize("results", RESULTS_FOLDERS, ids=lambda folder: "fixture" if folder == FIXTURE else "shared")
def test_the_generator_writes_the_same_bytes_twice_and_the_committed_rows(tmp_path, results):
    outputs = []
    for attempt in ("first", "second"):
        output = tmp_path / f"{attempt}.jsonl"
        generator().main(["--results", str(results), "--output", str(output), "--models", *FIXTURE_MODELS])
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]
    lines = outputs[0].decode("utf-8").splitlines()
    assert [json.loads(line)["name"] for line in lines] == sorted(FIXTURE_MODELS)
    for line in lines:
        assert line == committed_lines()[json.loads(line)["name"]]


def test_the_generator_refuses_a_results_folder_without_timms_files(tmp_path):
    with pytest.raises(SystemExit, match="results-imagenet.csv is missing; --results must be a copy of timm's"):
        generator().main(["--results", str(tmp_path), "--output", str(tmp_path / "out.jsonl"),
                          "--models", "resnet50.a1_in1k"])
    assert not (tmp_path / "out.jsonl").exists()


def test_licences_are_spdx_ids_licence_refs_or_noassertion():
    from timm.models import get_pretrained_cfg

    for name, line in committed_lines().items():
        licence, timm_licence = json.loads(line)["license"], get_pretrained_cfg(name).license
        if timm_licence in (None, "unknown"):
            assert licence == "NOASSERTION", name  # never guessed
        else:
            assert licence.casefold() == timm_licence.casefold() or licence == f"LicenseRef-{timm_licence}", name
