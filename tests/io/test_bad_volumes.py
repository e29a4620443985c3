"""Bad-input corpus of the volume readers, generated at test time.

NIfTI (nibabel route and SimpleITK route) and MetaImage (``.mha``, ``.mhd`` + ``.raw``/``.zraw``)
files cut at several points, corrupted, missing their companion file, empty, of the wrong
dimensionality or holding NaN: each raises exactly one :class:`DataError` sentence naming the
file; the accepted variants read to the exact values.
"""

from __future__ import annotations

import gzip
import struct

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from common.io import read_label_mask, read_volume

from .conftest import expect_data_error

#: (D, H, W) values of every test volume.
VOXELS = np.arange(6 * 5 * 4, dtype=np.float32).reshape(6, 5, 4) / 7.0 - 3.0
_FORMS = np.array([[0.0, 0.0, 2.0, 10.0], [0.9, 0.0, 0.0, -5.0], [0.0, 0.8, 0.0, 3.0],
                   [0.0, 0.0, 0.0, 1.0]])


def _nifti(route: str) -> nib.Nifti1Image:
    """A NIfTI that ``read_volume`` sends down ``route``."""
    data = VOXELS.transpose(2, 1, 0)  # nibabel order (x, y, z)
    if route == "nibabel":
        return nib.Nifti1Image(data, _FORMS)
    if route == "sitk_4d":
        return nib.Nifti1Image(np.stack([data, -data], axis=-1), _FORMS)
    image = nib.Nifti1Image(data, _FORMS)  # forms that disagree: SimpleITK decides
    moved = _FORMS.copy()
    moved[:3, 3] = [1.0, 2.0, 3.0]
    image.set_qform(moved, code=1)
    return image


def _ndim(route: str) -> int:
    return 4 if route == "sitk_4d" else 3


ROUTES = ["nibabel", "sitk_4d", "sitk_forms"]


@pytest.fixture(params=ROUTES)
def route(request):
    return request.param


def _gz(tmp_path, route) -> bytes:
    nib.save(_nifti(route), tmp_path / "ref.nii.gz")
    return (tmp_path / "ref.nii.gz").read_bytes()


def _reference(tmp_path, route) -> np.ndarray:
    nib.save(_nifti(route), tmp_path / "ref.nii")
    return sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "ref.nii")))


# --- NIfTI: truncation and corruption -------------------------------------------------------------

GZ_CUTS = {
    "gzip_header": lambda n: 5,
    "first_deflate_bytes": lambda n: 30,
    "mid_data": lambda n: n // 2,
    "before_crc": lambda n: n - 8,
    "inside_crc": lambda n: n - 6,
    "inside_length": lambda n: n - 2,
    "last_byte": lambda n: n - 1,
}


@pytest.mark.parametrize("cut", GZ_CUTS)
def test_truncated_nii_gz(tmp_path, route, cut):
    raw = _gz(tmp_path, route)
    path = tmp_path / "cut.nii.gz"
    path.write_bytes(raw[: GZ_CUTS[cut](len(raw))])
    expect_data_error(lambda: read_volume(path, ndim=_ndim(route)), path,
                      "cannot be read.*(truncated|gzip)")


def _flip(raw: bytes, at: int) -> bytes:
    bad = bytearray(raw)
    bad[at] ^= 0x5A
    return bytes(bad)


