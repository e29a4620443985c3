"""Per-patient CT volumes with one lesion, plus age and sex: the phantom of lab02 and lab03.

Layout (as a real per-patient volume collection with a clinical table)::

    ct_volumes/
      patients.csv                 patient_id, age, sex, label, split (label empty on the test split)
      volumes/<patient_id>.nii.gz  int16 CT in HU, stored (X, Y, Z) = (64, 64, 16),
                                   spacing 0.8 × 0.8 × 3 mm

Read a volume with nibabel or SimpleITK; as ``(D, H, W)`` it is ``(16, 64, 64)``. The lesion, an
ellipsoid 180 HU brighter than the surrounding soft tissue (ten times the noise, far above the
±25–60 HU texture blobs), is centred near slice ``D // 2`` (the *key slice*). Its in-plane radius
(4–11 voxels, so still 2–5.5 pixels when a lab resizes slices to 32 × 32) is visible on the key
slice alone; its extent along Z (thickness, 0.8–4 slices) only shows on the neighbouring slices.
1000 patients are split 60/20/20 into train, validation and test. The label is::

    label = 1[ 0.6·z(radius) + 1.0·z(thickness) + 0.9·z(age) + 0.7·(sex == "M") + noise > t ]

with ``z(·)`` a standardised score and ``t`` the median, so that (i) the key slice alone carries
part of the signal, (ii) adjacent slices or the whole volume carry more (lab03), and (iii) age and
sex carry signal no image holds (lab02's metadata fusion). Test-split labels are kept in the
answer key ``answer_keys/ct_volumes/labels.csv``, never in ``patients.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..answer_keys import write_answer_key
from .nifti import write_nifti_gz

__all__ = ["NAME", "DESCRIPTION", "VERSION", "SHAPE", "SPACING", "N_PATIENTS", "KEY_SLICE",
           "LESION_HU", "RADIUS_RANGE", "THICKNESS_RANGE", "NOISE_HU", "build", "draw_patients",
           "make_volume"]

NAME = "ct_volumes"
DESCRIPTION = "per-patient CT volumes (NIfTI) with a lesion, age and sex (lab02, lab03)"
VERSION = 2
#: (D, H, W) of a volume read as an array in (Z, Y, X) order.
SHAPE = (16, 64, 64)
#: voxel size in mm along (X, Y, Z), as stored in the NIfTI header.
SPACING = (0.8, 0.8, 3.0)
N_PATIENTS = 1000
#: index of the slice the lesion is centred on (the centre slice).
KEY_SLICE = SHAPE[0] // 2
_SPLITS = (("train", 0.6), ("val", 0.2), ("test", 0.2))
#: lesion contrast above soft tissue (HU), in-plane radius and thickness ranges (voxels, slices).
LESION_HU = 180.0
RADIUS_RANGE = (4.0, 11.0)
THICKNESS_RANGE = (0.8, 4.0)
NOISE_HU = 18.0


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std()


def draw_patients(seed: int = 0, n: int | None = None, hidden_seed: int | None = None) -> pd.DataFrame:
    """Draw every patient's clinical data, lesion geometry and label.

    Args:
        seed: seeds a ``numpy`` Generator.
        n: number of patients (default :data:`N_PATIENTS`).
        hidden_seed: an integer drawn from the instructor's secret; when given, the test
            patients' age, sex, geometry and label are redrawn from a generator seeded with it and
            ``seed`` (labelled with the public standardisation and threshold); the other rows and
            every patient's split stay as the public draw has them.

    Returns:
        One row per patient: ``patient_id, age, sex, label, split`` and the hidden geometry
        ``radius, thickness, z_centre, y_centre, x_centre`` used by :func:`make_volume`.
    """
    n = N_PATIENTS if n is None else n
    rng = np.random.default_rng(seed)
    age = rng.integers(30, 86, size=n)
    male = rng.random(n) < 0.5
    radius = rng.uniform(*RADIUS_RANGE, size=n)
    thickness = rng.uniform(*THICKNESS_RANGE, size=n)
    score = (0.6 * _z(radius) + 1.0 * _z(thickness) + 0.9 * _z(age.astype(float))
             + 0.7 * male + rng.normal(0.0, 0.35, size=n))
    label = (score > np.median(score)).astype(int)
    split = np.empty(n, dtype=object)
    order = rng.permutation(n)
    start = 0
    for name, fraction in _SPLITS:
        stop = n if name == _SPLITS[-1][0] else start + int(round(fraction * n))
        split[order[start:stop]] = name
        start = stop
    patients = pd.DataFrame({
        "patient_id": [f"P{i:04d}" for i in range(n)],
        "age": age,
        "sex": np.where(male, "M", "F"),
        "label": label,
        "split": split,
        "radius": radius,
        "thickness": thickness,
        "z_centre": KEY_SLICE + rng.uniform(-0.3, 0.3, size=n),
        "y_centre": rng.uniform(22, 42, size=n),
        "x_centre": rng.uniform(22, 42, size=n),
    })
    if hidden_seed is None:
        return patients
    # the test rows again, from the secret's generator, scored on the public population's scale
    test = (split == "test").nonzero()[0]
    m, hidden = len(test), np.random.default_rng([hidden_seed, seed])
    h_age = hidden.integers(30, 86, size=m)
    h_male = hidden.random(m) < 0.5
    h_radius = hidden.uniform(*RADIUS_RANGE, size=m)
    h_thickness = hidden.uniform(*THICKNESS_RANGE, size=m)

    def scaled(values: np.ndarray, population: np.ndarray) -> np.ndarray:
        return (values - population.mean()) / population.std()

    h_score = (0.6 * scaled(h_radius, radius) + 1.0 * scaled(h_thickness, thickness)
               + 0.9 * scaled(h_age.astype(float), age.astype(float)) + 0.7 * h_male
               + hidden.normal(0.0, 0.35, size=m))
    patients.loc[test, "age"] = h_age
    patients.loc[test, "sex"] = np.where(h_male, "M", "F")
    patients.loc[test, "label"] = (h_score > np.median(score)).astype(int)
    patients.loc[test, "radius"] = h_radius
    patients.loc[test, "thickness"] = h_thickness
    patients.loc[test, "z_centre"] = KEY_SLICE + hidden.uniform(-0.3, 0.3, size=m)
    patients.loc[test, "y_centre"] = hidden.uniform(22, 42, size=m)
    patients.loc[test, "x_centre"] = hidden.uniform(22, 42, size=m)
    return patients


def make_volume(row: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Draw one patient's volume in HU, ``(D, H, W) = (16, 64, 64)`` int16.

    Args:
        row: a row of :func:`draw_patients` (lesion geometry).
        rng: the generator for the noise and the body outline.
    """
    d, h, w = SHAPE
    z, y, x = np.meshgrid(np.arange(d), np.arange(h), np.arange(w), indexing="ij", sparse=True)
    body = ((y - 32 + rng.uniform(-1, 1)) / rng.uniform(27, 30)) ** 2 \
        + ((x - 32 + rng.uniform(-1, 1)) / rng.uniform(28, 31)) ** 2 <= 1.0
    ct = np.where(body, 40.0, -1000.0) * np.ones((d, 1, 1))
    # soft-tissue texture: a few smooth blobs of fat and denser tissue in the body
    for _ in range(4):
        cy, cx, r = rng.uniform(12, 52), rng.uniform(12, 52), rng.uniform(4, 9)
        blob = ((y - cy) ** 2 + (x - cx) ** 2) <= r ** 2
        ct = np.where(body & blob, ct + rng.choice([-60.0, 25.0]), ct)
    # the lesion: an ellipsoid whose cross-section shrinks away from its centre slice
    dz = (z - row["z_centre"]) / row["thickness"]
    profile = np.clip(1.0 - dz ** 2, 0.0, None)
    in_plane = np.sqrt((y - row["y_centre"]) ** 2 + (x - row["x_centre"]) ** 2)
    edge = row["radius"] * np.sqrt(profile)
    lesion = np.clip(edge - in_plane + 0.5, 0.0, 1.0) * (profile > 0)
    ct = ct + LESION_HU * lesion
    ct = ct + rng.normal(0.0, NOISE_HU, size=ct.shape)
    return np.clip(np.round(ct), -1024, 3071).astype(np.int16)



