"""The rules every entry obeys, in one place.

Both the ``register`` callback that plugins call and the catalogue loader run
:func:`check_fields`; each problem comes back as ``(field path, message)`` so
the caller can add a plugin name or a file:line:column.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = ["FIELDS", "Problem", "check_fields", "is_import_string", "spdx_problems"]

Problem = tuple[str, str]  # (field path, message)
Check = Callable[[Any, str], list[Problem]]

NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
QUALIFIED_RE: Final = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*:)?[A-Za-z0-9][A-Za-z0-9._+-]*$")
IMPORT_RE: Final = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
SHA256_RE: Final = re.compile(r"^[0-9a-f]{64}$")
# One licence or exception id in an SPDX expression: "MIT", "GPL-2.0+", "LicenseRef-Public-Domain",
# "DocumentRef-spdx-tool:LicenseRef-MIT-Style".
SPDX_ID_RE: Final = re.compile(r"^(DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9.+-]+$")
SPDX_ALONE: Final = ("NOASSERTION", "NONE")  # SPDX's "not known" and "no licence", each a whole value
WEIGHT_FORMATS: Final = ("safetensors", "pickle", "hf", "timm")
URI_SCHEMES: Final = ("https://", "hf-hub:", "timm:", "package:")


def is_import_string(value: str) -> bool:
    return bool(IMPORT_RE.match(value))


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a mapping", type(None): "null"}.get(type(value), type(value).__name__)


def _not_a_string(value: Any, path: str, expected: str = "a string") -> list[Problem]:
    hint = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # YAML reads 1.10 as the number 1.1 and 0123 as an octal integer.
        hint = f" ({value!r}); quote it in YAML so it stays as written"
    return [(path, f"expected {expected}, got {_type_name(value)}{hint}")]


def _string(value: Any, path: str) -> list[Problem]:
    if not isinstance(value, str):
        return _not_a_string(value, path)
    if not value.strip():
        return [(path, "must not be empty")]
    return []


def _matching(regex: re.Pattern[str], what: str) -> Check:
    def check(value: Any, path: str) -> list[Problem]:
        if not isinstance(value, str):
            return _not_a_string(value, path, what)
        if not regex.match(value):
            return [(path, f"expected {what}, got {value!r}")]
        return []
    return check


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any, path: str) -> list[Problem]:
        if value not in choices:
            return [(path, f"expected one of {', '.join(choices)}, got {value!r}")]
        return []
    return check


def _boolean(value: Any, path: str) -> list[Problem]:
    return [] if isinstance(value, bool) else [(path, f"expected true or false, got {_type_name(value)}")]


# Integers beyond 2**53 lose digits in JavaScript and many JSON readers; no count zoo keeps is that large.
MAX_COUNT: Final = 2**53


def _count(value: Any, path: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return [(path, f"expected a non-negative integer, got {_shown(value)}")]
    if value > MAX_COUNT:
        return [(path, f"expected a count below 2**53, got a number of {len(str(value))} digits")]
    return []


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, path: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [(path, f"expected a number, got {_type_name(value)}")]
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        return [(path, f"expected a number of sensible size, got one of {len(str(abs(value)))} digits")]
    if not math.isfinite(value):
        return [(path, f"expected a finite number, got {value!r}")]
    return []


def _range(value: Any, path: str) -> list[Problem]:
    """``[low, high]``, either end a number or null (open)."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return [(path, f"expected [low, high] (null for an open end), got {_shown(value)}")]
    problems = [p for i, end in enumerate(value) if end is not None for p in _number(end, f"{path}[{i}]")]
    if not problems and None not in value and value[0] >= value[1]:
        problems.append((path, f"low end {value[0]} must be below high end {value[1]}"))
    return problems


def out_of_range(value: float, bounds: tuple[float | None, float | None]) -> bool:
    low, high = bounds
    return (low is not None and value < low) or (high is not None and value > high)


