"""Reading images: every format converted as models need, every bad file a clear error."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from zoo import SampleError
from zoo_vision.images import load_image, to_mode


def test_rgb_image_loads_unchanged(tmp_path, noise_image):
    original = noise_image("RGB")
    original.save(tmp_path / "photo.png")
    image = load_image(tmp_path / "photo.png")
    assert image.mode == "RGB"
    assert np.array_equal(np.asarray(image), np.asarray(original))


def test_greyscale_is_converted_to_rgb(tmp_path):
    Image.new("L", (5, 4), 77).save(tmp_path / "grey.png")
    image = load_image(tmp_path / "grey.png")
    assert image.mode == "RGB" and image.size == (5, 4)
    assert image.getpixel((0, 0)) == (77, 77, 77)


def test_cmyk_jpeg_is_converted_to_rgb(tmp_path):
    Image.new("CMYK", (8, 8), (0, 0, 0, 0)).save(tmp_path / "print.jpg")  # no ink: white
    image = load_image(tmp_path / "print.jpg")
    assert image.mode == "RGB"
    assert min(image.getpixel((4, 4))) >= 250


def test_transparent_pixels_become_white_not_black(tmp_path):
    pixels = np.zeros((4, 4, 4), dtype=np.uint8)
    pixels[:, :2] = (255, 0, 0, 255)  # left half opaque red, right half fully transparent
    Image.fromarray(pixels, mode="RGBA").save(tmp_path / "logo.png")
    image = load_image(tmp_path / "logo.png")
    assert image.getpixel((0, 0)) == (255, 0, 0)
    assert image.getpixel((3, 0)) == (255, 255, 255)


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path):
    pixels = np.array([[0, 32896, 65535]], dtype=np.uint16)
    Image.fromarray(pixels).save(tmp_path / "scan16.png")
    assert Image.open(tmp_path / "scan16.png").mode.startswith("I")
    image = load_image(tmp_path / "scan16.png")
    assert [image.getpixel((x, 0))[0] for x in range(3)] == [0, 128, 255]


def test_exif_orientation_is_applied(tmp_path, noise_image):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    noise_image("RGB", (20, 10)).save(tmp_path / "phone.jpg", exif=exif)
    assert load_image(tmp_path / "phone.jpg").size == (10, 20)


def test_arrays_convert_to_the_models_mode():
    grey = np.full((3, 3), 200, dtype=np.uint8)
    assert to_mode(grey, "RGB").getpixel((1, 1)) == (200, 200, 200)
    colour = np.zeros((3, 3, 3), dtype=np.uint8)
    colour[..., 0] = 255
    assert to_mode(colour, "L").getpixel((0, 0)) == 76  # ITU-R 601 luma of pure red
    with pytest.raises(SampleError, match="uint8"):
        to_mode(np.zeros((3, 3), dtype=np.float32), "RGB", sample_id="row 3")


@pytest.mark.parametrize("name, content, reason", [
    ("empty.jpg", b"", "empty"),
    ("notes.png", b"this is a text file, not a picture\n", "not an image"),
])
def test_unreadable_files_name_the_file(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SampleError, match=reason) as caught:
        load_image(tmp_path / name)
    assert caught.value.sample_id == str(tmp_path / name)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_image_is_an_error(tmp_path, suffix, noise_image):
    path = tmp_path / f"cut{suffix}"
    noise_image("RGB", (64, 64)).save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SampleError, match="corrupt or truncated") as caught:
        load_image(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("side", [10_000, 20_000])  # above PIL's warning limit, and above its error limit
def test_decompression_bomb_is_refused(tmp_path, side, png_claiming_size):
    bomb = png_claiming_size(tmp_path / "bomb.png", side, side)
    assert bomb.stat().st_size < 100
    with pytest.raises(SampleError, match="decompression bomb"):
        load_image(bomb)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(SampleError, match="cannot read"):
        load_image(tmp_path / "nowhere.png")
