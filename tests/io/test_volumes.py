"""NIfTI and MetaImage round trips, label masks, and bad volumes."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

from common.errors import DataError
from common.io import read_label_mask, read_volume, write_volume


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz", ".mha"])
def test_round_trip(tmp_path, rng, suffix):
    array = rng.normal(size=(4, 5, 6)).astype(np.float32)
    direction = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)
    path = write_volume(tmp_path / f"v{suffix}", array, spacing=(3.0, 1.5, 0.5),
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
    path = write_volume(tmp_path / "m.nii.gz", mask)
    back, _ = read_label_mask(path, labels={0, 1, 2})
    np.testing.assert_array_equal(back, mask)
    assert np.issubdtype(back.dtype, np.integer)


def test_float_mask_with_whole_values_becomes_integer(tmp_path):
    path = write_volume(tmp_path / "m.mha", np.ones((2, 2, 2), dtype=np.float32))
    back, _ = read_label_mask(path, labels={0, 1})
    assert np.issubdtype(back.dtype, np.integer)


def test_mask_labels_do_not_match(tmp_path):
    mask = np.zeros((2, 3, 3), dtype=np.uint8)
    mask[0, 0, 0] = 7
    path = write_volume(tmp_path / "m.mha", mask)
    with pytest.raises(DataError, match=r"labels \[7\] that are not among"):
        read_label_mask(path, labels={0, 1, 2})


def test_probability_map_is_not_a_mask(tmp_path):
    path = write_volume(tmp_path / "p.nii.gz", np.full((2, 2, 2), 0.3, dtype=np.float32))
    with pytest.raises(DataError, match="non-integer"):
        read_label_mask(path)


def test_wrong_number_of_dimensions(tmp_path, rng):
    path = write_volume(tmp_path / "flat.nii.gz", rng.normal(size=(5, 6)).astype(np.float32))
    with pytest.raises(DataError, match="has 2 dimensions"):
        read_volume(path)
    array, _ = read_volume(path, ndim=2)
    assert array.shape == (5, 6)


def test_missing_volume(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_volume(tmp_path / "none.mha")


def test_truncated_volume(tmp_path, rng):
    path = write_volume(tmp_path / "v.mha", rng.normal(size=(8, 8, 8)).astype(np.float32),
                        compress=False)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match="cannot be read"):
        read_volume(path)


def test_unknown_suffix(tmp_path):
    with pytest.raises(DataError, match="not a volume file"):
        read_volume(tmp_path / "v.png")
