"""``python -m zoo.cli`` (what torchrun launches): the same as the ``zoo`` command."""

from zoo.cli.app import main

main()
