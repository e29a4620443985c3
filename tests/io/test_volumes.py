"""NIfTI and MetaImage round trips, label masks, and bad volumes; nibabel reads like SimpleITK."""

from __future__ import annotations

import gzip

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from common.errors import DataError
from common.io import read_label_mask, read_volume, volumes


def write_sitk(path, array, spacing=None, origin=None, direction=None, compress=True):
    """Write a (D, H, W) array with SimpleITK (spacing in (D, H, W) order)."""
    image = sitk.GetImageFromArray(np.ascontiguousarray(array))
    if spacing is not None:
        image.SetSpacing([float(s) for s in spacing[::-1]])
    if origin is not None:
        image.SetOrigin([float(o) for o in origin])
    if direction is not None:
        image.SetDirection([float(v) for v in np.asarray(direction).ravel()])
    sitk.WriteImage(image, str(path), useCompression=compress)
    return path


def _sitk_read(path):
    image = sitk.ReadImage(str(path))
    return (sitk.GetArrayFromImage(image), image.GetSpacing()[::-1], image.GetOrigin(),
            np.reshape(image.GetDirection(), (3, 3)))


def _assert_reads_like_sitk(path, monkeypatch=None):
    """read_volume gives SimpleITK's array and geometry (without calling SimpleITK when
    ``monkeypatch`` is given: the nibabel path must take the file)."""
    ref, spacing, origin, direction = _sitk_read(path)
    if monkeypatch is not None:
        monkeypatch.setattr(volumes, "_read_sitk", lambda p: pytest.fail("SimpleITK was used"))
    array, meta = read_volume(path)
    assert array.dtype == ref.dtype and array.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(array, ref)
    assert meta["spacing"] == pytest.approx(spacing)
    assert meta["origin"] == pytest.approx(origin, abs=1e-5)
    np.testing.assert_allclose(meta["direction"], direction, atol=1e-6)


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz", ".mha"])
def test_round_trip(tmp_path, rng, suffix):
    array = rng.normal(size=(4, 5, 6)).astype(np.float32)
    direction = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)
    path = write_sitk(tmp_path / f"v{suffix}", array, spacing=(3.0, 1.5, 0.5),
                        origin=(1.0, -2.0, 3.0), direction=direction)
    back, meta = read_volume(path)
    np.testing.assert_array_equal(back, array)
    assert meta["spacing"] == pytest.approx((3.0, 1.5, 0.5))
    assert meta["origin"] == pytest.approx((1.0, -2.0, 3.0))
    np.testing.assert_allclose(meta["direction"], direction, atol=1e-6)
    # affine maps voxel index (x, y, z) = (0, 0, 1) to origin + 3.0 mm along the z direction
    np.testing.assert_allclose(meta["affine"] @ [0, 0, 1, 1], [1.0 + 3.0, -2.0, 3.0, 1.0],
                               atol=1e-5)


def test_reads_nibabel_file_with_same_orientation(tmp_path, rng):
    data = rng.integers(0, 100, size=(6, 5, 4)).astype(np.int16)  # nibabel order (x, y, z)
    affine = np.diag([0.8, 0.9, 2.0, 1.0])
    nib.save(nib.Nifti1Image(data, affine), tmp_path / "n.nii.gz")
    array, meta = read_volume(tmp_path / "n.nii.gz")
    np.testing.assert_array_equal(array, data.transpose(2, 1, 0))
    assert meta["spacing"] == pytest.approx((2.0, 0.9, 0.8))


def test_label_mask_integer_and_declared(tmp_path, rng):
    mask = rng.choice([0, 1, 2], size=(3, 4, 5)).astype(np.uint8)
    path = write_sitk(tmp_path / "m.nii.gz", mask)
    back, _ = read_label_mask(path, labels={0, 1, 2})
    np.testing.assert_array_equal(back, mask)
    assert np.issubdtype(back.dtype, np.integer)


def test_float_mask_with_whole_values_becomes_integer(tmp_path):
    path = write_sitk(tmp_path / "m.mha", np.ones((2, 2, 2), dtype=np.float32))
    back, _ = read_label_mask(path, labels={0, 1})
    assert np.issubdtype(back.dtype, np.integer)


def test_mask_labels_do_not_match(tmp_path):
    mask = np.zeros((2, 3, 3), dtype=np.uint8)
    mask[0, 0, 0] = 7
    path = write_sitk(tmp_path / "m.mha", mask)
    with pytest.raises(DataError, match=r"labels \[7\] that are not among"):
        read_label_mask(path, labels={0, 1, 2})


