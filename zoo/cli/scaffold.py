"""``zoo plugin new``: start a plugin package (the Python API is :func:`zoo.scaffold.new_plugin`)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

from zoo.printable import printable

__all__ = ["COMMANDS"]


@click.group("plugin")
def plugin_group() -> None:
    """Write plugins: `zoo plugin new NAME` starts one."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--task", default="text-classification", show_default=True,
              help="The task its model is for: a built-in one (text-classification, image-classification, "
                   "audio-classification, speech-recognition), an installed plugin's, or a new one, which the "
                   "plugin then registers.")
@click.option("--input", "input_kind", type=click.Choice(["text", "image", "audio"]),
              help="For a new task: what a sample is (default text).")
@click.option("--directory", type=click.Path(path_type=Path),
              help="The folder to create for the package (default: ./NAME); it must not exist.")
@click.pass_context
def new_command(ctx: click.Context, name: str, task: str, input_kind: str | None, directory: Path | None) -> None:
    """Write a plugin package NAME that installs and passes its tests at once.

    The package (distribution zoo-NAME, import package zoo_NAME, entry point
    NAME) has a light entry module, a small torch model for the task, a tiny
    dataset generated in code, a metric, a catalogue with one entry, the
    one-line conformance test, example tests and a README. Then:
    `pip install -e NAME` and `zoo list --plugin NAME`.
    """
    from zoo.scaffold import new_plugin, plugin_names

    state: Any = ctx.find_root().obj
    folder = new_plugin(name, task=task, directory=directory, input_kind=input_kind, registry=state.registry)
    names = plugin_names(name)
    shown = shlex.quote(str(folder))
    click.echo(f"wrote {printable(folder)}/: distribution {names.distribution}, package {names.package}, "
               f"plugin {names.plugin!r}, for task {printable(task)}")
    click.echo("next:")
    click.echo(f"  pip install -e {shown}")
    click.echo(f"  zoo list --plugin {names.plugin}")
    click.echo(f"  (cd {shown} && python -m pytest)")


COMMANDS = (plugin_group,)
