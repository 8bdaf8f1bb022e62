"""Reading images safely and converting them to the mode a model needs.

Every failure is a :class:`zoo.SampleError` that names the file: a zero-byte,
truncated or non-image file, or a decompression bomb (an image whose pixel
count exceeds PIL's limit, :data:`PIL.Image.MAX_IMAGE_PIXELS`). Nothing is
silently replaced.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from zoo.errors import SampleError

__all__ = ["IMAGE_EXTENSIONS", "MAX_IMAGE_BYTES", "decode_image", "load_image", "max_image_bytes", "read_image",
           "to_mode"]

# The extensions timm's and torchvision's image folders accept.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def load_image(path: str | os.PathLike[str]) -> Image.Image:
    """A file path -> a verified RGB PIL image, EXIF orientation applied.

    The task's ``input_loader``: ``zoo`` calls it on a command-line argument.
    """
    return read_image(path, sample_id=str(path))


def read_image(path: str | os.PathLike[str], *, sample_id: str, mode: str = "RGB") -> Image.Image:
    """Read, verify and decode one image file; ``sample_id`` names it in errors."""
    from zoo.files import FileProblem, read_bounded

    try:  # a FIFO named x.png, a link to /dev/zero, a 5 GB file: refused before reading
        data = read_bounded(path, limit=max_image_bytes(), what="image")
    except FileProblem as problem:
        raise SampleError(sample_id, problem.reason) from None
    return decode_image(data, sample_id=sample_id, mode=mode)


def decode_image(data: bytes, *, sample_id: str, mode: str = "RGB") -> Image.Image:
    """An encoded image's bytes (a file's, or a dataset row's) -> a verified PIL image in ``mode``,
    EXIF orientation applied; every failure is a :class:`zoo.SampleError` naming ``sample_id``."""
    if not data:
        raise SampleError(sample_id, "the file is empty (0 bytes); replace or remove it")
    if len(data) > max_image_bytes():
        raise SampleError(sample_id, f"the image is {len(data):,} bytes, over the {max_image_bytes():,}-byte limit "
                                     "(ZOO_MAX_IMAGE_BYTES)")
    with warnings.catch_warnings():
        # PIL only warns between 1x and 2x its pixel limit; refuse both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()  # checksums and structure, without decoding
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes everything: a truncated file fails here
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise SampleError(sample_id, f"refused as a possible decompression bomb: {error}") from None
        except Image.UnidentifiedImageError:
            raise SampleError(sample_id, "not an image file PIL can read; replace or remove it") from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise SampleError(sample_id, f"corrupt or truncated image: {error}") from None
    image = ImageOps.exif_transpose(image)
    return to_mode(image, mode, sample_id=sample_id)


MAX_IMAGE_BYTES = 512 * 1024**2  # far above any photo; PIL's pixel limit guards the decoded size


def max_image_bytes() -> int:
    try:
        return int(os.environ.get("ZOO_MAX_IMAGE_BYTES", MAX_IMAGE_BYTES))
    except ValueError:
        return MAX_IMAGE_BYTES


def to_mode(image: Any, mode: str, *, sample_id: str = "?") -> Image.Image:
    """A PIL image or uint8 array (HW or HWC) -> a PIL image in ``mode`` ('RGB' or 'L').

    16-bit images are scaled to 8 bits (PIL's own conversion clips them),
    transparent images are composited on white and CMYK, palette and
    greyscale images are converted, so every model sees the input it expects.
    """
    if isinstance(image, np.ndarray):
        image = _from_array(image, sample_id)
    if not isinstance(image, Image.Image):
        raise SampleError(sample_id, f"expected a PIL image or a uint8 array, got {type(image).__name__}")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = _scale_to_8_bit(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image if image.mode == mode else image.convert(mode)


def _from_array(array: np.ndarray, sample_id: str) -> Image.Image:
    if array.dtype != np.uint8:
        raise SampleError(sample_id, f"image arrays must be uint8, got {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        return Image.fromarray(array, mode="L")
    if array.ndim == 3 and array.shape[2] in (3, 4):
        return Image.fromarray(array, mode="RGB" if array.shape[2] == 3 else "RGBA")
    raise SampleError(sample_id, f"expected an HW or HWC array with 1, 3 or 4 channels, got shape {array.shape}")


def _scale_to_8_bit(image: Image.Image) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float64)
    top = 65535.0 if image.mode.startswith("I;16") or pixels.max(initial=0) > 255 else 255.0
    if image.mode == "F":
        top = max(float(pixels.max(initial=0)), 1.0)
    return Image.fromarray(np.clip(np.rint(pixels / top * 255.0), 0, 255).astype(np.uint8), mode="L")
