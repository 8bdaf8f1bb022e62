"""``zoo run``: evaluate or predict (written with the engine)."""

COMMANDS: tuple = ()
