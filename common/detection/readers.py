"""Boxes of several readers merged into one set of training labels.

VinDr-CXR's training images were each read by three radiologists (``rad_id`` R1..R17), who
disagree: one misses a faint nodule another marks, and their boxes around the same lesion differ
by a few pixels. A detector trained on all three copies learns three overlapping boxes per
lesion; one trained on one reader learns that reader's misses. The rule here, **weighted box
fusion with a majority vote**, is the one documented in the dataset card:

1. per image and class, the readers' boxes are fused with ``ensemble_boxes.weighted_boxes_fusion``
   (boxes of different readers that overlap with IoU >= ``iou_thr`` form one cluster; the fused
   box is the mean of the cluster's corners, each reader weighing the same);
2. the fused box is kept when at least ``min_share`` of the image's readers drew a box in its
   cluster (``0.5``: two of three), else dropped as one reader's opinion;
3. an image whose boxes are all dropped becomes a ``No finding`` image.

A table with a single reader per image (RSNA Pneumonia has no ``rad_id``) passes through
unchanged.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["merge_readers", "MERGED_READER"]

#: ``rad_id`` of the merged rows.
MERGED_READER = "merged"
_BOX = ["x_min", "y_min", "x_max", "y_max"]


def merge_readers(table: pd.DataFrame, sizes: Mapping[str, tuple[int, int]],
                  iou_thr: float = 0.4, min_share: float = 0.5,
                  no_finding: tuple[str, int] = ("No finding", 14)) -> pd.DataFrame:
    """One set of boxes per image from the boxes of its readers (see the module text).

    Args:
        table: VinDr rows (``image_id, class_name, class_id, rad_id, x_min..y_max``); ``No
            finding`` rows have empty boxes.
        sizes: ``{image_id: (rows, columns)}`` of every image in ``table`` (the fusion works in
            coordinates normalised by the image size).
        iou_thr: the IoU above which two readers' boxes are the same lesion.
        min_share: the share of an image's readers that must have drawn a lesion to keep it.
        no_finding: the class name and id of images without boxes.

    Returns:
        VinDr rows with ``rad_id`` ``"merged"``: one row per kept box, one ``No finding`` row per
        image without any, images in the order they first appear in ``table``.

    Raises:
        DataError: when an image of ``table`` has no size in ``sizes``.
    """
    from ensemble_boxes import weighted_boxes_fusion

    table = table.copy()
    table["rad_id"] = table["rad_id"].fillna("").astype(str)
    readers_per_image = table.groupby("image_id", sort=False)["rad_id"].nunique()
    if len(table) == 0 or readers_per_image.max() <= 1:
        return table.reset_index(drop=True)
    missing = [i for i in readers_per_image.index if i not in sizes]
    if missing:
        raise DataError(f"merge_readers has no image size for {len(missing)} image(s) of the box "
                        f"table (first: {missing[0]}); index the DICOM folder that holds them.")
    names = table.dropna(subset=["x_min"]).drop_duplicates("class_id").set_index("class_id")["class_name"]
    rows = []
    for image_id, g in table.groupby("image_id", sort=False):
        h, w = sizes[image_id]
        readers = sorted(g["rad_id"].unique())
        scale = np.array([w, h, w, h], np.float64)
        boxed = g.dropna(subset=["x_min"])
        kept = []
        if len(boxed):
            boxes_list, scores_list, labels_list = [], [], []
            for rad in readers:
                mine = boxed[boxed["rad_id"] == rad]
                boxes_list.append(np.clip(mine[_BOX].to_numpy(np.float64) / scale, 0, 1))
                scores_list.append(np.ones(len(mine)))
                labels_list.append(mine["class_id"].to_numpy(np.int64))
            boxes, scores, labels = weighted_boxes_fusion(boxes_list, scores_list, labels_list,
                                                          iou_thr=iou_thr, conf_type="avg")
            # with unit scores, a fused box's score is the share of readers in its cluster
            for box, score, label in zip(boxes, scores, labels):
                if score >= min_share - 1e-9:
                    kept.append((int(label), np.round(box * scale, 1)))
        for label, box in kept:
            rows.append([image_id, names[label], label, MERGED_READER, *box.tolist()])
        if not kept:
            rows.append([image_id, no_finding[0], no_finding[1], MERGED_READER] + [np.nan] * 4)
    out = pd.DataFrame(rows, columns=["image_id", "class_name", "class_id", "rad_id", *_BOX])
    return out.astype({"class_id": "int64"})
