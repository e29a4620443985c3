"""Real library files cut short at many points: the readers never return other values than the
complete file's, and never let a library exception through (one DataError sentence instead); the
DICOM header check refuses every cut that the full reading refuses, without decoding."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from common.errors import DataError
from common.io import read_dicom, read_dicom_image_header, read_volume

from .conftest import assert_one_sentence

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

#: real files of several encodings: native CT, RLE, JPEG 2000, multi-frame, enhanced CT, 16-bit CR.
DICOM = ["CT_small.dcm", "MR_small_RLE.dcm", "emri_small_jpeg_2k_lossless.dcm", "emri_small.dcm",
         "eCT_Supplemental.dcm", "RG3_UNCR.dcm"]
NIFTI = ["anatomical.nii", "standard.nii.gz"]
#: where to cut: inside the preamble or header, just after it, through the data, the last bytes.
FRACTIONS = (0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99)
ABSOLUTE = (1, 100, 131, 200)


def _cuts(size: int) -> list[int]:
    return sorted({c for c in (*ABSOLUTE, *(int(size * f) for f in FRACTIONS), size - 1, size - 8)
                   if 0 < c < size})


def _cases():
    import nibabel
    folder = Path(nibabel.__file__).parent / "tests" / "data"
    found = [(get_testdata_file(n, download=False), read_dicom) for n in DICOM]
    found += [(str(folder / n), read_volume) for n in NIFTI]
    present = [(Path(p), reader) for p, reader in found if p and Path(p).is_file()]
    assert len(present) >= len(DICOM) + len(NIFTI) - 2, present   # pydicom-data is a dependency
    return present


@pytest.mark.parametrize("source, reader", _cases(), ids=lambda v: getattr(v, "name", ""))
def test_cut_files_are_refused_or_read_whole(tmp_path, source, reader):
    full = reader(source)[0]
    data = source.read_bytes()
    target = tmp_path / source.name
    refused = 0
    for cut in _cuts(len(data)):
        target.write_bytes(data[:cut])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                values = reader(target)[0]
            except DataError as exc:
                assert_one_sentence(str(exc), target)
                refused += 1
                if reader is read_dicom:     # the header check, reading no pixel, sees it too
                    with pytest.raises(DataError):
                        read_dicom_image_header(target)
                continue
        # read without an error: only padding after the image was lost
        assert values.shape == full.shape and np.array_equal(values, full), f"cut at {cut}"
    assert refused >= len(_cuts(len(data))) - 3