GZ_DAMAGE = {
    "crc": lambda raw: _flip(raw, len(raw) - 8),
    "length_field": lambda raw: _flip(raw, len(raw) - 3),
    "deflate_byte": lambda raw: _flip(raw, len(raw) // 2),
    "trailing_garbage": lambda raw: raw + b"garbage",
}


@pytest.mark.parametrize("damage", GZ_DAMAGE)
def test_corrupt_nii_gz(tmp_path, route, damage):
    path = tmp_path / "bad.nii.gz"
    path.write_bytes(GZ_DAMAGE[damage](_gz(tmp_path, route)))
    expect_data_error(lambda: read_volume(path, ndim=_ndim(route)), path, "cannot be read")


NII_CUTS = {"inside_header": 100, "header_only": 348, "extension_flag_only": 352,
            "mid_data": None, "last_byte": -1}


@pytest.mark.parametrize("cut", NII_CUTS)
def test_truncated_nii(tmp_path, route, cut):
    raw = gzip.decompress(_gz(tmp_path, route))
    end = NII_CUTS[cut] if NII_CUTS[cut] is not None else len(raw) // 2
    path = tmp_path / "cut.nii"
    path.write_bytes(raw[:end])
    expect_data_error(lambda: read_volume(path, ndim=_ndim(route)), path, "cannot be read")


def test_short_stream_says_how_many_bytes(tmp_path):
    raw = gzip.decompress(_gz(tmp_path, "nibabel"))
    path = tmp_path / "short.nii.gz"
    path.write_bytes(gzip.compress(raw[:-40]))
    expect_data_error(lambda: read_volume(path), path,
                      f"holds {VOXELS.nbytes - 40} of the {VOXELS.nbytes} voxel bytes")


HEADER_DAMAGE = {  # byte offset in the NIfTI-1 header, struct format, value
    "dim0_out_of_range": (40, "<h", 9),
    "unknown_datatype": (70, "<h", 999),
    "voxels_past_the_end": (108, "<f", 1e9),
    "negative_dimension": (42, "<h", -3),
}


@pytest.mark.parametrize("damage", HEADER_DAMAGE)
def test_damaged_nifti_header(tmp_path, damage):
    nib.save(_nifti("nibabel"), tmp_path / "ref.nii")
    raw = bytearray((tmp_path / "ref.nii").read_bytes())
    offset, fmt, value = HEADER_DAMAGE[damage]
    struct.pack_into(fmt, raw, offset, value)
    path = tmp_path / "bad.nii"
    path.write_bytes(bytes(raw))
    expect_data_error(lambda: read_volume(path), path, "cannot be read")


def test_not_a_nifti_and_misnamed_gzip(tmp_path, rng):
    junk = tmp_path / "junk.nii"
    junk.write_bytes(rng.integers(0, 255, size=600, dtype=np.uint8).tobytes())
    expect_data_error(lambda: read_volume(junk), junk, "NIfTI-1 or NIfTI-2 header")
    gz = tmp_path / "packed.nii"
    gz.write_bytes(_gz(tmp_path, "nibabel"))
    expect_data_error(lambda: read_volume(gz), gz, "gzip-compressed but named .nii")


# --- NIfTI: accepted variants, exact values --------------------------------------------------------

def test_every_route_reads_exact_values(tmp_path, route):
    ref = _reference(tmp_path, route)
    path = tmp_path / "ok.nii.gz"
    path.write_bytes(_gz(tmp_path, route))
    array, _ = read_volume(path, ndim=_ndim(route))
    np.testing.assert_array_equal(array, ref)
    assert array.dtype == ref.dtype


@pytest.mark.parametrize("container", ["uncompressed_named_gz", "two_gzip_members"])
def test_unusual_gzip_containers_read_exactly(tmp_path, route, container):
    """SimpleITK alone returns wrong voxels for both; the checked bytes are read instead."""
    raw = gzip.decompress(_gz(tmp_path, route))
    path = tmp_path / "odd.nii.gz"
    half = len(raw) // 2
    path.write_bytes(raw if container == "uncompressed_named_gz"
                     else gzip.compress(raw[:half]) + gzip.compress(raw[half:]))
    array, _ = read_volume(path, ndim=_ndim(route))
    np.testing.assert_array_equal(array, _reference(tmp_path, route))


def test_nifti2_reads_like_nifti1(tmp_path):
    nib.save(_nifti("nibabel"), tmp_path / "one.nii.gz")
    two = _nifti("nibabel")
    nib.save(nib.Nifti2Image(two.dataobj, two.affine), tmp_path / "two.nii.gz")
    (a1, m1), (a2, m2) = read_volume(tmp_path / "one.nii.gz"), read_volume(tmp_path / "two.nii.gz")
    np.testing.assert_array_equal(a2, a1)
    np.testing.assert_array_equal(a2, VOXELS)
    # NIfTI-1 stores the geometry as float32, NIfTI-2 as float64
    assert m2["spacing"] == pytest.approx(m1["spacing"], rel=1e-6)
    assert m2["origin"] == pytest.approx(m1["origin"], rel=1e-6)
    np.testing.assert_allclose(m2["direction"], m1["direction"], atol=1e-6)


def test_nifti2_that_simpleitk_would_need_is_refused(tmp_path):
    image = nib.Nifti2Image(np.zeros((4, 3, 2, 2), np.float32), _FORMS)
    nib.save(image, tmp_path / "four.nii")
    expect_data_error(lambda: read_volume(tmp_path / "four.nii", ndim=None),
                      tmp_path / "four.nii", "NIfTI-2")


# --- MetaImage ---------------------------------------------------------------------------------------

MHA_KINDS = {"mha_raw": (".mha", False), "mha_zlib": (".mha", True), "mhd_raw": (".mhd", False),
             "mhd_zraw": (".mhd", True)}


def _write_mha(tmp_path, kind):
    """The header path and the file holding the voxels."""
    suffix, compress = MHA_KINDS[kind]
    header = tmp_path / f"vol{suffix}"
    sitk.WriteImage(sitk.GetImageFromArray(VOXELS), str(header), useCompression=compress)
    data = header if suffix == ".mha" else header.with_suffix(".zraw" if compress else ".raw")
    return header, data


@pytest.mark.parametrize("kind", MHA_KINDS)
def test_metaimage_reads_exact_values(tmp_path, kind):
    header, data = _write_mha(tmp_path, kind)
    np.testing.assert_array_equal(read_volume(header)[0], VOXELS)
    data.write_bytes(data.read_bytes() + b"\0\0extra")  # bytes past the grid are ignored
    np.testing.assert_array_equal(read_volume(header)[0], VOXELS)


MHA_CUTS = {"inside_header": None, "mid_data": 0.5, "most_data": 0.9, "last_byte": -1}


@pytest.mark.parametrize("cut", MHA_CUTS)
@pytest.mark.parametrize("kind", MHA_KINDS)
def test_truncated_metaimage(tmp_path, kind, cut):
    header, data = _write_mha(tmp_path, kind)
    if MHA_CUTS[cut] is None:
        header.write_bytes(header.read_bytes()[:60])
    else:
        raw = data.read_bytes()
        start = raw.index(b"ElementDataFile = LOCAL\n") + 24 if data == header else 0
        keep = len(raw) - 1 if MHA_CUTS[cut] == -1 \
            else start + int((len(raw) - start) * MHA_CUTS[cut])
        data.write_bytes(raw[:keep])
    expect_data_error(lambda: read_volume(header), header, "cannot be read")


@pytest.mark.parametrize("at", ["mid_stream", "adler_checksum"])
@pytest.mark.parametrize("kind", ["mha_zlib", "mhd_zraw"])
def test_corrupt_compressed_metaimage(tmp_path, kind, at):
    """SimpleITK prints "Uncompress failed" and returns damaged voxels; the reader refuses."""
    header, data = _write_mha(tmp_path, kind)
    raw = data.read_bytes()
    data.write_bytes(_flip(raw, len(raw) - 2 if at == "adler_checksum" else len(raw) - 40))
    expect_data_error(lambda: read_volume(header), header, "corrupt")


@pytest.mark.parametrize("kind", ["mhd_raw", "mhd_zraw"])
def test_mhd_without_its_voxel_file(tmp_path, kind):
    header, data = _write_mha(tmp_path, kind)
    data.unlink()
    expect_data_error(lambda: read_volume(header), header, f"{data.name}, which is missing")


# --- Files, dimensions, values -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["v.nii", "v.nii.gz", "v.mha", "v.mhd"])
def test_missing_empty_or_folder(tmp_path, name):
    path = tmp_path / name
    expect_data_error(lambda: read_volume(path), path, "does not exist")
    path.write_bytes(b"")
    expect_data_error(lambda: read_volume(path), path, "empty")
    path.unlink()
    path.mkdir()
    expect_data_error(lambda: read_volume(path), path, "is a folder")


def test_text_file_named_like_a_volume(tmp_path):
    for name in ("notes.nii.gz", "notes.mha"):
        path = tmp_path / name
        path.write_text("this is not a volume\n" * 30)
        expect_data_error(lambda: read_volume(path), path, "cannot be read")


@pytest.mark.parametrize("shape, ndim", [((5, 6), 3), ((2, 3, 4, 5), 3), ((2, 3, 4), 2)])
def test_wrong_number_of_dimensions(tmp_path, shape, ndim):
    path = tmp_path / "v.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros(shape[::-1], np.float32), np.eye(4)), path)
    expect_data_error(lambda: read_volume(path, ndim=ndim), path, f"{len(shape)} dimensions")


def test_vector_voxels_refused(tmp_path):
    path = tmp_path / "rgb.mha"
    sitk.WriteImage(sitk.GetImageFromArray(np.zeros((3, 4, 5, 3), np.uint8), isVector=True),
                    str(path))
    expect_data_error(lambda: read_volume(path, ndim=None), path, "3 values per voxel")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("suffix", [".nii.gz", ".mha"])
def test_nan_or_infinite_voxels(tmp_path, bad, suffix):
    data = VOXELS.copy()
    data[1, 2, 3] = bad
    path = tmp_path / f"v{suffix}"
    sitk.WriteImage(sitk.GetImageFromArray(data), str(path))
    expect_data_error(lambda: read_volume(path), path, "1 NaN or infinite")
    expect_data_error(lambda: read_label_mask(path), path, "NaN or infinite")


@pytest.mark.parametrize("value, match", [(0.5, "non-integer"), (3e9, "int32 range"),
                                          (-3e9, "int32 range"), (7.0, r"labels \[7\]")])
def test_mask_values(tmp_path, value, match):
    mask = np.zeros((3, 4, 5), np.float32)
    mask[1, 1, 1] = value
    path = tmp_path / "m.nii.gz"
    sitk.WriteImage(sitk.GetImageFromArray(mask), str(path))
    expect_data_error(lambda: read_label_mask(path, labels={0, 1}), path, match)


def test_whole_float_mask_reads_exactly(tmp_path):
    mask = np.zeros((3, 4, 5), np.float32)
    mask[1, 1, 1], mask[2, 0, 0] = 2.0, 1.0
    path = tmp_path / "m.mha"
    sitk.WriteImage(sitk.GetImageFromArray(mask), str(path))
    back, _ = read_label_mask(path, labels={0, 1, 2})
    assert back.dtype == np.int32
    np.testing.assert_array_equal(back, mask.astype(np.int32))