def _list_of(item: Check, *, non_empty: bool = False) -> Check:
    def check(value: Any, path: str) -> list[Problem]:
        if not isinstance(value, (list, tuple)):
            return [(path, f"expected a list, got {_type_name(value)}")]
        if non_empty and not value:
            return [(path, "must not be empty")]
        problems = [p for i, v in enumerate(value) for p in item(v, f"{path}[{i}]")]
        if not problems and len(set(map(str, value))) != len(value):
            problems.append((path, "has duplicate items"))
        return problems
    return check


def _mapping(value: Any, path: str) -> list[Problem]:
    if not isinstance(value, Mapping):
        return [(path, f"expected a mapping, got {_type_name(value)}")]
    return [(f"{path}.{k}", "keys must be strings") for k in value if not isinstance(k, str)]


def _url(value: Any, path: str) -> list[Problem]:
    problems = _string(value, path)
    if not problems and not value.startswith("https://"):
        problems = [(path, f"expected an https:// URL, got {value!r}")]
    return problems or _no_credentials(value, path)


def _no_credentials(value: str, path: str) -> list[Problem]:
    """``https://user:token@host/`` would put a secret in every card and error; it is not repeated here."""
    authority = value.split("://", 1)[1].split("/", 1)[0] if "://" in value else ""
    if "@" in authority:
        return [(path, "URL carries credentials (user:secret@host); remove them (catalogues are shared and "
                       "printed) and give tokens through the environment, e.g. HF_TOKEN")]
    return []


def _source(value: Any, path: str) -> list[Problem]:
    """A reported metric's source: a URL, or "zoo run" for numbers zoo reproduces."""
    if value == "zoo run":
        return []
    return _url(value, path)


def _relative_path(value: str, path: str) -> list[Problem]:
    parts = value.replace("\\", "/").split("/")
    if ".." in parts:
        return [(path, f"path {value!r} must not contain '..'; keep weights beside the catalogue")]
    if value.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", value):
        return [(path, f"path {value!r} must be relative to the catalogue file")]
    if "://" in value or value.split(":", 1)[0] in ("http", "ftp", "file", "s3"):
        return [(path, f"{value!r}: weights URLs must use https:// (or hf-hub:, timm:, package:)")]
    return []


def _weights_uri(value: Any, path: str) -> list[Problem]:
    problems = _string(value, path)
    if problems:
        return problems
    if value.startswith(URI_SCHEMES):
        if value.startswith("https://"):
            return _no_credentials(value, path)
        return _relative_path(value.split(":", 1)[1], path) if value.startswith("package:") else []
    return _relative_path(value, path)


def _record(fields: Mapping[str, tuple[Check, bool]], *, open_ended: bool = False) -> Check:
    """A mapping with known fields; unknown fields are errors unless open-ended."""

    def check(value: Any, path: str) -> list[Problem]:
        problems = _mapping(value, path)
        if problems:
            return problems
        for key, (field_check, required) in fields.items():
            if key in value and value[key] is not None:
                problems += field_check(value[key], f"{path}.{key}" if path else key)
            elif required:
                problems.append((f"{path}.{key}" if path else key, "required field is missing"))
        if not open_ended:
            for key in value:
                if key not in fields:
                    known = ", ".join(sorted(fields))
                    problems.append((f"{path}.{key}" if path else str(key), f"unknown field; known fields: {known}"))
        return problems

    return check


def _versions(value: Any, path: str) -> list[Problem]:
    problems = _mapping(value, path)
    for key, version in (value.items() if not problems else ()):
        problems += _string(version, f"{path}.{key}")
    return problems


def _protocol(value: Any, path: str) -> list[Problem]:
    """Free-form protocol details, with types checked where zoo reads them."""
    known = {"batch_size": (_count, False), "versions": (_versions, False),
             "limit": (_count, False), "seed": (_count, False)}
    return _record(known, open_ended=True)(value, path)


@functools.cache
def _spdx_parser() -> Any:
    """license-expression's parser without the SPDX list: the form alone, for every registration."""
    from license_expression import Licensing

    return Licensing()


