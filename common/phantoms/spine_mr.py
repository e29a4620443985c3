"""Sagittal lumbar spine MR phantom in the SPIDER layout, for lab06.

Layout (as the SPIDER lumbar spine MR challenge data and seed 000)::

    spine_mr/
      images/<id>_t2.mha      uint16 T2-like volume, (D, H, W) = (12, 128, 128) as SimpleITK reads
                              it: D = left→right sagittal slices, H = rows (head at the top),
                              W = columns (anterior on the left); spacing (3.3, 1.0, 1.0) mm
      masks/<id>_t2.mha       uint8 labels in the SPIDER convention: vertebrae 1–25 counted from
                              L5 = 1 (here L5..L1 = 1..5), spinal canal 100, discs 201–225 with
                              L5/S1 = 201 (here L5/S1..L1/L2 = 201..205); the sacrum is unlabelled
      annotations.xlsx        one row per disc: patient_id, disc_label, level, narrowing (0/1),
                              age, sex, split; the narrowing of the test patients is left empty
      ground_truth.csv        the true geometry of every *training* disc in the mid-sagittal
                              slice: height_mm, width_mm, angle_deg, centre_row, centre_col,
                              vertebra_above_mm, vertebra_below_mm (the adjacent bodies' heights;
                              empty below L5/S1, whose lower neighbour is the unlabelled sacrum)
                              and dhi (disc height index: height ÷ mean adjacent body height)

The test split's answers are written with :func:`common.answer_keys.write_answer_key`:
``answer_keys/spine_mr/narrowing.csv`` (``patient_id, disc_label, narrowing``) and
``answer_keys/spine_mr/geometry.csv`` (the test discs' rows of ``ground_truth.csv``). Nothing in
the dataset folder tells a test disc's label or geometry.

Each disc is an ellipse in the sagittal plane (semi-axes ``width/2`` along the endplates and
``height/2`` across them), tilted by ``angle_deg`` counter-clockwise from the image's column axis
as displayed (rows down), following the lordotic curve; its height is the same in every slice it
reaches and its anterior-posterior width shrinks towards the lateral slices. The height of the
ellipse is its equivalent-ellipse minor axis, which is what ``regionprops`` measures.

**Degeneration.** Every disc has a hidden, continuous severity ``s`` in (0, 1) that grows with age
and at the lower levels. Its height is ``h0 · (1 − 0.5 s)``, where the healthy height ``h0`` is
60–72 % of the patient's vertebral body height, so height loss is continuous and the classes
overlap. The *geometric* truth is narrowing when ``s > 0.5`` (a height loss of over a quarter);
the ``narrowing`` label is a clinical grade that disagrees with it on about 10 % of discs, as two
readers do. Disc signal (T2 hydration) drops with a dehydration score that is 60 % severity and
40 % independent of it, so intensity is partly, not fully, tied to narrowing.

**Vertebral bodies** are textured rounded boxes (super-ellipses) between the discs, each with its
own height; the disc above and below cover their corners. The saved body height is the minor axis
of the body's equivalent ellipse in the mid-sagittal slice (what ``regionprops`` reports), computed
on a 4× finer grid than the image, so it is the continuous truth that a mask measurement
approximates. The canal is a bright CSF tube behind them; the image has a smooth bias field and
Rician-like noise. Everything comes from one ``numpy`` Generator seeded with ``seed``, and the
files carry no time stamps, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import SimpleITK as sitk
from openpyxl import Workbook
from scipy import ndimage

from ..answer_keys import write_answer_key

__all__ = ["NAME", "DESCRIPTION", "VERSION", "SHAPE", "SPACING", "N_PATIENTS", "N_TEST",
           "VERTEBRA_LABELS", "DISC_LABELS", "CANAL_LABEL", "LABELS", "LEVELS", "GRADE_FLIP",
           "build", "draw_disc_parameters", "make_patient", "write_xlsx"]

NAME = "spine_mr"
DESCRIPTION = "sagittal lumbar spine T2 MR (.mha) with SPIDER masks and disc narrowing (lab06)"
VERSION = 2
#: (D, H, W) of each volume as SimpleITK returns it.
SHAPE = (12, 128, 128)
#: voxel size in mm in (D, H, W) order.
SPACING = (3.3, 1.0, 1.0)
N_PATIENTS = 64
#: the last ``N_TEST`` patients form the hidden test split.
N_TEST = 12
#: SPIDER labels of L5, L4, L3, L2, L1.
VERTEBRA_LABELS = (1, 2, 3, 4, 5)
#: SPIDER labels of the discs L5/S1, L4/L5, L3/L4, L2/L3, L1/L2.
DISC_LABELS = (201, 202, 203, 204, 205)
CANAL_LABEL = 100
LABELS = (0, *VERTEBRA_LABELS, CANAL_LABEL, *DISC_LABELS)
LEVELS = {201: "L5/S1", 202: "L4/L5", 203: "L3/L4", 204: "L2/L3", 205: "L1/L2"}
#: probability that the clinical grade disagrees with the geometric truth.
GRADE_FLIP = 0.10
#: log-odds of degeneration added at each level, L5/S1 first.
_LEVEL_RISK = (0.5, 0.4, -0.1, -0.5, -0.7)
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
#: sub-samples per pixel (per axis) of the vertebral heights' continuous truth.
_FINE = 4


def _ellipse(rr: np.ndarray, cc: np.ndarray, centre: tuple[float, float], half_w: float,
             half_h: float, angle: float, power: float = 2.0) -> np.ndarray:
    """Boolean (H, W) super-ellipse: ``half_w`` along the tilted column axis, ``half_h`` across.

    Only the bounding square around ``centre`` is evaluated (the rest is False), for speed.
    """
    out = np.zeros(rr.shape, dtype=bool)
    reach = int(np.ceil(max(half_w, half_h))) + 2
    r0, c0 = int(centre[0]), int(centre[1])
    rows = slice(max(r0 - reach, 0), max(min(r0 + reach + 1, rr.shape[0]), 0))
    cols = slice(max(c0 - reach, 0), max(min(c0 + reach + 1, rr.shape[1]), 0))
    out[rows, cols] = _inside(rr[rows, cols], cc[rows, cols], centre, half_w, half_h, angle, power)
    return out


def _inside(r: np.ndarray, c: np.ndarray, centre: tuple[float, float], half_w: float,
            half_h: float, angle: float, power: float = 2.0) -> np.ndarray:
    """Whether points (r, c) lie in the tilted super-ellipse (see :func:`_ellipse`)."""
    dr, dc = r - centre[0], c - centre[1]
    # unit vector along the endplates, displayed counter-clockwise (rows grow downwards)
    u = dc * np.cos(angle) - dr * np.sin(angle)
    v = dc * np.sin(angle) + dr * np.cos(angle)
    return (np.abs(u / half_w) ** power + np.abs(v / half_h) ** power) <= 1.0


def _minor_axis(r: np.ndarray, c: np.ndarray) -> float:
    """Equivalent-ellipse minor axis (4·sqrt of the smaller second central moment) of points."""
    cov = np.cov(np.stack([r, c]), bias=True)
    return float(4.0 * np.sqrt(max(np.linalg.eigvalsh(cov)[0], 0.0)))


def draw_disc_parameters(rng: np.random.Generator, age: int, vert_mean: float) -> list[dict]:
    """Draw the degeneration of one patient's five discs, L5/S1 first.

    Args:
        rng: the Generator all randomness comes from.
        age: age in years; degeneration grows with age.
        vert_mean: the patient's mean vertebral body height in mm (healthy discs scale with it).

    Returns:
        One dict per disc: ``healthy_mm`` (h0), ``severity`` (s), ``height_mm``, ``geometric``
        (0/1: s > 0.5), ``narrowing`` (the clinical grade, 0/1) and ``dehydration`` (0..1).
    """
    out = []
    for i in range(len(DISC_LABELS)):
        healthy = vert_mean * rng.uniform(0.60, 0.72)
        logit = -1.2 + 0.05 * (age - 50) + _LEVEL_RISK[i] + rng.normal(0.0, 1.3)
        severity = float(1.0 / (1.0 + np.exp(-logit)))
        geometric = int(severity > 0.5)
        flip = rng.random() < GRADE_FLIP
        dehydration = float(np.clip(0.6 * severity + 0.4 * rng.random(), 0.0, 1.0))
        out.append({"healthy_mm": healthy, "severity": severity,
                    "height_mm": healthy * (1.0 - 0.5 * severity), "geometric": geometric,
                    "narrowing": int(geometric != flip), "dehydration": dehydration})
    return out


def make_patient(rng: np.random.Generator, age: int) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Draw one patient's volume, mask and disc truth.

    Args:
        rng: the Generator all randomness comes from.
        age: age in years; older patients have more degenerated discs.

    Returns:
        ``(image, mask, discs)``: image (D, H, W) uint16, mask (D, H, W) uint8 with the labels in
        :data:`LABELS`, and one dict per disc (disc_label, level, narrowing, height_mm, width_mm,
        angle_deg, centre_row, centre_col, vertebra_above_mm, vertebra_below_mm, dhi, and the
        hidden ``geometric``, ``severity``, ``dehydration``) measured in the mid-sagittal slice
        ``D // 2``.
    """
    d, h, w = SHAPE
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    mid = d // 2
    lateral = 4.6 + rng.uniform(-0.3, 0.3)  # half-extent of bodies/discs in slices
    lordosis = np.deg2rad(rng.uniform(18, 30))  # total tilt change from L1/L2 to L5/S1
    base_col = 58 + rng.uniform(-4, 4)
    vert_base = rng.uniform(10.5, 12.0)
    vert_hs = vert_base * (1.0 + rng.normal(0.0, 0.05, len(VERTEBRA_LABELS)))
    body_w = rng.uniform(28, 33)
    params = draw_disc_parameters(rng, age, float(vert_hs.mean()))
    discs, row = [], 110.0 - rng.uniform(0, 3)
    sacrum_top = row
    shapes = []  # (kind, label, centre, half_w, half_h, angle)
    for i, label in enumerate(DISC_LABELS):
        p = params[i]
        height = p["height_mm"] / SPACING[1]
        width = body_w + rng.uniform(-1.0, 2.0)
        angle = lordosis * (1.0 - i / 4.0) * 0.9 + rng.normal(0, np.deg2rad(2.0))
        centre_row = row - height / 2.0
        centre_col = base_col + 7.0 * np.sin(np.pi * (centre_row - 20) / 120.0) + rng.normal(0, 0.5)
        shapes.append(("disc", label, (centre_row, centre_col), width / 2, height / 2, angle))
        discs.append({"disc_label": label, "level": LEVELS[label], "narrowing": p["narrowing"],
                      "height_mm": height * SPACING[1], "width_mm": width * SPACING[2],
                      "angle_deg": float(np.rad2deg(angle)), "centre_row": centre_row,
                      "centre_col": centre_col, "geometric": p["geometric"],
                      "severity": p["severity"], "dehydration": p["dehydration"]})
        row -= height
        vert_h = vert_hs[i] / SPACING[1]
        v_angle = angle * 0.85
        v_row = row - vert_h / 2.0 + 0.8
        v_col = base_col + 7.0 * np.sin(np.pi * (v_row - 20) / 120.0)
        shapes.append(("vertebra", VERTEBRA_LABELS[i], (v_row, v_col), body_w / 2 + 1.0,
                       vert_h / 2 + 0.8, v_angle))
        row -= vert_h
    body_heights = _body_heights(shapes)
    for i, disc in enumerate(discs):
        above = body_heights[VERTEBRA_LABELS[i]]
        below = body_heights[VERTEBRA_LABELS[i - 1]] if i > 0 else np.nan
        disc["vertebra_above_mm"] = above
        disc["vertebra_below_mm"] = below
        disc["dhi"] = disc["height_mm"] / np.nanmean([above, below])
    mask = np.zeros(SHAPE, dtype=np.uint8)
    image = np.full(SHAPE, 0.22, dtype=np.float64)
    texture = ndimage.gaussian_filter(rng.normal(0, 1, SHAPE), (0.8, 1.5, 1.5))
    for z in range(d):
        t = (z - mid) / lateral
        if abs(t) >= 1.0:
            continue
        scale = np.sqrt(1.0 - t * t)
        sl_mask = mask[z]
        sl_img = image[z]
        # sacrum (bone, unlabelled) below L5/S1, tilted like the lowest disc
        sac_angle = shapes[0][5]
        sac = _ellipse(rr, cc, (sacrum_top + 11, base_col + 3), body_w / 2 * scale + 2, 11,
                       sac_angle, power=4)
        sl_img[sac] = 0.42
        # spinal canal (CSF) behind the bodies, only near the midline
        if abs(t) < 0.45:
            canal_col = base_col + body_w / 2 + 9 + 7.0 * np.sin(np.pi * (rr - 20) / 120.0)
            canal = (np.abs(cc - canal_col) <= 4.5) & (rr < sacrum_top + 8)
            sl_mask[canal] = CANAL_LABEL
            sl_img[canal] = 0.9
        for kind, label, centre, half_w, half_h, angle in shapes:
            if kind == "vertebra":
                region = _ellipse(rr, cc, centre, half_w * scale, half_h, angle, power=5)
                sl_mask[region] = label
                sl_img[region] = 0.48
        for kind, label, centre, half_w, half_h, angle in shapes:
            if kind == "disc":
                region = _ellipse(rr, cc, centre, half_w * scale, half_h, angle)
                sl_mask[region] = label
                dehydration = discs[DISC_LABELS.index(label)]["dehydration"]
                sl_img[region] = 0.86 - 0.36 * dehydration
    bone = np.isin(mask, VERTEBRA_LABELS) | ((mask == 0) & (image > 0.4) & (image < 0.45))
    image += np.where(bone, 0.06, 0.02) * texture
    image = ndimage.gaussian_filter(image, (0.3, 0.6, 0.6))
    zz, yy, xx = np.meshgrid(np.linspace(-1, 1, d), np.linspace(-1, 1, h), np.linspace(-1, 1, w),
                             indexing="ij")
    c = rng.uniform(-0.15, 0.15, size=3)
    bias = np.exp(c[0] * yy + c[1] * xx + c[2] * (yy * xx) - 0.1 * zz ** 2)
    image = image * bias
    sigma = 0.035
    noisy = np.hypot(image + rng.normal(0, sigma, SHAPE), rng.normal(0, sigma, SHAPE))
    image = np.clip(noisy * 1000.0, 0, 65535).astype(np.uint16)
    return image, mask, discs


