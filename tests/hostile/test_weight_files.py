"""Weights files that are not what they claim are one line naming the file."""

from __future__ import annotations

import pickle

import pytest

from zoo.weights import IntegrityError, load_state_dict


@pytest.mark.parametrize("content", [b"hello world\n", b"root:x:0:0:root:/root:/bin/bash\n", b"", b"\x80\x02"])
def test_a_file_that_is_not_a_checkpoint_is_one_line(tmp_path, content):
    path = tmp_path / "checkpoint.pth"
    path.write_bytes(content)
    with pytest.raises(IntegrityError) as caught:
        load_state_dict(path, format="pickle")
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


class RunsCode:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_pickle_that_would_run_code_is_refused_without_running_it(tmp_path, capsys):
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps({"weight": RunsCode()}, protocol=2))
    with pytest.raises(IntegrityError, match="refused: the checkpoint holds more than tensors"):
        load_state_dict(path)
    assert "this must never run" not in capsys.readouterr().out


def test_a_text_file_named_safetensors_is_one_line(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_text("not tensors")
    with pytest.raises(IntegrityError, match=r"model.safetensors: not a valid safetensors file"):
        load_state_dict(path)
