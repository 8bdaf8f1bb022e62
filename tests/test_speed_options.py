"""Speed options of a run: autocast dtypes, channels-last, torch.compile; recorded and replayed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from zoo import UsageError
from zoo.engine import RunRequest, evaluate
from zoo.testing.toy import KeywordModel, build_keyword_model


@dataclass
class ObservedKeywordModel(KeywordModel):
    """The keyword model, noting how each forward pass ran: autocast dtype and weight dtype."""

    seen: list[tuple[Any, Any]] | None = None

    def forward(self, batch: Any) -> Any:
        import torch

        autocast = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else None
        self.seen.append((autocast, self.module.weight.dtype))
        return super().forward(batch)


def observed_model() -> ObservedKeywordModel:
    return ObservedKeywordModel(**vars(build_keyword_model()), seen=[])


def test_a_default_run_is_float32_as_built_and_says_so(toy_registry):
    run = evaluate("keyword", "reviews", registry=toy_registry, batch_size=8)
    assert {key: run["run"][key] for key in ("dtype", "autocast", "channels_last", "compile")} == {
        "dtype": "float32", "autocast": False, "channels_last": False, "compile": False}  # text: no channels-last
    assert run["request"]["channels_last"] is None and run["request"]["compile"] is False


def test_bfloat16_runs_the_forward_pass_under_autocast_with_float32_weights(toy_registry):
    import torch

    reference = evaluate("keyword", "reviews", registry=toy_registry, batch_size=8)
    model = observed_model()
    run = evaluate(model, "reviews", registry=toy_registry, batch_size=8, dtype="bfloat16", device="cpu")
    assert set(model.seen) == {(torch.bfloat16, torch.float32)}
    assert run["run"]["dtype"] == "bfloat16" and run["run"]["autocast"] is True
    assert run["metrics"] == reference["metrics"]  # counts and weights here are exact in bfloat16


def test_float32_runs_without_autocast(toy_registry):
    import torch

    model = observed_model()
    evaluate(model, "reviews", registry=toy_registry, batch_size=8, device="cpu")
    assert set(model.seen) == {(None, torch.float32)}


def test_predicting_in_bfloat16_uses_autocast_too(toy_registry):
    import torch

    from zoo.engine.predict import predict

    model = observed_model()
    results = predict(model, ["good film", "dull"], registry=toy_registry, dtype="bfloat16", device="cpu")
    assert [r["top"][0]["label"] for r in results] == ["positive", "negative"]
    assert set(model.seen) == {(torch.bfloat16, torch.float32)}


def test_speed_options_are_repeated_from_the_record_and_can_be_overridden(toy_registry):
    run = evaluate("keyword", "reviews", registry=toy_registry, batch_size=8, dtype="bfloat16")
    request = RunRequest.from_record(run)
    assert (request.dtype, request.channels_last, request.compile) == ("bfloat16", None, False)
    assert RunRequest.from_record(run, dtype="float32").dtype == "float32"
    saved = {**run, "request": {**run["request"], "compile": True, "channels_last": False}}
    assert (RunRequest.from_record(saved).compile, RunRequest.from_record(saved).channels_last) == (True, False)


@pytest.mark.parametrize("options,message", [
    ({"channels_last": "yes"}, "channels_last must be true, false or null"),
    ({"compile": 1}, "compile must be true or false"),
    ({"dtype": "float64"}, "unknown dtype 'float64'"),
])
def test_speed_options_of_the_wrong_kind_are_refused(toy_registry, options, message):
    with pytest.raises(UsageError, match=message):
        evaluate("keyword", "reviews", registry=toy_registry, **options)


def test_channels_last_is_refused_for_a_task_without_images_before_anything_is_built(toy_registry, monkeypatch):
    import zoo.api

    monkeypatch.setattr(zoo.api, "build_model", lambda *a, **k: pytest.fail("built before the request was checked"))
    with pytest.raises(UsageError, match="--channels-last is a memory format for image batches; task "
                                         "'text-classification' takes text"):
        evaluate("keyword", "reviews", registry=toy_registry, channels_last=True)


@dataclass
class NoModuleModel:
    """A model with no torch module: nothing for torch.compile to compile."""

    task: str = "text-classification"
    labels: tuple[str, ...] = ("negative", "positive")

    def collate(self, inputs: list[Any]) -> Any:
        return inputs

    def forward(self, batch: Any) -> Any:
        import torch

        return torch.tensor([[0.0, 1.0] if "good" in text else [1.0, 0.0] for text in batch])

    def to(self, device: str, dtype: Any = None) -> NoModuleModel:
        return self


def test_compile_names_a_model_without_a_torch_module(toy_registry):
    with pytest.raises(UsageError, match=r"--compile compiles the model's torch.nn.Module \(model.module\); "
                                         r"model object .*NoModuleModel.* has none"):
        evaluate(NoModuleModel(), "reviews", registry=toy_registry, compile=True)


def test_compile_runs_the_compiled_module_and_gives_the_object_its_module_back(toy_registry, monkeypatch):
    import torch

    compiled = []

    def compile_spy(module: Any) -> Any:
        compiled.append(module)
        return torch.nn.Sequential(module)  # a different module that computes the same

    monkeypatch.setattr(torch, "compile", compile_spy)
    model = build_keyword_model()
    original = model.module
    run = evaluate(model, "reviews", registry=toy_registry, compile=True)
    assert compiled == [original] and model.module is original
    assert run["run"]["compile"] is True


@pytest.mark.slow
def test_compile_works_on_the_cpu_and_changes_no_metric(toy_registry):
    eager = evaluate("keyword", "reviews", registry=toy_registry, batch_size=8, device="cpu")
    compiled = evaluate("keyword", "reviews", registry=toy_registry, batch_size=8, device="cpu", compile=True)
    assert compiled["run"]["compile"] is True
    assert compiled["metrics"] == eager["metrics"]


class ClipLengths:
    """A dataset's lengths() is all batch_order reads."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes

    def lengths(self) -> list[int]:
        return self.sizes


def test_length_grouped_batches_close_early_rather_than_pad_a_lot():
    from zoo.engine.data import batch_order

    sizes = [10] * 10 + [100] * 8 + [99] + [50] * 12
    batches = batch_order(ClipLengths(sizes), list(range(31)), 16, by_length=True)
    # 50 after nine inputs of 99-100 would be padded to 100: the batch closes; at most 16 per batch.
    assert [[sizes[i] for i in batch] for batch in batches] == [[100] * 8 + [99], [50] * 12, [10] * 10]
    assert sorted(i for batch in batches for i in batch) == list(range(31))
    assert batch_order(ClipLengths(sizes), list(range(12)), 5, by_length=False) == [
        [0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]


def test_a_batch_holds_8_inputs_or_a_quarter_of_the_batch_size_before_it_may_close_early():
    from zoo.engine.data import batch_order

    sizes = [2 ** (40 - i) for i in range(40)]  # each half the one before
    assert [len(b) for b in batch_order(ClipLengths(sizes), list(range(40)), 64, by_length=True)] == [16, 16, 8]
    assert [len(b) for b in batch_order(ClipLengths(sizes), list(range(40)), 16, by_length=True)] == [8] * 5
    assert [len(b) for b in batch_order(ClipLengths(sizes), list(range(40)), 4, by_length=True)] == [4] * 10
