"""A checkpoint whose metadata lies about its labels is one line naming the file."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file
from zoo.errors import UsageError

from zoo_vision.artifacts import checkpoint_labels


@pytest.mark.parametrize("labels,message", [
    ("cat, dog", "metadata 'labels' is not JSON"),
    ('{"cat": 0}', "metadata 'labels' must be a JSON list of strings"),
    ("[" * 50_000, "metadata 'labels' is not JSON"),
])
def test_labels_metadata_that_is_not_a_json_list_is_one_line(tmp_path, labels, message):
    path = tmp_path / "model.safetensors"
    save_file({"weight": torch.zeros(2, 2)}, str(path), metadata={"labels": labels})
    with pytest.raises(UsageError, match=message) as caught:
        checkpoint_labels(path)
    assert str(caught.value).startswith(f"{path}: ")
