"""The course's labs in one table: id, title and the datasets each reads.

A catalogued lab is part of this version of the course when its source notebook
``solutions/<lab>/<lab>.ipynb`` exists; :func:`lab_ids` lists those.

Example:
    >>> LABS["lab04_segmentation"].datasets
    ('seg2d',)
    >>> labs_using("ct_volumes")
    ['lab02_slice_classification', 'lab03_fusion_strategies']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .paths import repo_root

__all__ = ["Lab", "LABS", "lab_ids", "labs_using"]


@dataclass(frozen=True)
class Lab:
    """One lab of the catalogue.

    Args:
        title: the notebook's title, without the ``Lab NN —`` prefix.
        datasets: names of the datasets it reads (phantom names, or ``digits``).
    """

    title: str
    datasets: tuple[str, ...]


#: Every lab the course describes, in teaching order.
LABS: dict[str, Lab] = {
    "lab01_digits_mlp": Lab("Handwritten digits with a multilayer perceptron", ("digits",)),
    "lab02_slice_classification": Lab(
        "Slice classification with VGG16, ResNet50 and Swin, fused with age and sex",
        ("ct_volumes",)),
    "lab03_fusion_strategies": Lab(
        "Single slice vs early fusion vs late fusion vs 3D", ("ct_volumes",)),
    "lab04_segmentation": Lab(
        "Segmentation: U-Net vs FCN-8s, with UNet++, ResUNet and ResUNet++", ("seg2d",)),
    "lab05_cxr_detection": Lab(
        "Faster R-CNN on chest X-ray DICOM, with EigenCAM and AblationCAM", ("cxr",)),
    "lab06_autoencoder_features": Lab(
        "Convolutional-autoencoder features of lumbar discs", ("spine_mr",)),
    "lab07_inflated_densenet": Lab(
        "Inflated 3D DenseNet121: region features and cosine similarity on knee CT",
        ("knee_ct",)),
}


def lab_ids(root: Path | None = None) -> list[str]:
    """The catalogued labs whose source notebook exists, sorted.

    Args:
        root: the repository root (default :func:`common.paths.repo_root`).

    Returns:
        Lab ids such as ``"lab01_digits_mlp"``.
    """
    solutions = Path(root or repo_root()) / "solutions"
    return sorted(lab for lab in LABS if (solutions / lab / f"{lab}.ipynb").is_file())


def labs_using(dataset: str) -> list[str]:
    """The catalogued labs that read ``dataset``, in teaching order.

    Args:
        dataset: a dataset name (``"ct_volumes"``).

    Returns:
        Lab ids; empty when no lab reads it.
    """
    return [lab for lab, info in LABS.items() if dataset in info.datasets]
