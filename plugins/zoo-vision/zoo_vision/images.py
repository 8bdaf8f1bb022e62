"""Image reading lives in the core (:mod:`zoo.inputs.image`), shared by every plugin's image task."""

from zoo.inputs.image import IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, load_image, max_image_bytes, read_image, to_mode

__all__ = ["IMAGE_EXTENSIONS", "MAX_IMAGE_BYTES", "load_image", "max_image_bytes", "read_image", "to_mode"]
