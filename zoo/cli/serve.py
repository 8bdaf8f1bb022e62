"""``zoo serve``: the catalogue, its leaderboards, the runs and a try-it API in a browser (:mod:`zoo.web`)."""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
from pathlib import Path

import click

from zoo.errors import UsageError

__all__ = ["COMMANDS", "parse_size"]

WEB_EXTRA = "pip install 'model-zoo-registry[web]' (from a clone: pip install -e '.[web]')"
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "kib": 2**10, "mib": 2**20, "gib": 2**30}


def parse_size(text: str, option: str) -> int:
    """``2GB`` -> 2,000,000,000 bytes: a number with an optional unit (B, KB, MB, GB; KiB, MiB, GiB)."""
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([a-zA-Z]*)\s*", text)
    unit = found.group(2).lower() if found else ""
    if not found or unit not in _UNITS or float(found.group(1)) <= 0:
        raise UsageError(f"{option} {text!r}: give a size such as 2GB, 500MB or 1.5GiB")
    return int(float(found.group(1)) * _UNITS[unit])


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine only (loopback): nothing else can reach a server bound to it."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use is one clear line, not a uvicorn traceback."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise UsageError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is in use (another zoo serve?): give another with --port, "
                             "or --port 0 for any free one") from None
        raise UsageError(f"cannot listen on {host} port {port}: {error.strerror}") from None
    sock.listen(128)
    return sock


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; anything but this machine's (127.0.0.1, localhost, ::1) lets others in.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port (0: any free one).")
@click.option("--results", "results_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The results database (or ZOO_RESULTS; default: results.sqlite in zoo's cache).")
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=20.0, show_default=True,
              help="The largest try-it upload, in MB (a larger one is refused: 413).")
@click.option("--model-memory", default="2GB", show_default=True, metavar="SIZE",
              help="Loaded try-it models are kept within this (least recently used out): 2GB, 500MB.")
@click.option("--request-seconds", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="A try-it prediction that takes longer, waiting for its model included, is answered 504.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, results_path: Path | None, max_upload_mb: float,
                  model_memory: str, request_seconds: float) -> None:
    """Serve the catalogue, its leaderboards, the runs and a try-it API at http://HOST:PORT/.

    \b
    Pages: the catalogue (search, filters, sorting), a card per model, dataset and
    metric, the leaderboards with their charts, the results store's runs, the plugins.
    JSON: /api/models, /api/models/NAME, POST /api/models/NAME/predict...; /docs
    documents it. Every asset is served from here: it works offline.
    """
    memory = parse_size(model_memory, "--model-memory")
    try:
        import uvicorn

        from zoo.web.app import create_app
        from zoo.web.settings import WebSettings
    except ImportError as error:
        raise UsageError(f"zoo serve needs the web extra ({error.name} is not installed): {WEB_EXTRA}") from None
    if not is_local(host):
        click.echo(f"zoo: warning: --host {host} lets other machines reach this server, and its try-it API runs "
                   "models for anyone who can reach it; serve on 127.0.0.1 unless you mean that", err=True)
    sock = _listen(host, port)
    settings = WebSettings(host=host, port=sock.getsockname()[1], results=results_path,
                           max_upload_bytes=int(max_upload_mb * 1e6), model_memory_bytes=memory,
                           request_seconds=request_seconds)
    app = create_app(settings, registry=ctx.find_root().obj.registry)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"zoo: serving the catalogue at http://{shown}:{settings.port}/ (Ctrl-C stops it)", err=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])


COMMANDS = [serve_command]
