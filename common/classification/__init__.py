"""Shared building blocks of lab02 and lab03: CT volumes, slice stacks, augmentation, backbones.

Nothing here is the answer to a graded task: the slice stacker, the metadata encoding, the fusion
head, the VGG adaptation, late fusion and the 3D convolutional head are the students' work in the
notebooks.
"""

from .augment import AugmentedDataset, slice_augmentation
from .cnn3d import resnet3d_small, resnet3d_trunk
from .backbones import (backbone_info, describe_backbone, has_cached_weights, resnet50_trunk,
                        swin_trunk, vgg16_features)
from .data import CTVolumes, load_ct_volumes, load_medmnist_volumes, make_loader, resize_slices
from .evaluation import (auc_with_interval, intervals_separate, positive_scores, ranking_statement,
                         roc_auc_from_logits)

__all__ = [
    "AugmentedDataset", "slice_augmentation",
    "resnet50_trunk", "swin_trunk", "vgg16_features", "resnet3d_small", "resnet3d_trunk",
    "backbone_info", "describe_backbone", "has_cached_weights",
    "CTVolumes", "load_ct_volumes", "load_medmnist_volumes", "make_loader", "resize_slices",
    "positive_scores", "roc_auc_from_logits", "auc_with_interval", "intervals_separate",
    "ranking_statement",
]
