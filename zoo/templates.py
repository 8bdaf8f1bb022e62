"""Templates: generic builders (``timm``, ``hf-ctc``) that are not models until given weights.

A plugin marks one with ``template=True`` when it registers it, and names the
builder arguments that give it trained weights (``weights_args``:
``checkpoint``, ``pretrained``, ``model``...). :func:`zoo.build_model` asks
:func:`random_weights` before building: a template (or a catalogue entry on one)
with no weights of its own and none of those arguments would run on random
weights, so it is refused in one line saying how to give weights, unless the
user asks for random weights (``random_init=True``, ``--random-init``, or
``pretrained=False`` where the builder takes it). Then the model says so
(``model.random_weights``) and so does every run record.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from zoo.errors import UsageError, ZooError
from zoo.specs import ModelSpec

__all__ = ["mark_random", "random_weights", "template_of"]

GIVEN_NOTHING = (None, False, "")  # an argument set to one of these gives no weights


def template_of(spec: ModelSpec, registry: Callable[[], Any]) -> ModelSpec | None:
    """The template ``spec`` builds with: itself, the registered template a catalogue entry is based
    on, or None (a model that is not built from a template)."""
    if spec.template:
        return spec
    if spec.based_on is None or spec.weights is not None:  # an entry with weights needs no template's rule
        return None
    try:
        base = registry().get(spec.based_on, "model")
    except ZooError:
        return None
    return base if base.template else None


def random_weights(spec: ModelSpec, args: Mapping[str, Any], kwargs: Mapping[str, Any], *, random_init: bool,
                   registry: Callable[[], Any]) -> bool:
    """Whether ``spec`` built with ``kwargs`` (of which the user gave ``args``) gets random weights, as
    asked; a template that would get them unasked is a :class:`~zoo.errors.UsageError`."""
    if not isinstance(random_init, bool):
        raise UsageError(f"model {spec.id}: random_init must be true or false, not {random_init!r}")
    template = template_of(spec, registry)
    if template is None:
        if random_init:
            raise UsageError(f"model {spec.id} is not a template: it has its own weights, and random_init applies "
                             "only to templates (see `zoo list builders`)")
        return False
    given = [name for name in template.weights_args or () if kwargs.get(name) not in GIVEN_NOTHING]
    explicit = random_init or args.get("pretrained") is False  # `--model-arg pretrained=false` asks for it too
    if explicit:
        if spec.weights is not None:
            raise UsageError(f"model {spec.id} has weights of its own ({spec.weights.uri}); random_init would not "
                             "use them: drop it")
        if given:
            shown = ", ".join(f"{name}={kwargs[name]!r}" for name in given)
            raise UsageError(f"model {spec.id}: random weights were asked for, but {shown} gives trained ones; "
                             "give one or the other")
        return True
    if spec.weights is None and not given:
        raise UsageError(_refusal(spec, template, args, registry))
    return False


def _refusal(spec: ModelSpec, template: ModelSpec, args: Mapping[str, Any], registry: Callable[[], Any]) -> str:
    """One line: what the template is, and every way to give it weights."""
    ways = []
    examples = _examples(template, args, registry)
    if examples:
        ways.append(f"run a model built on it ({', '.join(examples)}; `zoo list` shows them all)")
    else:
        ways.append("run a catalogue model built on it (`zoo list`)")
    if template.weights_args:
        ways.append(" or ".join(f"--model-arg {name}=..." for name in template.weights_args))
    ways.append("or ask for random weights with --random-init (random_init=True)")
    what = "template" if spec is template else f"entry on template {template.id} with no weights"
    return (f"model {spec.id} is a {what} (a generic builder, not a trained model): built as it stands it "
            f"would have random weights; give it weights: {', '.join(ways)}")


def _examples(template: ModelSpec, args: Mapping[str, Any], registry: Callable[[], Any], *, most: int = 3) -> list[str]:
    """A few catalogue models built on ``template``: those named like a value the user gave
    (``model_name=resnet18`` -> ``resnet18.a1_in1k``), else like the template. Found by name patterns,
    so a catalogue of 100,000 entries is not read."""
    found: list[str] = []
    prefixes = [value for value in args.values() if isinstance(value, str) and value] + [template.name]
    for prefix in prefixes:
        for candidate in registry().filter("model", f"{_escaped(prefix)}*"):
            if not candidate.template and candidate.based_on == template.id and candidate.name not in found:
                found.append(candidate.name)
            if len(found) == most:
                return found
    return found


def _escaped(text: str) -> str:
    """``text`` as a literal fnmatch prefix."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def mark_random(model: Any, spec: ModelSpec) -> None:
    """Say that a built model has random weights: on the object (``random_weights``, read by run
    records) and on stderr, where any output it prints is read."""
    try:
        model.random_weights = True
    except (AttributeError, TypeError):
        pass
    print(f"zoo: warning: model {spec.id} has random weights (asked for): its outputs mean nothing",
          file=sys.stderr)