def _body_heights(shapes: list[tuple]) -> dict[int, float]:
    """Each vertebral body's equivalent-ellipse minor axis (mm) in the mid slice, on a fine grid.

    The body is its super-ellipse less the discs drawn over it, sampled ``_FINE`` × ``_FINE``
    times per pixel: the continuous shape that the voxel mask approximates.
    """
    discs = [s for s in shapes if s[0] == "disc"]
    out = {}
    step = 1.0 / _FINE
    for kind, label, centre, half_w, half_h, angle in shapes:
        if kind != "vertebra":
            continue
        reach = max(half_w, half_h) + 1.0
        axis = np.arange(-reach, reach + step / 2, step)
        r, c = np.meshgrid(centre[0] + axis, centre[1] + axis, indexing="ij")
        # the mask is drawn at pixel centres: keep the fine samples of whole pixels' footprint
        inside = _inside(r, c, centre, half_w, half_h, angle, power=5)
        for _, _, d_centre, d_w, d_h, d_angle in discs:
            inside &= ~_inside(r, c, d_centre, d_w, d_h, d_angle)
        out[label] = _minor_axis(r[inside], c[inside]) * SPACING[1]
    return out


def write_xlsx(table: pd.DataFrame, path: Path, sheet: str = "annotations") -> Path:
    """Write a table as ``.xlsx`` with no time stamps, so the bytes depend only on the content."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    fixed = "2020-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rf"\g<1>{fixed}\g<3>", text)
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def build(out_dir: Path, seed: int = 0, hidden_seed: int | None = None) -> None:
    """Write the spine_mr dataset into ``out_dir`` (see the module docstring for the layout).

    Args:
        out_dir: an empty folder, normally ``<data root>/spine_mr`` (via ``build_phantom``).
        seed: seeds one ``numpy`` Generator; the same seed gives byte-identical files.
        hidden_seed: an integer drawn from the instructor's secret; when given, the test patients
            (volumes, masks, table rows and keys) come from a generator seeded with it and
            ``seed``, while the training patients stay byte-identical. ``None``: the test
            patients continue the public stream.
    """

    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    (out_dir / "masks").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    annotations, truth = [], []
    for k in range(N_PATIENTS):
        if k == N_PATIENTS - N_TEST and hidden_seed is not None:
            rng = np.random.default_rng([hidden_seed, seed])   # the test patients come last
        pid = f"{k + 1:03d}"
        age = int(rng.integers(22, 80))
        sex = "F" if rng.random() < 0.5 else "M"
        split = "test" if k >= N_PATIENTS - N_TEST else "train"
        image, mask, discs = make_patient(rng, age)
        for array, folder in ((image, "images"), (mask, "masks")):
            img = sitk.GetImageFromArray(array)
            img.SetSpacing(SPACING[::-1])
            sitk.WriteImage(img, str(out_dir / folder / f"{pid}_t2.mha"), useCompression=True)
        for disc in discs:
            annotations.append({"patient_id": pid, "disc_label": disc["disc_label"],
                                "level": disc["level"], "narrowing": disc["narrowing"],
                                "age": age, "sex": sex, "split": split})
            truth.append({"patient_id": pid, "split": split,
                          **{k2: (round(v, 4) if isinstance(v, float) else v)
                             for k2, v in disc.items()
                             if k2 not in ("geometric", "severity", "dehydration")}})
    ann = pd.DataFrame(annotations)
    test = ann["split"] == "test"
    key = ann.loc[test, ["patient_id", "disc_label", "narrowing"]].reset_index(drop=True)
    ann["narrowing"] = ann["narrowing"].astype("float64")
    ann.loc[test, "narrowing"] = np.nan
    write_xlsx(ann, out_dir / "annotations.xlsx")
    gt = pd.DataFrame(truth)
    gt.loc[gt["split"] == "train"].drop(columns=["split"]).to_csv(out_dir / "ground_truth.csv",
                                                                  index=False)
    write_answer_key(NAME, "narrowing", key, root=out_dir.parent)
    write_answer_key(NAME, "geometry", gt.loc[gt["split"] == "test"].drop(columns=["split"])
                     .reset_index(drop=True), root=out_dir.parent)
