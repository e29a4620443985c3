"""The ct_volumes phantom laid out as a real per-patient CT collection (LIDC-IDRI style).

:func:`make_real_layout` turns a built phantom folder into what a user assembles from a real
download following ``datasets/ct_volumes.md``: one folder of DICOM slices per patient (one series,
files named and ordered as an export names them, not by position), a ``patients.csv`` with every
label filled in (a real collection labels every patient; the user chooses the split, so the test
split is labelled), and nothing the phantom builder adds: no manifest, no build marker, no answer
key.

Example:
    >>> make_real_layout(datasets / "ct_volumes", tmp / "data" / "ct_volumes", n_patients=60)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from common.answer_keys import read_answer_key
from common.io import read_patients_csv, read_volume

__all__ = ["make_real_layout", "PATIENT_PREFIX", "RESCALE_INTERCEPT"]

#: real collections name patients their own way (LIDC-IDRI-0001), not as the phantom (P0001).
PATIENT_PREFIX = "LIDC-IDRI-"
#: stored value = HU + 1024, unsigned 12-bit, as most CT scanners export.
RESCALE_INTERCEPT = -1024.0


def _real_id(pid: str) -> str:
    return PATIENT_PREFIX + pid.lstrip("P").zfill(4)


def _write_series(folder: Path, hu: np.ndarray, spacing: tuple[float, float, float],
                  patient_id: str, rng: np.random.Generator) -> None:
    """One CT slice per file; file names in a shuffled order, positions along +Z."""
    folder.mkdir(parents=True)
    study, series = generate_uid(), generate_uid()
    dz, dy, dx = spacing
    names = rng.permutation(len(hu))
    for k, plane in enumerate(hu):
        path = folder / f"1-{names[k] + 1:03d}.dcm"
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.Modality, ds.PatientID, ds.PatientName = "CT", patient_id, patient_id
        ds.SeriesNumber, ds.InstanceNumber = 1, int(names[k]) + 1   # export order, not position
        ds.Rows, ds.Columns = plane.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, RESCALE_INTERCEPT, "HU"
        ds.PixelSpacing = [dy, dx]
        ds.SliceThickness = dz
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-25.6, -25.6, -100.0 + dz * k]
        ds.PixelData = (plane.astype(np.int32) - int(RESCALE_INTERCEPT)).astype(np.uint16).tobytes()
        ds.save_as(path, enforce_file_format=True)


def make_real_layout(phantom_dir: Path, out_dir: Path, n_patients: int | None = None,
                     seed: int = 0) -> Path:
    """Write the phantom ``phantom_dir`` as a real-layout ``out_dir`` (which must not exist).

    Args:
        phantom_dir: a built ``ct_volumes`` phantom (its answer key beside it, in
            ``<phantom_dir>/../answer_keys/ct_volumes/labels.csv``).
        out_dir: the new dataset folder (``<data root>/ct_volumes``).
        n_patients: keep the first rows of each split in proportion (train 60 %, val 20 %, test
            20 % of ``n_patients``), for a fast run; None keeps every patient.
        seed: seeds the shuffled file order.

    Returns:
        ``out_dir``.
    """
    phantom_dir, out_dir = Path(phantom_dir), Path(out_dir)
    patients = read_patients_csv(phantom_dir / "patients.csv")
    key = read_answer_key("ct_volumes", "labels", root=phantom_dir.parent)
    truth = dict(zip(key["patient_id"].astype(str), key["label"].astype(int)))
    patients["label"] = [truth[p] if s == "test" else int(float(v))
                         for p, s, v in zip(patients["patient_id"], patients["split"],
                                            patients["label"])]
    if n_patients is not None:
        quota = {"train": int(0.6 * n_patients), "val": int(0.2 * n_patients)}
        quota["test"] = n_patients - quota["train"] - quota["val"]
        patients = pd.concat([patients[patients["split"] == s].head(q) for s, q in quota.items()])
    out_dir.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for pid in patients["patient_id"]:
        hu, meta = read_volume(phantom_dir / "volumes" / f"{pid}.nii.gz", ndim=3)
        _write_series(out_dir / "volumes" / _real_id(pid), np.rint(hu).astype(np.int16),
                      tuple(round(float(s), 4) for s in meta["spacing"]), _real_id(pid), rng)
    table = patients.assign(patient_id=patients["patient_id"].map(_real_id))
    table[["patient_id", "age", "sex", "label", "split"]].to_csv(out_dir / "patients.csv",
                                                                 index=False)
    return out_dir
