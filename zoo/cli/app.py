"""The ``zoo`` click group: global options, one-line errors, plugin commands.

The group is built from a registry factory, so tests hand it fake plugins;
every command reaches the registry through :class:`CliState` and calls the
Python API, never a parallel implementation.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from zoo import __version__
from zoo.errors import ZooError
from zoo.printable import printable
from zoo.loader import Settings, load_registry
from zoo.registry import Registry

__all__ = ["CliState", "ZooGroup", "make_cli"]

RegistryFactory = Callable[[Settings], Registry]


@dataclass
class CliState:
    """What every command shares: settings from env + options, and the lazily loaded registry."""

    factory: RegistryFactory
    settings: Settings
    traceback: bool = False
    _registry: Registry | None = field(default=None, repr=False)
    _plugin_commands: dict[str, click.Command] | None = field(default=None, repr=False)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = self.factory(self.settings)
        return self._registry


class ZooGroup(click.Group):
    """Turns ZooErrors into one line on stderr, and finds plugin commands on demand."""

    factory: RegistryFactory = staticmethod(lambda settings: load_registry(settings=settings))  # type: ignore[assignment]

    def state(self, ctx: click.Context) -> CliState:
        """The shared state, made from the group's parsed options on first use.

        click resolves the subcommand before it runs the group callback, so
        plugin commands are looked up from here rather than from the callback.
        """
        if not isinstance(ctx.obj, CliState):
            params = ctx.params
            settings = Settings.from_env(strict=params.get("strict", False), catalogues=params.get("catalogues", ()))
            ctx.obj = CliState(self.factory, settings, bool(params.get("traceback")))
        return ctx.obj

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in BUILTIN_COMMANDS:
            import importlib

            module = importlib.import_module(f"zoo.cli.{BUILTIN_COMMANDS[cmd_name]}")
            for one in module.COMMANDS:
                self.add_command(one)
            command = super().get_command(ctx, cmd_name)
        if command is None and not ctx.resilient_parsing:
            command = self._plugin_commands(self.state(ctx)).get(cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(BUILTIN_COMMANDS)
        if not ctx.resilient_parsing:
            names |= set(self._plugin_commands(self.state(ctx)))
        return sorted(names)

    def _plugin_commands(self, state: CliState) -> dict[str, click.Command]:
        """Commands plugins add; their hooks run once per invocation (``--help`` asks for every command)."""
        if state._plugin_commands is None:
            from zoo.plugins import call_hook

            commands: dict[str, click.Command] = {}
            registry = state.registry
            for record in registry.plugins:
                if registry.manager is None or record.status != "loaded":
                    continue
                extra = click.Group()  # one per plugin: a plugin that fails half-way adds nothing
                if call_hook(registry.manager, record, "register_commands", extra):
                    commands.update((name, command) for name, command in extra.commands.items()
                                    if name not in self.commands and name not in BUILTIN_COMMANDS
                                    and name not in commands)
                else:
                    registry.drop_plugin(record.name)
                    message = f"plugin {record.name!r} failed and was skipped: {record.error}"
                    registry.problems.append(message)
                    click.echo(f"zoo: warning: {printable(message)}", err=True)
            state._plugin_commands = commands
        return state._plugin_commands

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZooError as error:
            if _wants_traceback(ctx):
                raise
            click.echo(f"zoo: error: {printable(error)}", err=True)
            ctx.exit(getattr(error, "exit_code", 2))
        except KeyboardInterrupt:
            click.echo("zoo: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (`zoo list | head`): stop quietly, as other tools do, with the
            # shell's status for SIGPIPE; stdout goes to /dev/null so the exit's flush cannot fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - one line unless --traceback
            if _wants_traceback(ctx):
                raise
            click.echo(f"zoo: error: {type(error).__name__}: {printable(error)} (run with --traceback for details)",
                       err=True)
            ctx.exit(1)


def _wants_traceback(ctx: click.Context) -> bool:
    return isinstance(ctx.obj, CliState) and ctx.obj.traceback


def _default_factory(settings: Settings) -> Registry:
    from zoo.api import default_registry

    return default_registry(settings)


def make_cli(factory: RegistryFactory = _default_factory) -> ZooGroup:
    """The ``zoo`` command, loading its registry through ``factory``."""

    @click.group(cls=ZooGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, "--version", prog_name="zoo", message="%(prog)s %(version)s")
    @click.option("--strict", is_flag=True, help="Make any plugin or catalogue problem fatal (or ZOO_STRICT_PLUGINS=1).")
    @click.option("--registry", "catalogues", multiple=True, type=click.Path(dir_okay=False),
                  help="An extra catalogue YAML file (repeatable; or ZOO_REGISTRY, ':'-separated).")
    @click.option("--traceback", is_flag=True, help="Show the full traceback of an error.")
    @click.pass_context
    def cli(ctx: click.Context, strict: bool, catalogues: tuple[str, ...], traceback: bool) -> None:
        """zoo: models, datasets and metrics from every installed plugin, behind one interface."""
        cli.state(ctx)

    cli.factory = staticmethod(factory)  # type: ignore[attr-defined]
    return cli


# zoo's own commands, by the module (in zoo.cli) that defines them: a command imports only its own
# module, so `zoo list` never pays for importing `zoo run`'s, `zoo sweep`'s or `zoo results`' code.
BUILTIN_COMMANDS: dict[str, str] = {
    "list": "listing", "info": "listing", "plugins": "listing", "validate": "listing", "pull": "pull",
    "run": "run", "sweep": "sweep", "results": "results", "plugin": "scaffold", "bench": "bench",
    "leaderboard": "leaderboard", "serve": "serve", "site": "site",
}


def _terminate_like_ctrl_c(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # so SIGTERM (a scheduler, `kill`) cleans up exactly as Ctrl-C does


def main(args: list[str] | None = None) -> None:
    """Console-script entry point: click's own usage errors become one line too."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)
    try:
        code = make_cli().main(args, prog_name="zoo", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:  # bare `zoo`: the help, as click shows it
        click.echo(error.ctx.get_help() if error.ctx else error.format_message())
        sys.exit(0)
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else "zoo"
        click.echo(f"zoo: error: {error.format_message()} (see `{command} --help`)", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"zoo: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("zoo: interrupted", err=True)
        sys.exit(130)
    _exit(code if isinstance(code, int) else 0)


def _exit(code: int) -> None:
    """Exit now that the work is done, even if a plugin left a non-daemon thread running
    (Python would otherwise wait for it at shutdown, and `zoo list` would hang). Interrupted (130),
    zoo exits at once: a download still running in a worker thread (`zoo pull`) is abandoned, not
    waited for; what it wrote is incomplete and never counts as present."""
    import threading

    if code == 130 or any(t.is_alive() and not t.daemon for t in threading.enumerate()
                          if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    sys.exit(main())
