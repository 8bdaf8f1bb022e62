"""Reading the files a user or a catalogue names, defensively.

A path can name anything: ``/dev/zero`` (endless), a FIFO (blocks forever), a
symlink to either, a directory, or a file far larger than it claims to be.
Every file zoo parses — catalogues, label maps, run records — goes through
:func:`read_bounded`: a regular file (after following symlinks), read with a
size limit, so a wrong path is one clear line instead of a hang or a MemoryError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from zoo.errors import UsageError

__all__ = ["FileProblem", "cache_root", "not_a_regular_file", "read_bounded", "regular_file_problem",
           "walk_files"]


def cache_root() -> Path:
    """zoo's cache folder: ``$ZOO_CACHE``, else ``$XDG_CACHE_HOME/zoo`` (``~/.cache/zoo``)."""
    root = os.environ.get("ZOO_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "zoo")
    return Path(root).expanduser()


class FileProblem(UsageError):
    """A file that cannot be read as asked; ``reason`` says why, without the path."""

    def __init__(self, path: Path, what: str, reason: str) -> None:
        super().__init__(f"{what} {path}: {reason}")
        self.path, self.what, self.reason = path, what, reason


def not_a_regular_file(mode: int) -> str | None:
    """What a file of this ``st_mode`` is, when it is not a regular file."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def regular_file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a readable regular file (after symlinks), without opening it; None if it is."""
    try:
        return not_a_regular_file(os.stat(path).st_mode)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"


def walk_files(top: str | os.PathLike[str], suffixes: tuple[str, ...], *,
               never_enter: tuple[str | os.PathLike[str], ...] = ()) -> list[Path]:
    """Files under ``top`` whose names end in one of ``suffixes`` (any case), sorted; hidden ones skipped.

    Symlinked folders are followed, but each real folder is entered once and
    ``never_enter`` folders not at all, so a link back up the tree (a loop)
    cannot list one file many times or walk forever.
    """
    found = []
    seen = {_identity(folder) for folder in never_enter}
    for folder, subfolders, files in os.walk(top, followlinks=True):
        identity = _identity(folder)
        if identity in seen:
            subfolders[:] = []
            continue
        seen.add(identity)
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        found += [Path(folder, name) for name in files
                  if not name.startswith(".") and name.lower().endswith(suffixes)]
    return sorted(found)


def _identity(folder: str | os.PathLike[str]) -> tuple[int, int]:
    info = os.stat(folder)
    return info.st_dev, info.st_ino


def read_bounded(path: str | os.PathLike[str], *, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`FileProblem`."""
    path = Path(path)
    try:
        info = os.stat(path)  # follows symlinks: what is read is what they lead to
    except OSError as error:
        raise FileProblem(path, what, f"cannot read it: {error.strerror or error}") from None
    kind = not_a_regular_file(info.st_mode)
    if kind:
        raise FileProblem(path, what, f"is {kind}, not a regular file; give the path of a file")
    if info.st_size > limit:
        raise FileProblem(path, what, f"is {info.st_size:,} bytes, over the {limit:,}-byte limit")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # a file that grows while read is still bounded
    except OSError as error:
        raise FileProblem(path, what, f"cannot read it: {error.strerror or error}") from None
    if len(data) > limit:
        raise FileProblem(path, what, f"is over the {limit:,}-byte limit")
    return data
