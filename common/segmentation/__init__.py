"""2D segmentation for lab04: data, metrics, losses, networks, figures.

What students write themselves in the lab (Dice, IoU, the soft Dice loss, HD95, the U-Net,
FCN-8s's skip fusion, their own run-length encoder) is not here; the library-backed metrics are,
and the scorer's run-length codec lives in :mod:`common.io.rle`.
"""

from .boundary import boundary_f1, boundary_pixels
from .data import (LabelledSplits, SegData, SegDataset, SegSplit, labelled_splits, load_seg_data,
                   load_seg_split, seg_loader, test_masks_from_key, to_original_size)
from .figures import closeup_window, plot_boundary_closeup, plot_overlays, plot_score_distributions
from .losses import LOSS_NAMES, segmentation_loss
from .metrics import METRIC_NAMES, dice_scores, hd95_scores, segmentation_scores, summarize_scores
from .models import res_unet, res_unet_plus_plus, unet_plus_plus
from .resunetpp import ResUNetPlusPlus
from .vgg_encoder import VGGEncoder

__all__ = [
    "boundary_f1", "boundary_pixels",
    "LabelledSplits", "SegData", "SegDataset", "SegSplit", "labelled_splits", "load_seg_data",
    "load_seg_split", "seg_loader", "test_masks_from_key", "to_original_size",
    "closeup_window", "plot_boundary_closeup", "plot_overlays", "plot_score_distributions",
    "LOSS_NAMES", "segmentation_loss",
    "METRIC_NAMES", "dice_scores", "hd95_scores", "segmentation_scores", "summarize_scores",
    "res_unet", "res_unet_plus_plus", "unet_plus_plus", "ResUNetPlusPlus",
    "VGGEncoder",
]