@functools.cache
def _spdx_licensing() -> Any:
    """The parser with the SPDX list the library ships; loading it takes ~30 ms, so only validation does."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _license(value: Any, path: str) -> list[Problem]:
    """The form of an SPDX licence expression: ids joined by AND, OR, WITH and parentheses."""
    problems = _string(value, path)
    if problems or value.strip() in SPDX_ALONE:
        return problems
    if SPDX_ID_RE.match(value):  # one id, the common case: its form needs no parser (listing stays fast)
        return []
    return list(_license_expression(value, path))


@functools.lru_cache(maxsize=1024)
def _license_expression(value: str, path: str) -> tuple[Problem, ...]:
    """A compound expression, parsed by license-expression (cached: catalogues repeat a few)."""
    from license_expression import ExpressionError

    example = "write an SPDX expression such as 'Apache-2.0' or 'Apache-2.0 OR MIT'"
    try:
        keys = _spdx_parser().license_keys(_spdx_parser().parse(value, strict=False))
    except ExpressionError as error:
        return ((path, f"{value!r} is not an SPDX licence expression ({str(error).rstrip('.')}); {example}"),)
    malformed = [key for key in keys if not SPDX_ID_RE.match(key)]
    if malformed:
        return ((path, f"{malformed[0]!r} is not an SPDX licence id (letters, digits, '.', '-', '+'); {example}"),)
    return ()


@functools.cache
def _spdx_ids() -> dict[str, str]:
    """Every id and alias the library knows, case-folded, -> the SPDX id it stands for (built once:
    ~1.5 ms, paid per entry it made `zoo validate` of 100,000 entries take minutes)."""
    ids: dict[str, str] = {}
    for key, symbol in _spdx_licensing().known_symbols.items():
        for name in (key, *getattr(symbol, "aliases", ())):
            ids.setdefault(name.casefold(), key)
    return ids


def spdx_problems(value: str) -> list[str]:
    """What is wrong with a licence beyond its form: ids not on the SPDX list (with a suggestion),
    other names for listed ones, exceptions used as licences and licences as exceptions.

    NOASSERTION, NONE and LicenseRef-NAME (a licence SPDX does not list) are allowed;
    ids match in any case (``mit`` is MIT), as SPDX says.
    """
    return list(_spdx_problems(value))


@functools.lru_cache(maxsize=4096)  # a catalogue repeats a few licences over thousands of entries
def _spdx_problems(value: str) -> tuple[str, ...]:
    problems = [message for _, message in _license(value, "")]
    if problems or value.strip() in SPDX_ALONE:
        return tuple(problems)
    ids = _spdx_ids()
    for key in _spdx_parser().license_keys(_spdx_parser().parse(value, strict=False)):
        spdx_id = ids.get(key.casefold())
        if "LicenseRef-" in key or (spdx_id is not None and spdx_id.casefold() == key.casefold()):
            continue
        if spdx_id is not None and not spdx_id.startswith("LicenseRef-"):
            problems.append(f"{key!r} is an old or other name of the SPDX licence {spdx_id!r}; write {spdx_id!r}")
            continue
        listed = {name: spdx for name, spdx in ids.items() if name == spdx.casefold() and "licenseref-" not in name}
        close = difflib.get_close_matches(key.casefold(), list(listed), n=3, cutoff=0.75)
        hint = f"; did you mean {' or '.join(repr(listed[name]) for name in close)}?" if close else ""
        alone = " (NOASSERTION and NONE stand alone, not inside an expression)" if key in SPDX_ALONE else ""
        problems.append(f"{key!r} is not an SPDX licence id{alone}{hint} "
                        "(see https://spdx.org/licenses/; LicenseRef-NAME names a licence it does not list)")
    if not problems:
        errors = _spdx_licensing().validate(value, strict=True).errors
        problems += [f"{value!r}: {error}" for error in errors if not error.startswith("Unknown license key")]
    return tuple(problems)


NAME: Final = _matching(NAME_RE, "a name of letters, digits, '.', '_', '+' or '-' (no ':')")
IMPORT: Final = _matching(IMPORT_RE, "an import string 'package.module:function'")
REFERENCE: Final = _matching(QUALIFIED_RE, "a registered name or 'plugin:name'")
LICENSE: Final = _license
STRINGS: Final = _list_of(_string)

WEIGHTS: Final = _record({
    "uri": (_weights_uri, True),
    "sha256": (_matching(SHA256_RE, "64 lowercase hex characters"), False),
    "format": (_one_of(WEIGHT_FORMATS), False),
})

REPORTED: Final = _record({
    "metric": (REFERENCE, True),
    "value": (_number, True),
    "dataset": (REFERENCE, True),
    "split": (_string, False),
    "source": (_source, True),
    "dataset_args": (_mapping, False),
    "protocol": (_protocol, False),
})

COMMON: Final = {"name": (NAME, True), "description": (_string, False)}
# The input kinds zoo reads itself (zoo.inputs); a task may declare another with its own input_loader.
BUILTIN_INPUTS: Final = ("text", "image", "audio")

FIELDS: Final[dict[str, dict[str, tuple[Check, bool]]]] = {
    "task": {
        **COMMON,
        "target": (_one_of(("class", "text")), True),
        "input": (NAME, True),  # a built-in kind (BUILTIN_INPUTS) or a task's own, read by its input_loader
        "default_metrics": (_list_of(NAME, non_empty=True), True),
        "input_loader": (IMPORT, False),
    },
    "model": {
        **COMMON,
        "task": (NAME, True),
        "builder": (IMPORT, True),
        "args": (_mapping, False),
        "weights": (WEIGHTS, False),
        "license": (LICENSE, True),
        "tags": (STRINGS, False),
        "params": (_count, False),
        "source": (_url, False),
        "paper": (_url, False),
        "default_dataset": (REFERENCE, False),
        "reported": (_list_of(REPORTED), False),
        "template": (_boolean, False),
        "weights_args": (_list_of(NAME), False),
    },
    "dataset": {
        **COMMON,
        "task": (NAME, True),
        "builder": (IMPORT, True),
        "args": (_mapping, False),
        "splits": (_list_of(NAME, non_empty=True), True),
        "default_split": (NAME, False),
        "license": (LICENSE, True),
        "citation": (_string, False),
        "source": (_url, False),
        "tags": (STRINGS, False),
        "size": (_mapping, False),
    },
    "metric": {
        **COMMON,
        "tasks": (_list_of(NAME, non_empty=True), True),
        "builder": (IMPORT, True),
        "args": (_mapping, False),
        "higher_is_better": (_boolean, False),
        "range": (_range, False),
    },
}

# A catalogue model names the registered model whose builder it reuses, not an
# import string: concrete models are data, builders are code.
# A catalogue entry is a model with its weights: never a template, so it declares neither field.
CATALOGUE_MODEL: Final = {**{key: value for key, value in FIELDS["model"].items() if key not in ("template", "weights_args")},
                          "builder": (REFERENCE, True)}


def check_fields(kind: str, data: Any, *, path: str = "", catalogue: bool = False) -> list[Problem]:
    """Check one entry's fields; an empty list means it is well formed."""
    fields = CATALOGUE_MODEL if catalogue else FIELDS[kind]
    problems = _record(fields)(data, path)
    if not problems and kind == "task" and data["input"] not in BUILTIN_INPUTS and not data.get("input_loader"):
        problems.append((f"{path}.input_loader" if path else "input_loader",
                         f"input kind {data['input']!r} is not one of zoo's ({', '.join(BUILTIN_INPUTS)}), so the task "
                         "must name the input_loader that reads it"))
    if not problems and kind == "model" and data.get("weights_args") and not data.get("template"):
        problems.append((f"{path}.weights_args" if path else "weights_args",
                         "only a template (template: true) names the arguments that give it weights"))
    if not problems and kind == "dataset":
        default = data.get("default_split")
        if default is not None and default not in data["splits"]:
            problems.append((f"{path}.default_split" if path else "default_split",
                             f"{default!r} is not one of the splits {data['splits']}"))
    return problems