def build(out_dir: Path, seed: int = 0, hidden_seed: int | None = None) -> None:
    """Write ``patients.csv`` and ``volumes/*.nii.gz`` into ``out_dir``; the test labels go to
    the answer key ``labels`` beside the data root's other keys.

    Args:
        out_dir: an empty folder that becomes ``<data root>/ct_volumes``.
        seed: the generator seed; the same seed gives byte-identical files.
        hidden_seed: an integer drawn from the instructor's secret; when given, the test patients
            (their volumes, their rows of ``patients.csv`` and the key) come from generators
            seeded with it and ``seed`` (:func:`draw_patients`), while the train and val volumes
            and rows stay byte-identical. ``None``: everything comes from ``seed``.
    """
    out_dir = Path(out_dir)
    (out_dir / "volumes").mkdir(parents=True, exist_ok=True)
    patients = draw_patients(seed, hidden_seed=hidden_seed)
    public = patients if hidden_seed is None else draw_patients(seed)
    rng = np.random.default_rng([seed, 1])
    hidden = None if hidden_seed is None else np.random.default_rng([hidden_seed, seed, 1])
    for i, row in patients.iterrows():
        if hidden is not None and row["split"] == "test":
            make_volume(public.loc[i], rng)   # keeps the public stream where the other volumes expect it
            volume = make_volume(row, hidden)
        else:
            volume = make_volume(row, rng)
        write_nifti_gz(volume, out_dir / "volumes" / f"{row['patient_id']}.nii.gz",
                       SPACING, compresslevel=1)
    public = patients[["patient_id", "age", "sex", "label", "split"]].copy()
    public["label"] = public["label"].astype(object)
    public.loc[public["split"] == "test", "label"] = ""
    public.to_csv(out_dir / "patients.csv", index=False)
    key = patients.loc[patients["split"] == "test", ["patient_id", "label"]].reset_index(drop=True)
    write_answer_key(NAME, "labels", key, root=out_dir.parent)
