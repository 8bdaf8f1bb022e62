"""The identity of a run request: which fields change its results, and their defaults.

Two requests with the same key measure the same thing on the same machine-independent
terms; batch size, worker count, device and progress bars change how fast a run is,
never what it computes, so they are left out (a record answered from the store still
says which device measured it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from zoo.errors import UsageError

__all__ = ["KEY_FIELDS", "key_fields", "request_key"]

KEY_FIELDS: Final[Mapping[str, Any]] = {
    "model": None, "dataset": None, "split": None, "limit": None, "dtype": "float32", "metrics": None,
    "label_map": None, "model_args": {}, "dataset_args": {}, "seed": 0, "on_error": "fail", "compile": False,
    "channels_last": None,
}
"""Each field of a run record's ``request`` section that changes results, and its value when missing."""


def key_fields(request: Mapping[str, Any]) -> dict[str, Any]:
    """The fields :func:`request_key` hashes, each with its default when missing or empty.

    Metrics are a set (their order changes no value); an empty label map is no map.
    """
    if not isinstance(request, Mapping):
        raise UsageError(f"a run request is a mapping of run options (a record's 'request' section), "
                         f"not {type(request).__name__}")
    fields: dict[str, Any] = {}
    for name, default in KEY_FIELDS.items():
        value = request.get(name)
        if value is None or (isinstance(value, (Mapping, list, tuple)) and not value):
            value = default
        fields[name] = value
    if fields["metrics"] is not None:
        if isinstance(fields["metrics"], str):
            fields["metrics"] = [fields["metrics"]]
        fields["metrics"] = sorted(set(map(str, fields["metrics"])))
    return fields


def request_key(request: Mapping[str, Any]) -> str:
    """The sha256 (hex) of the canonical JSON of a request's result-changing fields (:data:`KEY_FIELDS`).

    ``request`` is a run record's ``request`` section (or a mapping shaped like it):
    ``zoo.engine.recorded_request(plan)`` gives it for a run not yet carried out, so
    the key of a request and the key of its record's request are equal.
    """
    text = json.dumps(key_fields(request), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_not_json)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _not_json(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    # An object as a builder argument (zoo.evaluate(..., model_args={"x": obj})): its type is all a key can
    # say, so such a request is never answered from the store (see zoo.engine.stored).
    return f"<{type(value).__module__}.{type(value).__qualname__} object>"
