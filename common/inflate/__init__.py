"""What lab07 gives: the knee CT loader, the 3D DenseNet wrapper, pooling, the 2D pretraining on
slices, figures, benchmark.

The inflation itself, the region split, the hook collector and the cosine similarity are the
students' tasks and live in the lab's notebook, not here.
"""

from __future__ import annotations

from .densenet3d import DenseNet3D
from .knee_data import (HU_WINDOW, IMAGENET_GREY, KneeCT, find_knee_cases, load_knee_cases,
                         load_knee_ct, resample_isotropic, to_model_input)
from .pooling import global_avg_pool3d

__all__ = ["DenseNet3D", "KneeCT", "find_knee_cases", "load_knee_cases", "load_knee_ct",
           "resample_isotropic", "to_model_input", "HU_WINDOW", "IMAGENET_GREY",
           "global_avg_pool3d"]
