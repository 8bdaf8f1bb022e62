"""The shared metric builders: torchmetrics' own classes, without torchmetrics' import cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zoo import metrics

# A fresh interpreter: in this one torchmetrics may already be imported in full.
FRESH_PROCESS = r"""
import json, sys
from zoo import metrics

built = [metrics.accuracy(labels=["a", "b", "c"]), metrics.f1_macro(labels=["a", "b"]),
         metrics.matthews(labels=["a", "b"]), metrics.word_error_rate(), metrics.char_error_rate()]
# matplotlib is not among them: where it is installed (zoo's `plot` extra, for `zoo leaderboard --plot`),
# torchmetrics' own Metric module imports matplotlib.pyplot (torchmetrics/utilities/plot.py), about 0.3 s.
heavy = sorted(name for name in ("torchvision", "scipy.signal", "transformers") if name in sys.modules)

import torchmetrics
from torchmetrics.classification import MulticlassAccuracy
from torchmetrics.functional import accuracy
from torchmetrics.text import WordErrorRate

print(json.dumps({
    "heavy_after_building": heavy,
    "classes": [type(metric).__mro__[0 if i < 3 else 1].__module__ for i, metric in enumerate(built)],
    "same_class": type(built[0]) is MulticlassAccuracy and type(built[3]).__mro__[1] is WordErrorRate,
    "package_complete": [callable(accuracy), hasattr(torchmetrics, "Accuracy"), torchmetrics.__version__],
}))
"""


@pytest.mark.slow
def test_metrics_are_torchmetrics_classes_built_without_its_heavy_imports_and_the_package_still_works():
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["heavy_after_building"] == []
    assert found["classes"] == ["torchmetrics.classification.accuracy", "torchmetrics.classification.f_beta",
                                "torchmetrics.classification.matthews_corrcoef", "torchmetrics.text.wer",
                                "torchmetrics.text.cer"]
    # Imported afterwards, torchmetrics is whole and its classes are the ones zoo built.
    assert found["same_class"] is True
    assert found["package_complete"][:2] == [True, True]
    assert found["package_complete"][2]


def test_built_metrics_compute_what_torchmetrics_functional_computes():
    import torch
    from torchmetrics.functional.classification import multiclass_accuracy, multiclass_f1_score

    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 4, generator=generator)
    target = torch.randint(0, 4, (50,), generator=generator)
    labels = ["a", "b", "c", "d"]
    top1, top2, f1 = metrics.accuracy(labels=labels), metrics.accuracy(labels=labels, top_k=2), metrics.f1_macro(labels=labels)
    for metric in (top1, top2, f1):
        metric.update(logits[:30], target[:30])
        metric.update(logits[30:], target[30:])
    assert float(top1.compute()) == float(multiclass_accuracy(logits, target, num_classes=4, average="micro"))
    assert float(top2.compute()) == float(multiclass_accuracy(logits, target, num_classes=4, average="micro", top_k=2))
    assert float(f1.compute()) == float(multiclass_f1_score(logits, target, num_classes=4, average="macro"))
