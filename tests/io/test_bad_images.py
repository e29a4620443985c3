"""Bad-input corpus of the 2D image readers (``read_image_2d``, ``list_images``, ``pair_files``),
generated at test time.

PNG, JPEG, TIFF and BMP files cut at several points, corrupted, empty, text named ``.png``,
multi-page, with NaN, or sharing a file stem: each raises exactly one :class:`DataError`
sentence naming the file or folder; the accepted variants read to the exact values.
"""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
from PIL import Image, ImageFile

from common.io import list_images, pair_files, read_image_2d

from .conftest import expect_data_error

GREY = (np.arange(40 * 50) % 251).astype(np.uint8).reshape(40, 50)
FORMATS = {"png": "PNG", "jpg": "JPEG", "tif": "TIFF", "bmp": "BMP"}
#: Cuts that leave an unreadable file in every format (a PNG without its last chunk, or a
#: BMP without its row padding, still holds every pixel: see test_cut_after_the_pixels).
CUTS = {"magic": lambda n: 4, "inside_header": lambda n: 20, "first_pixels": lambda n: 60,
        "mid_pixels": lambda n: n // 2, "near_the_end": lambda n: n - 40}


def _save(path, array=GREY):
    Image.fromarray(array).save(path, format=FORMATS[path.suffix[1:]])
    return path


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("ext", FORMATS)
def test_truncated_images(tmp_path, ext, cut):
    raw = _save(tmp_path / f"ok.{ext}").read_bytes()
    path = tmp_path / f"cut.{ext}"
    path.write_bytes(raw[: CUTS[cut](len(raw))])
    expect_data_error(lambda: read_image_2d(path), path, "could not be read as an image")


def test_truncated_png_fails_even_when_pillow_is_told_to_pad(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    raw = _save(tmp_path / "ok.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(raw[: len(raw) // 2])
    expect_data_error(lambda: read_image_2d(path), path, "could not be read as an image")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the setting is restored


@pytest.mark.parametrize("ext, cut", [("png", 12), ("png", 1), ("bmp", 1)])
def test_cut_after_the_pixels_reads_exactly(tmp_path, ext, cut):
    raw = _save(tmp_path / f"ok.{ext}").read_bytes()
    path = tmp_path / f"cut.{ext}"
    path.write_bytes(raw[:-cut])
    np.testing.assert_array_equal(read_image_2d(path), GREY)


def test_corrupt_png_data(tmp_path):
    raw = bytearray(_save(tmp_path / "ok.png").read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside the zlib stream of IDAT
    path = tmp_path / "bad.png"
    path.write_bytes(bytes(raw))
    expect_data_error(lambda: read_image_2d(path), path, "could not be read as an image")


@pytest.mark.parametrize("content", [b"", b"not an image\n", b"\x89PNG\r\n\x1a\n",
                                     b"<html>404 Not Found</html>"])
@pytest.mark.parametrize("ext", ["png", "jpg", "tif"])
def test_empty_and_foreign_files(tmp_path, ext, content):
    path = tmp_path / f"x.{ext}"
    path.write_bytes(content)
    expect_data_error(lambda: read_image_2d(path), path, "empty|could not be read as an image")


def test_missing_file_and_folder(tmp_path):
    expect_data_error(lambda: read_image_2d(tmp_path / "none.png"), tmp_path / "none.png",
                      "does not exist")
    (tmp_path / "dir.png").mkdir()
    expect_data_error(lambda: read_image_2d(tmp_path / "dir.png"), tmp_path / "dir.png",
                      "is a folder")
    expect_data_error(lambda: read_image_2d(tmp_path / "none.nii.gz"),
                      tmp_path / "none.nii.gz", "does not exist")


def test_multipage_tiff_refused(tmp_path):
    path = tmp_path / "stack.tif"
    pages = [Image.fromarray(GREY), Image.fromarray(GREY[::-1])]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    expect_data_error(lambda: read_image_2d(path), path, "holds 2 images")


def test_volume_nifti_refused(tmp_path):
    path = tmp_path / "vol.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 3), np.float32), np.eye(4)), path)
    expect_data_error(lambda: read_image_2d(path), path, "a single 2D image")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_float_image_with_nan(tmp_path, bad):
    image = GREY.astype(np.float32)
    image[3, 4] = bad
    path = tmp_path / "f.tif"
    Image.fromarray(image).save(path)
    expect_data_error(lambda: read_image_2d(path), path, "NaN or infinite")


@pytest.mark.parametrize("mode, expected", [
    ("L", GREY),
    ("I;16", GREY.astype(np.uint16) * 257),
    ("F", GREY.astype(np.float32) / 7),
    ("RGB", np.asarray(Image.fromarray(np.dstack([GREY] * 3)).convert("L"))),
])
def test_accepted_modes_read_exactly(tmp_path, mode, expected):
    path = tmp_path / ("x.tif" if mode == "F" else "x.png")
    source = np.dstack([GREY] * 3) if mode == "RGB" else expected
    Image.fromarray(source).save(path)
    back = read_image_2d(path)
    assert back.dtype == expected.dtype
    np.testing.assert_array_equal(back, expected)


# --- Folders ------------------------------------------------------------------------------------------

def test_list_images_missing_folder_or_a_file(tmp_path):
    expect_data_error(lambda: list_images(tmp_path / "none"), tmp_path / "none", "does not exist")
    path = _save(tmp_path / "a.png")
    expect_data_error(lambda: list_images(path), path, "does not exist")


@pytest.mark.parametrize("names", [("a.png", "a.jpg"), ("case.nii", "case.nii.gz"),
                                   ("b.tif", "b.tiff")])
def test_two_files_with_one_stem(tmp_path, names):
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    expect_data_error(lambda: list_images(tmp_path), tmp_path, "share the name")


def test_pair_files_with_a_duplicate_mask(tmp_path):
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
        _save(tmp_path / folder / "a.png")
    _save(tmp_path / "masks" / "a.bmp")
    expect_data_error(lambda: pair_files(tmp_path / "images", tmp_path / "masks"),
                      tmp_path / "masks", "a.bmp and a.png .* share the name a")


def test_list_images_keeps_everything_else(tmp_path):
    for name in ("b.PNG", "a.nii.gz", "c.txt", "d.jpeg"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "e.png").mkdir()
    assert list_images(tmp_path) == {"a": tmp_path / "a.nii.gz", "b": tmp_path / "b.PNG",
                                     "d": tmp_path / "d.jpeg"}
