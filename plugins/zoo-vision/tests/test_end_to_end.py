"""Real weights and data through ``zoo.evaluate`` and ``zoo run``: the catalogue's numbers reproduced."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import zoo
from zoo import UsageError
from zoo.cli import make_cli
from zoo_vision.images import load_image
from zoo_vision.data.photos import build_skimage_photos


def reported(name: str, dataset: str) -> dict[str, float]:
    return {r.metric: r.value for r in zoo.get(name, "model").reported if r.dataset == dataset}


@pytest.mark.slow
def test_digits_model_reproduces_its_catalogue_accuracy_exactly():
    run = zoo.evaluate("digits-resnet18", "digits", metrics=["top1", "top5", "macro-f1"], num_workers=0)
    assert run["metrics"]["top1"] >= 0.99
    for metric, value in reported("digits-resnet18", "digits").items():
        assert round(run["metrics"][metric], 6) == value, metric
    assert all(row["difference"] == 0.0 for row in run["reported"])
    assert run["dataset"]["fingerprint"] == zoo.build_dataset("digits", split="test").fingerprint


@pytest.mark.slow
def test_offline_efficientnet_lite0_sees_a_cat_and_an_espresso():
    model = zoo.build_model("efficientnet-lite0-offline")
    photos = build_skimage_photos(split="test")
    images = {name: load_image(photos.root / name) for name in ("chelsea.png", "coffee.png")}
    import torch

    with torch.inference_mode():
        logits = model.forward(model.collate(list(images.values())))
    top5 = [[model.labels[i] for i in row] for row in logits.topk(5).indices.tolist()]
    assert top5[0][0] in ("tabby, tabby cat", "tiger cat", "Egyptian cat") and "tabby, tabby cat" in top5[0]
    assert top5[1][0] == "espresso"


@pytest.mark.slow
def test_offline_efficientnet_lite0_reproduces_its_photo_numbers():
    run = zoo.evaluate("efficientnet-lite0-offline", "skimage-photos", num_workers=0)
    assert {m: round(v, 6) for m, v in run["metrics"].items()} == reported("efficientnet-lite0-offline", "skimage-photos")
    assert run["model"]["weights_sha256"] == zoo.get("efficientnet-lite0-offline", "model").weights.sha256


@pytest.mark.slow
def test_corrupt_files_fail_the_run_or_are_skipped_and_listed(digit_folder):
    (digit_folder / "4" / "broken.png").write_bytes(b"")
    (digit_folder / "7" / "fake.jpg").write_text("not a jpeg")
    args = {"dataset_args": {"root": str(digit_folder)}, "num_workers": 0}
    with pytest.raises(UsageError, match="4/broken.png.*--on-error skip"):
        zoo.evaluate("digits-resnet18", "image-folder", **args)
    run = zoo.evaluate("digits-resnet18", "image-folder", on_error="skip", **args)
    assert run["samples"]["evaluated"] == 30 and run["samples"]["skipped"] == 2
    assert sorted(s["sample_id"] for s in run["samples"]["skipped_samples"]) == ["4/broken.png", "7/fake.jpg"]
    assert run["metrics"]["top1"] >= 0.9  # the same real digits, read back from PNG files


def test_zoo_run_on_a_hub_model_offline_says_which_file_is_missing(digit_folder):
    # In-process through the real command (default registry, installed plugins): a subprocess
    # would pay torch's and timm's import again for the same check.
    result = CliRunner().invoke(make_cli(), ["run", "resnet50.a1_in1k", "--dataset", "image-folder",
                                             "--dataset-arg", f"root={digit_folder}"])
    assert result.exit_code != 0
    assert "timm/resnet50.a1_in1k" in result.stderr and "run `zoo pull resnet50.a1_in1k`" in result.stderr
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output  # a handled error


def test_missing_hub_weights_are_said_before_torch_is_imported(tmp_path, noise_image):
    # What makes the line come in a fraction of a second, not after seconds of imports: the caches'
    # layout says the file is not here, so neither torch nor timm is loaded for nothing.
    noise_image("RGB", (32, 32)).save(tmp_path / "cat.png")
    script = ("import sys\nfrom zoo.cli import main\ntry:\n    main(['run', 'resnet50.a1_in1k', sys.argv[1]])\n"
              "except SystemExit as stop:\n    print('exit', stop.code, 'torch' in sys.modules, 'timm' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cat.png")], capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")})
    assert "run `zoo pull resnet50.a1_in1k`" in done.stderr
    assert done.stdout.split() == ["exit", "2", "False", "False"]


def test_zoo_run_timm_without_weights_is_refused_not_random_labels(tmp_path, noise_image):
    noise_image("RGB", (32, 32)).save(tmp_path / "cat.png")
    result = CliRunner().invoke(make_cli(), ["run", "timm", str(tmp_path / "cat.png"), "--model-arg",
                                             "model_name=resnet18"])
    assert result.exit_code == 2 and result.stdout == ""  # no random ImageNet labels printed
    assert result.stderr.startswith("zoo: error: model vision:timm is a template")
    # Catalogue models of that architecture, and the arguments that load weights, are named.
    assert "resnet18." in result.stderr and "--model-arg checkpoint=... or --model-arg pretrained=..." in result.stderr
    random = CliRunner().invoke(make_cli(), ["run", "timm", str(tmp_path / "cat.png"), "--model-arg",
                                             "model_name=resnet18", "--random-init", "--top-k", "1"])
    assert random.exit_code == 0 and "has random weights" in random.stderr
