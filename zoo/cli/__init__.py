"""The ``zoo`` command line; see docs/cli.md."""

from zoo.cli.app import make_cli, main

__all__ = ["main", "make_cli"]
