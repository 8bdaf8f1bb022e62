"""``zoo site build OUT/``: the catalogue, cards and leaderboards as a static site (:mod:`zoo.web.site`)."""

from __future__ import annotations

from pathlib import Path

import click

from zoo.errors import UsageError

__all__ = ["COMMANDS"]

WEB_EXTRA = "pip install 'model-zoo-registry[web]' (from a clone: pip install -e '.[web]')"


@click.group("site")
def site_command() -> None:
    """Write the catalogue as a static site (no server: works from file:// and any static host)."""


@site_command.command("build")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--results", "results_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A results store: its runs get pages, its values sit beside the reported ones "
                   "(default: none, the catalogue alone).")
@click.pass_context
def build_command(ctx: click.Context, out: Path, results_path: Path | None) -> None:
    """Write every page of the catalogue to OUT: models, datasets, metrics, leaderboards, plugins.

    \b
    Links are relative: open OUT/index.html, or publish the folder as it is.
    OUT must be new, empty or a site zoo site build wrote before (it is replaced whole).

    \b
      zoo site build public/
      zoo site build public/ --results results.sqlite
    """
    try:
        from zoo.web.site import build_site
    except ImportError as error:
        raise UsageError(f"zoo site build needs the web extra ({error.name} is not installed): {WEB_EXTRA}") from None
    registry = ctx.find_root().obj.registry
    summary = build_site(out, registry, results=results_path)
    counts = {**summary["pages"], "records": summary["records"]}
    shown = ", ".join(f"{counts[kind]} {label if counts[kind] != 1 else label[:-1]}" for kind, label in (
        ("models", "model cards"), ("datasets", "dataset cards"), ("metrics", "metric cards"),
        ("leaderboards", "leaderboard pages"), ("records", "run records"), ("static", "assets")) if counts.get(kind))
    click.echo(f"zoo: wrote {summary['files']:,} files ({shown}; {summary['bytes'] / 1e6:.1f} MB) to {out} "
               f"in {summary['seconds']:.1f} s; open {out / 'index.html'}")


COMMANDS = [site_command]
