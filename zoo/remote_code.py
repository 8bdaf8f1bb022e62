"""The one policy on running a model repository's own Python code (transformers' ``trust_remote_code``).

A transformers folder whose ``config.json`` (or tokenizer / processor config)
has an ``auto_map`` ships Python that ``from_pretrained`` would import and run.
zoo runs it only when both hold:

- the entry allows it: ``remote_code_allowed: true`` in a catalogue shipped
  inside an installed plugin package (reviewed with the plugin's code; user
  catalogues and the community catalogue cannot grant it, see
  :mod:`zoo.catalogue`), and the user changed nothing about what the entry
  loads (:func:`zoo.api.build_model` drops the permission otherwise);
- the user asked for it, every time: ``--model-arg trust_remote_code=true``.

Every builder that loads through transformers calls :func:`trust_remote_code`
and passes its answer to every ``from_pretrained`` explicitly, so transformers
never asks "Do you wish to run the custom code? [y/N]" behind zoo's back.
"""

from __future__ import annotations

import json
from pathlib import Path

from zoo.errors import UsageError

__all__ = ["CONFIG_FILES", "code_shipped_by", "trust_remote_code"]

# The files in which transformers looks for ``auto_map``.
CONFIG_FILES = ("config.json", "tokenizer_config.json", "preprocessor_config.json", "processor_config.json",
                "feature_extractor_config.json", "image_processor_config.json")


def code_shipped_by(folder: str | Path) -> list[str]:
    """The config files of a model folder that name code of the repository's own (``auto_map``)."""
    found = []
    for name in CONFIG_FILES:
        path = Path(folder) / name
        try:
            config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        except (OSError, ValueError, RecursionError):
            continue  # the builder reports an unreadable config itself
        if isinstance(config, dict) and "auto_map" in config:
            found.append(name)
    return found


def trust_remote_code(folder: str | Path, *, requested: bool = False, allowed: bool = False, what: str) -> bool:
    """What to pass as ``trust_remote_code``: True only when the entry allows it and the user asked.

    A folder that ships code nobody allowed, or a request the entry does not allow, is one line.
    """
    if requested and not allowed:
        raise UsageError(f"{what}: trust_remote_code=true is refused: this entry does not allow remote code "
                         "(only a catalogue shipped inside an installed plugin can set remote_code_allowed: true, "
                         "after review)")
    shipped = code_shipped_by(folder)
    if shipped and not requested:
        hint = ("pass --model-arg trust_remote_code=true to run the repository's code" if allowed
                else "zoo runs it only for a reviewed plugin catalogue entry that sets remote_code_allowed: true, "
                     "with --model-arg trust_remote_code=true")
        raise UsageError(f"{what}: the model ships its own Python code (auto_map in {', '.join(shipped)}); {hint}")
    return bool(requested and allowed)
