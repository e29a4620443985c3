"""cxr: chest-radiograph-like DICOMs with box annotations in the VinDr-CXR layout.

Layout (as VinDr-CXR on Kaggle)::

    cxr/
      train/<image_id>.dicom     train.csv   (image_id, class_name, class_id, rad_id,
                                              x_min, y_min, x_max, y_max)
      test/<image_id>.dicom      (no boxes: the hidden test split)

``train.csv`` has one row per box; an image without lesions has one ``No finding`` row
(class_id 14) with empty coordinates. Box coordinates are pixels of the stored image. The test
boxes are written only as an answer key (``answer_keys/cxr/test_boxes.csv``, same columns).

Each image shows a body outline, two dark lung fields, a bright heart and spine, curved ribs, a
smooth exposure gradient and noise. Lesions are drawn inside the lungs: ``Nodule/Mass``
(class_id 8, a small round dense spot, boxes of about 12-22 pixels) and ``Lung Opacity``
(class_id 7, a larger hazy patch, boxes of about 30-56 pixels). The DICOM encoding varies like
real exports: MONOCHROME1 (inverted) or MONOCHROME2, 12, 14 or 16 stored bits, a
RescaleSlope/RescaleIntercept, a WindowCenter/WindowWidth that covers the useful range, image
sizes between 224 and 320 pixels per side, PixelSpacing and ImagerPixelSpacing. Several images
belong to each patient (``PatientID``), so a split by image leaks patients between splits.
UIDs are derived from the seed, so a build repeats byte for byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from scipy import ndimage

from ..answer_keys import write_answer_key

__all__ = ["NAME", "DESCRIPTION", "VERSION", "CLASSES", "NO_FINDING", "COLUMNS", "render_image",
           "build"]

NAME = "cxr"
DESCRIPTION = ("chest-radiograph-like DICOMs (MONOCHROME1/2, 12-16 bit, rescale, window) with "
               "nodule and opacity boxes in the VinDr-CXR layout, several images per patient")
VERSION = 2

#: Lesion classes drawn by the phantom: VinDr-CXR class name -> class_id.
CLASSES: dict[str, int] = {"Lung Opacity": 7, "Nodule/Mass": 8}
#: The VinDr-CXR "no finding" label.
NO_FINDING: tuple[str, int] = ("No finding", 14)
#: Columns of ``train.csv`` and of the answer key.
COLUMNS = ["image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max"]

_SPLITS = {"train": 64, "test": 16}  # patients per split
_SOP_CLASS_DX = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation


def _anatomy(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Density image in [0, 1] (bright = dense) and the lung mask, both (H, W)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    y, x = yy / h, xx / w
    body = ((x - 0.5) / rng.uniform(0.42, 0.48)) ** 2 + ((y - 0.55) / 0.62) ** 2 < 1
    img = np.where(body, 0.55, 0.08).astype(np.float32)
    lungs = np.zeros((h, w), bool)
    cy = rng.uniform(0.42, 0.48)
    for side in (-1, 1):
        cx = 0.5 + side * rng.uniform(0.17, 0.2)
        lung = ((x - cx) / rng.uniform(0.13, 0.16)) ** 2 + ((y - cy) / rng.uniform(0.3, 0.34)) ** 2 < 1
        lungs |= lung
    img[lungs] = 0.2
    # ribs: bright curved bands across each lung field
    phase = rng.uniform(0, 2 * np.pi)
    ribs = 0.5 + 0.5 * np.sin(2 * np.pi * (y * rng.uniform(7.5, 9.0) + 0.6 * np.abs(x - 0.5) ** 1.5 * 3)
                              + phase)
    img += np.where(lungs, 0.12 * (ribs > 0.75), 0)
    heart = ((x - rng.uniform(0.52, 0.56)) / rng.uniform(0.13, 0.16)) ** 2 + \
        ((y - rng.uniform(0.6, 0.64)) / 0.15) ** 2 < 1
    img[heart] = 0.62
    spine = (np.abs(x - 0.5) < 0.045) & body
    img[spine] = np.maximum(img[spine], 0.7)
    img = ndimage.gaussian_filter(img, 1.5)
    return img, lungs & ~heart


def _lesion(rng: np.random.Generator, img: np.ndarray, lungs: np.ndarray, name: str,
            taken: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
    """Draw one lesion in the lungs; return its box (x_min, y_min, x_max, y_max) or None."""
    h, w = img.shape
    ys, xs = np.nonzero(lungs)
    for _ in range(30):
        i = rng.integers(len(ys))
        cy, cx = float(ys[i]), float(xs[i])
        if name == "Nodule/Mass":
            ry = rx = rng.uniform(6, 11)
        else:
            ry, rx = rng.uniform(15, 28), rng.uniform(15, 28)
        box = (max(cx - rx, 0.0), max(cy - ry, 0.0), min(cx + rx, w - 1.0), min(cy + ry, h - 1.0))
        inside = lungs[int(box[1]):int(box[3]) + 1, int(box[0]):int(box[2]) + 1].mean()
        overlap = any(box[0] < t[2] + 4 and t[0] < box[2] + 4 and box[1] < t[3] + 4
                      and t[1] < box[3] + 4 for t in taken)
        if inside > 0.7 and not overlap:
            break
    else:
        return None
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    if name == "Nodule/Mass":
        spot = np.clip(1.2 - r2, 0, 1) ** 0.7 * rng.uniform(0.32, 0.45)
    else:
        texture = ndimage.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), 3)
        texture = 0.7 + 0.3 * texture / (np.abs(texture).max() + 1e-6)
        spot = np.clip(1.0 - r2, 0, 1) ** 0.5 * texture * rng.uniform(0.22, 0.3)
    img += spot.astype(np.float32)
    ys_, xs_ = np.nonzero(spot > 0.02)
    return (float(xs_.min()), float(ys_.min()), float(xs_.max() + 1), float(ys_.max() + 1))


def render_image(rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """One radiograph: density (H, W) in [0, 1] and its ``[(class_name, box), ...]``.

    Sides are drawn between 224 and 320 pixels; about a quarter of the images have no lesion.
    """
    h, w = (int(v) for v in rng.integers(224, 321, size=2))
    img, lungs = _anatomy(rng, h, w)
    n = int(rng.choice([0, 1, 2, 3], p=[0.25, 0.35, 0.25, 0.15]))
    found: list[tuple[str, tuple]] = []
    for _ in range(n):
        name = str(rng.choice(list(CLASSES)))
        box = _lesion(rng, img, lungs, name, [b for _, b in found])
        if box is not None:
            found.append((name, tuple(round(v, 1) for v in box)))
    grad = np.linspace(rng.uniform(-0.05, 0.0), rng.uniform(0.0, 0.05), w, dtype=np.float32)
    img = img + grad[None, :] + rng.normal(0, 0.015, img.shape).astype(np.float32)
    return np.clip(img, 0, 1), found


def _encode(rng: np.random.Generator, density: np.ndarray) -> dict:
    """Stored pixels and the DICOM attributes that map them back to ``density``."""
    bits = int(rng.choice([12, 14, 16]))
    top = 2 ** bits - 1
    slope = float(rng.choice([1.0, 0.5, 2.0]))
    intercept = float(rng.choice([0.0, -1024.0, 100.0]))
    # modality value v = slope * stored + intercept spans [intercept, intercept + slope * top]
    lo = intercept + slope * top * rng.uniform(0.05, 0.15)
    hi = intercept + slope * top * rng.uniform(0.8, 0.9)
    value = lo + density * (hi - lo)
    mono1 = bool(rng.random() < 0.5)
    if mono1:  # inverted: high values display dark, so store the reflected value
        value = (lo + hi) - value
    stored = np.clip(np.round((value - intercept) / slope), 0, top).astype(np.uint16)
    return {"pixels": stored, "bits": bits, "slope": slope, "intercept": intercept,
            "photometric": "MONOCHROME1" if mono1 else "MONOCHROME2",
            "center": round((lo + hi) / 2, 1), "width": round(hi - lo + 2 * slope, 1)}


def _write_dicom(path: Path, enc: dict, image_id: str, patient_id: str, index: int,
                 seed: int, spacing: float) -> None:
    uid = lambda tag: generate_uid(entropy_srcs=[NAME, str(seed), image_id, tag])  # noqa: E731
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = _SOP_CLASS_DX
    meta.MediaStorageSOPInstanceUID = uid("sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = _SOP_CLASS_DX
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[NAME, str(seed), patient_id, "study"])
    ds.SeriesInstanceUID = uid("series")
    ds.PatientID = patient_id
    ds.PatientName = f"Phantom^{patient_id}"
    ds.Modality = "DX"
    ds.StudyDate = "20200101"
    ds.InstanceNumber = index + 1
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA"
    pixels = enc["pixels"]
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = enc["photometric"]
    ds.BitsAllocated = 16
    ds.BitsStored = enc["bits"]
    ds.HighBit = enc["bits"] - 1
    ds.PixelRepresentation = 0
    ds.RescaleSlope = enc["slope"]
    ds.RescaleIntercept = enc["intercept"]
    ds.RescaleType = "US"
    ds.WindowCenter = enc["center"]
    ds.WindowWidth = enc["width"]
    ds.PixelSpacing = [spacing, spacing]
    ds.ImagerPixelSpacing = [spacing, spacing]
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def build(out_dir: Path, seed: int = 0, hidden_seed: int | None = None) -> None:
    """Write ``train/``, ``test/`` and ``train.csv`` into ``out_dir``; test boxes to the key.

    Args:
        out_dir: an empty folder that becomes ``<data root>/cxr``.
        seed: the generator seed; the same seed gives byte-identical files.
        hidden_seed: an integer drawn from the instructor's secret; when given, the test images
            and their boxes come from a generator seeded with it and ``seed`` (image ids and UIDs
            still derive from ``seed``), while ``train/`` and ``train.csv`` stay byte-identical.
            ``None``: the test split continues the public stream.
    """
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    patient = 0
    for split, n_patients in _SPLITS.items():
        if split == "test" and hidden_seed is not None:
            rng = np.random.default_rng([hidden_seed, seed])
        (out_dir / split).mkdir(parents=True, exist_ok=True)
        rows = []
        for _ in range(n_patients):
            patient_id = f"P{patient:04d}"
            patient += 1
            spacing = round(float(rng.uniform(0.6, 0.9)), 3)
            for k in range(int(rng.integers(2, 5))):
                image_id = hashlib.sha1(f"{NAME}-{seed}-{patient_id}-{k}".encode()).hexdigest()[:16]
                density, lesions = render_image(rng)
                enc = _encode(rng, density)
                _write_dicom(out_dir / split / f"{image_id}.dicom", enc, image_id, patient_id, k,
                             seed, spacing)
                rad = f"R{int(rng.integers(8, 11))}"
                if not lesions:
                    rows.append([image_id, NO_FINDING[0], NO_FINDING[1], rad] + [np.nan] * 4)
                for name, box in lesions:
                    rows.append([image_id, name, CLASSES[name], rad, *box])
        table = pd.DataFrame(rows, columns=COLUMNS)
        if split == "train":
            table.to_csv(out_dir / "train.csv", index=False)
        else:
            write_answer_key(NAME, "test_boxes", table, root=out_dir.parent,
                             meta={"classes": CLASSES})
