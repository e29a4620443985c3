"""lab03's submissions: one ``patient_id,probability`` CSV per strategy, each scored by ROC-AUC.

``single.csv`` (centre slice), ``early.csv`` (adjacent slices as channels), ``late.csv``
(weighted sum of separate models), ``3D.csv`` (3D CNN) and ``ResNet50_6c.csv`` (ResNet50 with a
6-channel first convolution). Schema, key and size limits are lab02's.
"""

from __future__ import annotations

from .lab02_slice_classification import SCHEMA, SIZE, example, load_key, score_auc
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "FILENAMES"]

FILENAMES = ("single.csv", "early.csv", "late.csv", "3D.csv", "ResNet50_6c.csv")

SUBMISSIONS = [
    SubmissionSpec(lab="lab03_fusion_strategies", filename=name, schema=SCHEMA, metric="roc_auc",
                   load_key=load_key, score=score_auc, example=example, **SIZE)
    for name in FILENAMES
]