def test_probability_map_is_not_a_mask(tmp_path):
    path = write_sitk(tmp_path / "p.nii.gz", np.full((2, 2, 2), 0.3, dtype=np.float32))
    with pytest.raises(DataError, match="non-integer"):
        read_label_mask(path)


def test_wrong_number_of_dimensions(tmp_path, rng):
    path = write_sitk(tmp_path / "flat.nii.gz", rng.normal(size=(5, 6)).astype(np.float32))
    with pytest.raises(DataError, match="has 2 dimensions"):
        read_volume(path)
    array, _ = read_volume(path, ndim=2)
    assert array.shape == (5, 6)


def test_missing_volume(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_volume(tmp_path / "none.mha")


def test_truncated_volume(tmp_path, rng):
    path = write_sitk(tmp_path / "v.mha", rng.normal(size=(8, 8, 8)).astype(np.float32),
                        compress=False)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match="cannot be read"):
        read_volume(path)


def test_unknown_suffix(tmp_path):
    with pytest.raises(DataError, match="not a volume file"):
        read_volume(tmp_path / "v.png")


_OBLIQUE = np.array([[0.0, 0.0, 2.0, 10.0], [0.9, 0.0, 0.0, -5.0], [0.0, 0.8, 0.0, 3.0],
                     [0.0, 0.0, 0.0, 1.0]])  # RAS, axes permuted


def _nifti(rng, dtype=np.int16):
    return nib.Nifti1Image(rng.integers(-1000, 1000, size=(5, 4, 3)).astype(dtype), _OBLIQUE)


@pytest.mark.parametrize("case", ["both_forms", "sform_only", "qform_only", "scaled",
                                  "uint8_scaled", "big_endian", "single_slice"])
def test_nibabel_path_reads_like_simpleitk(tmp_path, rng, monkeypatch, case):
    image = _nifti(rng, np.uint8 if case == "uint8_scaled" else np.int16)
    if case != "sform_only":
        image.set_qform(_OBLIQUE, code=1)
    if case in ("scaled", "uint8_scaled"):
        image.header.set_slope_inter(0.5 if case == "uint8_scaled" else 2.0, -1024.0)
    if case == "qform_only":
        image.set_sform(None, code=0)
    if case == "big_endian":
        image = nib.Nifti1Image(image.get_fdata().astype(">i2"), _OBLIQUE,
                                nib.Nifti1Header(endianness=">"))
    if case == "single_slice":
        image = nib.Nifti1Image(rng.normal(size=(5, 4, 1)).astype(np.float32), _OBLIQUE)
    nib.save(image, tmp_path / "v.nii.gz")
    _assert_reads_like_sitk(tmp_path / "v.nii.gz", monkeypatch)


def test_disagreeing_forms_and_no_orientation_go_to_simpleitk(tmp_path, rng):
    image = _nifti(rng)
    moved = _OBLIQUE.copy()
    moved[:3, 3] = [1.0, 2.0, 3.0]
    image.set_qform(moved, code=1)  # SimpleITK follows the qform, nibabel's affine the sform
    nib.save(image, tmp_path / "forms.nii.gz")
    _assert_reads_like_sitk(tmp_path / "forms.nii.gz")
    bare = _nifti(rng)
    bare.set_sform(None, code=0)
    bare.set_qform(None, code=0)
    nib.save(bare, tmp_path / "bare.nii")
    _assert_reads_like_sitk(tmp_path / "bare.nii")
    sheared = _OBLIQUE.copy()
    sheared[0, 1] = 0.3
    nib.save(nib.Nifti1Image(np.zeros((5, 4, 3), np.int16), sheared), tmp_path / "shear.nii")
    with pytest.raises(DataError, match="cannot be read"):  # SimpleITK refuses a sheared grid
        read_volume(tmp_path / "shear.nii")


def test_truncated_nifti(tmp_path, rng):
    data = rng.normal(size=(8, 8, 8)).astype(np.float32)
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp_path / "v.nii.gz")
    raw = (tmp_path / "v.nii.gz").read_bytes()
    (tmp_path / "v.nii.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="cannot be read"):
        read_volume(tmp_path / "v.nii.gz")
    # a complete gzip stream that holds fewer voxels than the header declares
    short = gzip.decompress(raw)[:-40]
    for name, content in (("s.nii.gz", gzip.compress(short)), ("s.nii", short)):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataError, match="cannot be read"):
            read_volume(tmp_path / name)
