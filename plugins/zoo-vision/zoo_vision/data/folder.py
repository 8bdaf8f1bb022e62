"""``image-folder``: a local folder with one subfolder of images per class.

Class folders are sorted by name. When every folder is an ImageNet-1k synset
(``n01440764``...), as in the usual ImageNet validation layout, classes are
named with timm's ImageNet descriptions, matching timm models' labels.
Files are found recursively inside each class folder by extension; hidden
files are skipped. An empty class folder or a root without class folders is
an error naming the folder. The fingerprint covers every file's contents
(its sha256), so any edit to an image, even one that keeps its byte size,
changes it.
"""

from __future__ import annotations

import os
from pathlib import Path

from zoo.errors import MissingArtifactError, UsageError
from zoo.files import walk_files
from zoo.weights import sha256_file
from zoo_vision.data.base import ImageFiles, fingerprint_of
from zoo_vision.images import IMAGE_EXTENSIONS

__all__ = ["build_image_folder", "list_classes"]

LABEL_MODES = ("auto", "folder", "imagenet")


def list_classes(root: Path) -> list[str]:
    return sorted(entry.name for entry in os.scandir(root) if entry.is_dir() and not entry.name.startswith("."))


def _class_files(root: Path, name: str, classes: list[str]) -> list[str]:
    """Image files under one class folder. Symlinked folders are followed, each real folder once,
    and never back into the root or another class: a loop cannot list one image dozens of
    times, nor a link file a dog among the cats."""
    others = (root, *(root / other for other in classes if other != name))
    return [path.relative_to(root).as_posix()
            for path in walk_files(root / name, IMAGE_EXTENSIONS, never_enter=others)]


def build_image_folder(*, split: str, root: str | None = None, labels: str = "auto") -> ImageFiles:
    """Images under ``root/<class>/``; ``labels``: 'auto', 'folder' (names as is) or 'imagenet'."""
    if root is None:
        raise UsageError("dataset image-folder needs its location: --dataset-arg root=PATH "
                         "(a folder with one subfolder of images per class)")
    if labels not in LABEL_MODES:
        raise UsageError(f"image-folder: labels must be one of {', '.join(LABEL_MODES)}, got {labels!r}")
    base = Path(root).expanduser()
    if not base.is_dir():
        raise MissingArtifactError(f"image-folder: {base} is not a folder; check root=")
    classes = list_classes(base)
    if not classes:
        raise UsageError(f"image-folder: {base} has no class folders; put each class's images in a subfolder "
                         f"named after the class (root/cat/1.jpg, root/dog/2.jpg)")
    files: list[tuple[str, int]] = []
    for index, name in enumerate(classes):
        found = _class_files(base, name, classes)
        if not found:
            raise UsageError(f"image-folder: class folder {base / name} has no image files "
                             f"({', '.join(IMAGE_EXTENSIONS)}); add images or remove the folder")
        files += [(relative, index) for relative in found]
    names = _class_names(classes, labels, base)
    listing = "\n".join(f"{rel}\t{_content_digest(base / rel)}" for rel, _ in files)
    info = {"name": "image-folder", "root": str(base), "classes": names, "size": len(files),
            "fingerprint_of": "class names, relative paths and the sha256 of every file's contents"}
    return ImageFiles(root=base, files=files, labels=names, split=split,
                      fingerprint=fingerprint_of("\n".join(names), listing), info=info)


def _content_digest(path: Path) -> str:
    """The file's sha256 (about 10 ms per 300 JPEGs of 40 KB here, once per build)."""
    from zoo.files import not_a_regular_file

    try:
        kind = not_a_regular_file(os.stat(path).st_mode)
        if kind:  # a FIFO would block here forever, /dev/zero never end; reading it fails as a SampleError
            return f"not a regular file: {kind}"
        return sha256_file(path)
    except OSError as error:
        # Reading it for the model fails too, as a SampleError naming the file
        # (or skipped with --on-error skip); the fingerprint records the failure.
        return f"unreadable: {error.strerror or error}"


def _class_names(folders: list[str], mode: str, base: Path) -> list[str]:
    if mode == "folder":
        return folders
    from zoo_vision.labels import synset_to_label

    names = synset_to_label("imagenet-1k")
    unknown = [folder for folder in folders if folder not in names]
    if mode == "imagenet" and unknown:
        raise UsageError(f"image-folder: labels=imagenet, but {base / unknown[0]} is not an ImageNet-1k synset "
                         f"folder name (like n01440764)")
    return folders if unknown else [names[folder] for folder in folders]
