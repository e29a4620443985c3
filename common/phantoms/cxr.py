"""cxr: chest-radiograph-like DICOMs with box annotations of several readers, VinDr-CXR layout.

Layout (as VinDr-CXR on Kaggle)::

    cxr/
      train/<image_id>.dicom     train.csv   (image_id, class_name, class_id, rad_id,
                                              x_min, y_min, x_max, y_max)
      test/<image_id>.dicom      (no boxes: the hidden test split)

``train.csv`` has one row per box **and reader**: every training image is read by three
radiologists (``rad_id`` R1..R9, three different ones per image), each of whom misses faint
findings now and then, draws their own box around what they see (edges disagree by a few pixels,
some readers draw larger boxes than others) and sometimes marks a nodule that is not there. A
reader who marks nothing writes one ``No finding`` row (class_id 14) with empty coordinates, as in
VinDr-CXR. Box coordinates are pixels of the stored image. The test boxes are the true lesions
(one row per lesion, ``rad_id`` ``consensus``), written only as an answer key
(``answer_keys/cxr/test_boxes.csv``, same columns).

Anatomy is drawn from smooth contours: the thorax's soft tissue, two lung fields with a domed
diaphragm, sharp costophrenic angles and hilar vessels, curved posterior ribs (from the spine,
arching down laterally) and anterior ribs (sloping down medially) with bright cortical edges,
clavicles, the spine with its vertebral bodies, the mediastinum, the heart silhouette over the
left lung, a gastric bubble, soft-tissue texture, scatter (a blurred copy of the image), a heel
effect, noise and a dense lead side marker that a plain min-max stretch would follow (the DICOM
window leaves it out). Findings, with VinDr-CXR's class ids:

- ``Nodule/Mass`` (8): small round spots (radius 6-9 px) and, a quarter of them, masses (9-14 px),
  anywhere in the lungs, also behind ribs and the heart;
- ``Lung Opacity`` (7): hazy irregular patches of 20-48 px;
- ``Cardiomegaly`` (3): a heart wider than half the thorax; the box spans the heart;
- ``Pleural effusion`` (10): fluid at a lung base that blunts the costophrenic angle, with a
  meniscus rising laterally;
- ``No finding`` (14): about a third of the images.

The DICOM encoding varies like real exports: MONOCHROME1 (inverted) or MONOCHROME2, 12, 14 or 16
stored bits, a RescaleSlope/RescaleIntercept, a WindowCenter/WindowWidth that covers the body
(not the marker), image sizes between 224 and 320 pixels per side, PixelSpacing and
ImagerPixelSpacing. Several images belong to each patient (``PatientID``), so a split by image
leaks patients between splits. UIDs are derived from the seed, so a build repeats byte for byte.
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

__all__ = ["NAME", "DESCRIPTION", "VERSION", "CLASSES", "NO_FINDING", "COLUMNS", "READERS",
           "render_image", "build"]

NAME = "cxr"
DESCRIPTION = ("chest-radiograph-like DICOMs (MONOCHROME1/2, 12-16 bit, rescale, window) with "
               "nodule, opacity, cardiomegaly and effusion boxes of three readers per image in "
               "the VinDr-CXR layout, several images per patient")
VERSION = 5

#: Finding classes drawn by the phantom: VinDr-CXR class name -> class_id.
CLASSES: dict[str, int] = {"Cardiomegaly": 3, "Lung Opacity": 7, "Nodule/Mass": 8,
                           "Pleural effusion": 10}
#: The VinDr-CXR "no finding" label.
NO_FINDING: tuple[str, int] = ("No finding", 14)
#: Columns of ``train.csv`` and of the answer key.
COLUMNS = ["image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max"]
#: The readers' ids; each image is read by three of them.
READERS = [f"R{k}" for k in range(1, 10)]
#: rad_id of the answer key's rows (the true lesions).
CONSENSUS = "consensus"

_SPLITS = {"train": 80, "test": 16}  # patients per split
_SOP_CLASS_DX = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation
_DENSITY_TOP = 1.3  # the stored range spans densities 0..1.3 (the marker is the densest thing)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise scaled to unit standard deviation (coarse noise is drawn on
    a coarser grid and zoomed, which is much faster for a large ``sigma``)."""
    step = max(1, int(sigma / 1.5))
    small = (-(-shape[0] // step), -(-shape[1] // step))
    n = ndimage.gaussian_filter(rng.standard_normal(small).astype(np.float32), sigma / step)
    if step > 1:
        n = _upsample(n, shape)
    return n / (n.std() + 1e-6)


def _upsample(small: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a coarse grid to ``shape`` (two small interpolation matrices)."""
    def weights(n_out: int, n_in: int) -> np.ndarray:
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        m = np.zeros((n_out, n_in), np.float32)
        m[np.arange(n_out), lo] += 1 - (pos - lo)
        m[np.arange(n_out), hi] += pos - lo
        return m
    return weights(shape[0], small.shape[0]) @ small @ weights(shape[1], small.shape[1]).T


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur computed on a 4x coarser grid."""
    h, w = img.shape
    small = img[::4, ::4]
    return _upsample(ndimage.gaussian_filter(small, sigma / 4), (h, w))


def _band(dist: np.ndarray, half: float, edge: float = 0.45) -> np.ndarray:
    """A bone-like band across a curve: ``dist`` from the curve, ``half`` its half thickness in
    pixels; brighter cortical edges than its middle."""
    t = np.clip(np.abs(dist) / half, 0, 1.3)
    inside = np.clip(1.3 - t, 0, 0.3) / 0.3           # soft-edged 0..1
    return inside * ((1 - edge) + edge * t ** 4)


class _Chest:
    """The anatomy of one radiograph in pixel coordinates, with the masks findings need."""

    def __init__(self, rng: np.random.Generator, h: int, w: int, cardiomegaly: bool) -> None:
        self.h, self.w = h, w
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        self.yy, self.xx = yy, xx
        y, x = yy / h, xx / w
        cx = 0.5 + rng.normal(0, 0.01)
        self.cx = cx
        u = x - cx                                          # signed, image right = patient left
        # thorax soft tissue: a superellipse with shoulders
        bw, bh = rng.uniform(0.43, 0.48), rng.uniform(0.62, 0.68)
        body = (np.abs(u) / bw) ** 2.6 + (np.abs(y - 0.58) / bh) ** 2.6 < 1
        self.body = body
        img = np.where(body, 0.40, 0.03).astype(np.float32)
        img += np.where(body, 0.02 * _smooth_noise(rng, (h, w), 6), 0)
        # the thorax is thicker towards the middle: more tissue, denser
        img += np.where(body, 0.10 * np.clip(1 - np.abs(u) / bw, 0, 1) ** 0.5, 0)

        # lung fields from smooth contours
        lungs = np.zeros((h, w), bool)
        self.side_masks = {}
        self.lung_geo = {}
        y_apex = rng.uniform(0.13, 0.17)
        for side in (-1, 1):                                # -1: image left (patient right)
            a = side * u                                    # distance from the midline, outward
            m = rng.uniform(0.045, 0.06)                    # mediastinal half width
            U = rng.uniform(0.36, 0.41)                     # lateral reach at the base
            y_cp = rng.uniform(0.74, 0.80) + (0.015 if side == 1 else 0.0)   # costophrenic angle
            dome = rng.uniform(0.07, 0.11)
            ya = y_apex + rng.uniform(-0.01, 0.01)
            # lateral border: rounded apex, widening downwards
            t = np.clip((y - ya) / (y_cp - ya), 0, 1)
            lat = m + 0.02 + (U - m - 0.02) * np.sqrt(np.clip(t / 0.55, 0, 1)) * (1 - 0.04 * (1 - t))
            # diaphragm: a dome between the cardiophrenic and the costophrenic angles
            r = np.clip((a - m) / (U - m), 0, 1)
            y_dia = y_cp - dome * np.clip(np.sin(np.pi * (1 - r) ** 1.25), 0, 1) ** 0.7 - 0.02 * (1 - r)
            lung = (a > m) & (a < lat) & (y > ya) & (y < y_dia)
            # rounded apex
            lung &= (y > ya + 0.07) | (((a - (m + 0.08)) / 0.09) ** 2 + ((y - ya - 0.07) / 0.07) ** 2 < 1.0)
            lungs |= lung
            self.side_masks[side] = lung
            self.lung_geo[side] = dict(m=m, U=U, y_cp=y_cp, dome=dome, ya=ya)
        self.lungs = lungs
        soft_lungs = ndimage.gaussian_filter(lungs.astype(np.float32), 1.6)
        lung_density = 0.13 + 0.025 * _smooth_noise(rng, (h, w), 2.2)
        # hilar vessels: denser towards the hila, branching texture
        for side in (-1, 1):
            hx, hy = cx + side * 0.11, 0.45
            dist = np.hypot(x - hx, (y - hy) * 0.8)
            lung_density += 0.10 * np.exp(-(dist / 0.09) ** 2)
            vessels = np.abs(_smooth_noise(rng, (h, w), 1.2))
            lung_density += 0.05 * np.exp(-dist / 0.18) * (vessels > 1.2)
        img = img * (1 - soft_lungs) + lung_density * soft_lungs

        # below the diaphragm: abdomen, with a gastric bubble under the left hemidiaphragm
        below = body & ~lungs & (np.abs(u) < 0.42) & (y > 0.6)
        for side in (-1, 1):
            g = self.lung_geo[side]
            a = side * u
            r = np.clip((a - g["m"]) / (g["U"] - g["m"]), 0, 1)
            y_dia = (g["y_cp"] - g["dome"] * np.clip(np.sin(np.pi * (1 - r) ** 1.25), 0, 1) ** 0.7
                     - 0.02 * (1 - r))
            under = (a > 0) & (y >= y_dia) & below
            img = np.where(under, np.maximum(img, 0.50), img)
        gb = ((x - cx - 0.16) / rng.uniform(0.04, 0.06)) ** 2 + \
            ((y - self.lung_geo[1]["y_cp"] + 0.01 - 0.05) / 0.03) ** 2 < 1
        img = np.where(gb & body, img - 0.18, img)

        # mediastinum and spine with vertebral bodies
        med = (np.abs(u) < 0.055) & (y > 0.08) & body
        img = np.where(med, np.maximum(img, 0.48), img)
        spine = (np.abs(u) < 0.032) & body
        period = rng.uniform(0.045, 0.052)
        vert = 0.5 + 0.5 * np.cos(2 * np.pi * (y - rng.uniform(0, 1)) / period)
        img = np.where(spine, np.maximum(img, 0.56 + 0.06 * (vert > 0.15)), img)

        # heart silhouette over the left lung; wider than half the thorax in cardiomegaly
        thorax = 2 * max(self.lung_geo[-1]["U"], self.lung_geo[1]["U"])
        ctr = rng.uniform(0.54, 0.62) if cardiomegaly else rng.uniform(0.38, 0.46)
        width = ctr * thorax
        left_part = width * rng.uniform(0.30, 0.36)               # right heart border, image left
        right_part = width - left_part
        hy0, hy1 = rng.uniform(0.47, 0.52), self.lung_geo[1]["y_cp"] - 0.015
        hcx = cx + (right_part - left_part) / 2
        ry = (hy1 - hy0) / 2 + 0.03
        hcy = hy0 + ry
        heart = ((x - hcx) / (width / 2)) ** 2 + ((y - hcy) / ry) ** 2 < 1
        heart &= y < hy1
        # a rounder left ventricle: a second lobe low on the right of the image
        lobe = (((x - (hcx + width * 0.12)) / (width * 0.38)) ** 2
                + ((y - (hcy + ry * 0.35)) / (ry * 0.7)) ** 2 < 1)
        heart |= lobe & (y < hy1)
        soft_heart = ndimage.gaussian_filter(heart.astype(np.float32), 1.2)
        img = img * (1 - soft_heart) + np.maximum(img, 0.52) * soft_heart
        self.heart = heart
        ys, xs = np.nonzero(heart)
        self.heart_box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        self.img = img
        self.x, self.y, self.u = x, y, u
        self._rng = rng
        self._bh = bh

    def add_bones(self) -> None:
        """Ribs (posterior and anterior), clavicles; drawn after the findings so that they
        overlie them, as bone does on a projection."""
        rng, y, u, h, w = self._rng, self.y, self.u, self.h, self.w
        bones = np.zeros((h, w), np.float32)
        cage = self.body & (np.abs(u) < 0.44) & (y < 0.86)
        y0, step = rng.uniform(0.10, 0.13), rng.uniform(0.062, 0.07)
        for side in (-1, 1):
            a = side * u
            # posterior ribs: leave the spine, rise a little, arch down laterally; one phase field
            # gives every rib at once (rib k where the phase is near k)
            arch = -0.06 * a + 1.05 * a ** 2 + 0.5 * np.clip(a - 0.3, 0, None) ** 2
            phase = (y - y0 - arch) / step
            k = np.round(phase)
            half = (0.010 + 0.0012 * np.clip(k, 0, 9)) * h
            seg = (a > 0.035) & (a < 0.43) & (k >= 0) & (k <= 9)
            bones += np.where(seg, 0.11 * _band((phase - k) * step * h, half), 0)
            # anterior ribs: from the lateral wall, sloping down towards the midline
            slope = 0.55 * (0.42 - a) - 0.9 * (0.42 - a) ** 2
            phase = (y - y0 - 0.09 - slope) / (step * 0.82)
            k = np.round(phase)
            seg = (a > 0.14) & (a < 0.42) & (k >= 0) & (k <= 9)
            bones += np.where(seg, 0.06 * _band((phase - k) * step * 0.82 * h, half * 0.8, edge=0.2), 0)
            # clavicle: an S-curve from the sternum to the shoulder
            curve = 0.12 - 0.12 * a + 0.28 * a ** 2 + 0.01 * np.sin(10 * a)
            seg = (a > 0.04) & (a < 0.36)
            bones += np.where(seg, 0.16 * _band((y - curve) * h, 0.016 * h, edge=0.3), 0)
        bones = np.where(cage, bones, 0)
        self.img = self.img + ndimage.gaussian_filter(bones, 0.7)

    def finish(self) -> np.ndarray:
        """Scatter, heel effect, marker and noise; the density image (bright = dense)."""
        rng, h, w = self._rng, self.h, self.w
        img = self.img
        img = img + rng.uniform(0.08, 0.16) * _blur(img, 0.08 * min(h, w))
        heel = np.linspace(rng.uniform(-0.04, 0.0), rng.uniform(0.0, 0.05), h, dtype=np.float32)
        img = img + heel[:, None] + 0.02 * _smooth_noise(rng, (h, w), 20)
        noise = rng.normal(0, 1, img.shape).astype(np.float32)
        img = img + noise * (0.008 + 0.012 * np.sqrt(np.clip(img, 0, 1)))
        # lead side marker ("L" on the patient's left, top right of the image): the densest pixels
        my, mx = int(rng.uniform(0.04, 0.08) * h), int(rng.uniform(0.82, 0.88) * w)
        s = max(6, h // 30)
        img[my:my + 2 * s, mx:mx + s // 2] = 1.25
        img[my + 2 * s - s // 2:my + 2 * s, mx:mx + s + s // 3] = 1.25
        return np.clip(img, 0, _DENSITY_TOP).astype(np.float32)


def _pick_centre(rng: np.random.Generator, mask: np.ndarray, margin: int) -> tuple[float, float] | None:
    """A random pixel of ``mask`` whose four neighbours ``margin`` pixels away are in it too."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return None
    h, w = mask.shape
    for _ in range(50):
        i = rng.integers(len(ys))
        y, x = int(ys[i]), int(xs[i])
        if all(0 <= y + dy < h and 0 <= x + dx < w and mask[y + dy, x + dx]
               for dy, dx in ((margin, 0), (-margin, 0), (0, margin), (0, -margin))):
            return float(y), float(x)
    return None


def _overlaps(box, taken, pad=3.0) -> bool:
    return any(box[0] < t[2] + pad and t[0] < box[2] + pad and box[1] < t[3] + pad
               and t[1] < box[3] + pad for t in taken)


def _nodule(rng, chest: _Chest, taken) -> tuple[tuple, float] | None:
    """A round spot in the lungs (behind ribs or the heart too); its box and conspicuity."""
    big = rng.random() < 0.25
    rad = rng.uniform(9, 14) if big else rng.uniform(6, 9)
    where = chest.lungs | (chest.heart & (rng.random() < 0.15))
    for _ in range(20):
        c = _pick_centre(rng, where, int(rad * 0.6))
        if c is None:
            return None
        cy, cx = c
        box = (cx - rad, cy - rad, cx + rad, cy + rad)
        if not _overlaps(box, taken):
            break
    else:
        return None
    contrast = rng.uniform(0.22, 0.32) if big else rng.uniform(0.18, 0.30)
    win = _window(chest, cy, cx, rad + 4)
    yy, xx = chest.yy[win], chest.xx[win]
    r2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / rad ** 2
    lob = 1 + 0.12 * np.sin(np.arctan2(yy - cy, xx - cx) * rng.integers(3, 6))
    spot = contrast * np.sqrt(np.clip(1 - r2 * lob, 0, 1))
    chest.img[win] += ndimage.gaussian_filter(spot.astype(np.float32), 0.6)
    conspicuity = min(1.0, contrast * rad / 1.4)
    return box, conspicuity


def _window(chest: _Chest, cy: float, cx: float, half: float) -> tuple[slice, slice]:
    """The crop of the image within ``half`` pixels of a centre."""
    return (slice(max(int(cy - half), 0), min(int(cy + half) + 2, chest.h)),
            slice(max(int(cx - half), 0), min(int(cx + half) + 2, chest.w)))


def _opacity(rng, chest: _Chest, taken) -> tuple[tuple, float] | None:
    """A hazy irregular patch in one lung; its box and conspicuity."""
    size = rng.uniform(20, 48)
    for _ in range(20):
        c = _pick_centre(rng, chest.lungs, int(size / 4))
        if c is None:
            return None
        cy, cx = c
        guess = (cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2)
        if not _overlaps(guess, taken):
            break
    else:
        return None
    ry, rx = size / 2 * rng.uniform(0.7, 1.0), size / 2 * rng.uniform(0.7, 1.0)
    win = _window(chest, cy, cx, size / 2 + 6)
    yy, xx = chest.yy[win], chest.xx[win]
    r2 = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    texture = 0.75 + 0.25 * _smooth_noise(rng, yy.shape, 2.5)
    patch = np.clip(1.0 - r2 - 0.25 * _smooth_noise(rng, yy.shape, size / 5), 0, 1) ** 0.4
    patch = patch * np.clip(ndimage.gaussian_filter(chest.lungs[win].astype(np.float32), 2) * 1.4, 0, 1)
    if patch.max() <= 0:
        return None
    contrast = rng.uniform(0.22, 0.32)
    haze = ndimage.gaussian_filter(contrast * patch * texture, 1.5).astype(np.float32)
    chest.img[win] += haze
    ys, xs = np.nonzero(haze > 0.25 * haze.max())
    y0, x0 = win[0].start, win[1].start
    box = (float(x0 + xs.min()), float(y0 + ys.min()), float(x0 + xs.max() + 1), float(y0 + ys.max() + 1))
    return box, min(1.0, contrast * 6)


def _effusion(rng, chest: _Chest, side: int) -> tuple[tuple, float] | None:
    """Fluid at one lung base: a dense layer with a meniscus rising laterally."""
    g = chest.lung_geo[side]
    a = side * chest.u
    lung = chest.side_masks[side]
    depth = rng.uniform(0.10, 0.18)
    r = np.clip((a - g["m"]) / (g["U"] - g["m"]), 0, 1)
    level = g["y_cp"] - depth * (0.45 + 0.55 * r ** 2)       # higher laterally: the meniscus
    fluid = lung & (chest.y > level)
    if fluid.sum() < 30:
        return None
    soft = ndimage.gaussian_filter(fluid.astype(np.float32), 1.5)
    chest.img = chest.img * (1 - soft) + np.maximum(chest.img, rng.uniform(0.40, 0.48)) * soft
    ys, xs = np.nonzero(fluid)
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    return box, 0.85


def render_image(rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[str, tuple, float]]]:
    """One radiograph: density (H, W) in [0, 1.3] (bright = dense) and its findings
    ``[(class_name, box, conspicuity), ...]`` (box: x_min, y_min, x_max, y_max in pixels;
    conspicuity in [0, 1]: how likely a reader sees it).

    Sides are drawn between 224 and 320 pixels; about a third of the images have no finding.
    """
    h, w = (int(v) for v in rng.integers(224, 321, size=2))
    normal = rng.random() < 0.33
    cardiomegaly = (not normal) and rng.random() < 0.35
    chest = _Chest(rng, h, w, cardiomegaly)
    found: list[tuple[str, tuple, float]] = []
    if cardiomegaly:
        found.append(("Cardiomegaly", chest.heart_box, 0.9))
    if not normal:
        n_effusion = int(rng.choice([0, 1, 2], p=[0.55, 0.33, 0.12]))
        for side in rng.permutation([-1, 1])[:n_effusion]:
            got = _effusion(rng, chest, int(side))
            if got is not None:
                found.append(("Pleural effusion", *got))
        n_nodules = int(rng.choice([0, 1, 2, 3], p=[0.45, 0.3, 0.15, 0.1]))
        n_opacity = int(rng.choice([0, 1, 2], p=[0.6, 0.3, 0.1]))
        if not found and n_nodules + n_opacity == 0:
            n_nodules = 1
        for name, n, draw in (("Lung Opacity", n_opacity, _opacity), ("Nodule/Mass", n_nodules, _nodule)):
            for _ in range(n):
                got = draw(rng, chest, [b for nm, b, _ in found if nm in ("Lung Opacity", "Nodule/Mass")])
                if got is not None:
                    found.append((name, *got))
    chest.add_bones()
    img = chest.finish()
    out = []
    for name, box, consp in found:
        box = (max(box[0], 0.0), max(box[1], 0.0), min(box[2], float(w)), min(box[3], float(h)))
        out.append((name, tuple(round(v, 1) for v in box), float(consp)))
    return img, out


def _reader_boxes(rng: np.random.Generator, findings, readers: list[str], shape: tuple[int, int],
                  lungs_hint: tuple[float, float, float, float]) -> list[tuple[str, str, tuple]]:
    """What each reader marks: ``[(rad_id, class_name, box), ...]``; misses, jittered edges, a
    per-reader habit of drawing tight or loose boxes, and rare false nodules."""
    h, w = shape
    out = []
    for rad in readers:
        k = int(rad[1:])
        pad = (k % 3 - 1) * 1.0                    # R3, R6, R9 loose; R1, R4, R7 tight
        sensitivity = 0.9 + 0.03 * (k % 4)
        for name, box, consp in findings:
            p = sensitivity * (0.45 + 0.55 * consp)
            if rng.random() > p:
                continue
            bw, bh = box[2] - box[0], box[3] - box[1]
            j = rng.normal(0, 1, 4) * np.array([bw, bh, bw, bh]) * 0.06 + rng.normal(0, 0.6, 4)
            b = np.array(box) + j + np.array([-pad, -pad, pad, pad])
            b = np.clip(b, 0, [w, h, w, h])
            if b[2] - b[0] < 2 or b[3] - b[1] < 2:
                continue
            out.append((rad, name, tuple(round(float(v), 1) for v in b)))
        if rng.random() < 0.06:                     # a false nodule
            x0, y0, x1, y1 = lungs_hint
            cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
            r = rng.uniform(4, 8)
            out.append((rad, "Nodule/Mass", tuple(round(float(v), 1) for v in
                                                  (cx - r, cy - r, cx + r, cy + r))))
    return out


def _encode(rng: np.random.Generator, density: np.ndarray) -> dict:
    """Stored pixels and the DICOM attributes that map them back to ``density``."""
    bits = int(rng.choice([12, 14, 16]))
    top = 2 ** bits - 1
    slope = float(rng.choice([1.0, 0.5, 2.0]))
    intercept = float(rng.choice([0.0, -1024.0, 100.0]))
    # modality value v = slope * stored + intercept spans [intercept, intercept + slope * top]
    lo = intercept + slope * top * rng.uniform(0.03, 0.08)
    hi = intercept + slope * top * rng.uniform(0.9, 0.97)
    value = lo + density / _DENSITY_TOP * (hi - lo)
    # the window covers the body (densities ~0.02-0.95), not the lead marker
    w_lo = lo + rng.uniform(0.0, 0.03) / _DENSITY_TOP * (hi - lo)
    w_hi = lo + rng.uniform(0.9, 1.0) / _DENSITY_TOP * (hi - lo)
    mono1 = bool(rng.random() < 0.5)
    if mono1:  # inverted: high values display dark, so store the reflected value
        value = (lo + hi) - value
        w_lo, w_hi = (lo + hi) - w_hi, (lo + hi) - w_lo
    stored = np.clip(np.round((value - intercept) / slope), 0, top).astype(np.uint16)
    return {"pixels": stored, "bits": bits, "slope": slope, "intercept": intercept,
            "photometric": "MONOCHROME1" if mono1 else "MONOCHROME2",
            "center": round((w_lo + w_hi) / 2, 1), "width": round(w_hi - w_lo, 1)}
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
                density, findings = render_image(rng)
                enc = _encode(rng, density)
                _write_dicom(out_dir / split / f"{image_id}.dicom", enc, image_id, patient_id, k,
                             seed, spacing)
                if split == "test":
                    if not findings:
                        rows.append([image_id, NO_FINDING[0], NO_FINDING[1], CONSENSUS] + [np.nan] * 4)
                    for name, box, _ in findings:
                        rows.append([image_id, name, CLASSES[name], CONSENSUS, *box])
                    continue
                readers = sorted(rng.choice(READERS, size=3, replace=False).tolist(),
                                 key=lambda r: int(r[1:]))
                h, w = density.shape
                marks = _reader_boxes(rng, findings, readers, (h, w),
                                      (0.18 * w, 0.25 * h, 0.82 * w, 0.7 * h))
                for rad in readers:
                    mine = [m for m in marks if m[0] == rad]
                    if not mine:
                        rows.append([image_id, NO_FINDING[0], NO_FINDING[1], rad] + [np.nan] * 4)
                    for _, name, box in mine:
                        rows.append([image_id, name, CLASSES[name], rad, *box])
        table = pd.DataFrame(rows, columns=COLUMNS)
        if split == "train":
            table.to_csv(out_dir / "train.csv", index=False)
        else:
            write_answer_key(NAME, "test_boxes", table, root=out_dir.parent,
                             meta={"classes": CLASSES})
