"""Shared building blocks of lab02 and lab03: CT volumes, slice stacks, augmentation, backbones.

Nothing here is the answer to a graded task: the slice stacker, the metadata encoding, the fusion
head and the VGG adaptation are the students' work in the notebooks.
"""

from .augment import AugmentedDataset, slice_augmentation
from .cnn3d import resnet3d_small
from .backbones import resnet50_trunk, swin_trunk, vgg16_features
from .data import CTVolumes, load_ct_volumes, load_medmnist_volumes, make_loader, resize_slices
from .evaluation import positive_scores, roc_auc_from_logits, test_auc, test_labels
from .fusion import fit_late_fusion_weights, late_fusion_scores

__all__ = [
    "AugmentedDataset", "slice_augmentation",
    "resnet50_trunk", "swin_trunk", "vgg16_features", "resnet3d_small",
    "CTVolumes", "load_ct_volumes", "load_medmnist_volumes", "make_loader", "resize_slices",
    "positive_scores", "roc_auc_from_logits", "test_auc", "test_labels",
    "fit_late_fusion_weights", "late_fusion_scores",
]
