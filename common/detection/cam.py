"""EigenCAM and AblationCAM (pytorch-grad-cam) on a torchvision Faster R-CNN.

pytorch-grad-cam's own ``fasterrcnn_reshape_transform`` resizes every FPN level to the coarsest
(``pool``, stride 64) level, which gives a 4x4 map on a 256-pixel image. :func:`fpn_reshape_transform`
resizes them to a finer level instead (stride 8 by default), and :class:`FPNAblationLayer` ablates
channels of any FPN width (the library's version assumes 256 channels and five levels).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from pytorch_grad_cam import AblationCAM, EigenCAM
from pytorch_grad_cam.ablation_layer import AblationLayer
from pytorch_grad_cam.utils.model_targets import FasterRCNNBoxScoreTarget
from torch import nn

__all__ = ["fpn_reshape_transform", "FPNAblationLayer", "detector_cams", "energy_in_boxes"]


def fpn_reshape_transform(features: "OrderedDict[str, torch.Tensor]", level: str = "1") -> torch.Tensor:
    """Concatenate all FPN levels, each resized to the size of ``level``.

    Args:
        features: FPN outputs ``{name: (B, C, h_l, w_l)}``.
        level: the level whose size is kept (``"1"`` is stride 8 on a ResNet FPN).

    Returns:
        (B, L * C, h, w).
    """
    size = features[level].shape[-2:]
    return torch.cat([F.interpolate(v.abs(), size=size, mode="bilinear", align_corners=False)
                      for v in features.values()], dim=1)


class FPNAblationLayer(AblationLayer):
    """Ablates channels of a dict of FPN levels whose channels the reshape transform concatenated.

    Args:
        channels: channels per FPN level (64 for the CPU recipe, 256 for torchvision's FPN).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels

    def set_next_batch(self, input_batch_index, activations, num_channels_to_ablate):
        self.activations = OrderedDict(
            (k, v[input_batch_index].clone().unsqueeze(0).repeat(num_channels_to_ablate, 1, 1, 1))
            for k, v in activations.items())

    def __call__(self, x):
        result = self.activations
        names = list(result)
        n = result[names[0]].size(0)
        for i in range(n):
            level, channel = divmod(int(self.indices[i]), self.channels)
            result[names[level]][i, channel] = -1000
        return result


def detector_cams(model: nn.Module, image: torch.Tensor, boxes: torch.Tensor,
                  labels: torch.Tensor, methods: Sequence[str] = ("EigenCAM", "AblationCAM"),
                  ratio_channels_to_ablate: float = 0.1, batch_size: int = 8
                  ) -> dict[str, np.ndarray]:
    """Class-activation maps of a Faster R-CNN for the given detections.

    Args:
        model: torchvision Faster R-CNN in eval mode (on the CPU).
        image: (3, H, W) input.
        boxes: (N, 4) detected boxes, xyxy; the AblationCAM target is their score and IoU.
        labels: (N,) their labels.
        methods: any of ``"EigenCAM"`` and ``"AblationCAM"``.
        ratio_channels_to_ablate: share of channels AblationCAM ablates (its cost is linear in it).
        batch_size: ablated copies per forward pass.

    Returns:
        ``{method: (H, W) float map in [0, 1]}``.
    """
    model.eval()
    target_layers = [model.backbone]
    channels = model.backbone.out_channels
    x = image.unsqueeze(0)
    targets = [FasterRCNNBoxScoreTarget(labels=labels.tolist(), bounding_boxes=boxes.detach())]
    out = {}
    for method in methods:
        if method == "EigenCAM":
            cam = EigenCAM(model, target_layers, reshape_transform=fpn_reshape_transform)
        elif method == "AblationCAM":
            cam = AblationCAM(model, target_layers, reshape_transform=fpn_reshape_transform,
                              ablation_layer=FPNAblationLayer(channels),
                              ratio_channels_to_ablate=ratio_channels_to_ablate)
            cam.batch_size = batch_size
        else:
            raise ValueError(f"Unknown CAM method {method!r}; use 'EigenCAM' or 'AblationCAM'.")
        with cam:
            out[method] = cam(x, targets=targets)[0]
    return out


def energy_in_boxes(cam: np.ndarray, boxes) -> tuple[float, float]:
    """How much of a map's energy lies inside boxes, and how much of the image the boxes cover.

    The energy-based pointing game (Wang et al., Score-CAM, 2020): a map that points at the
    lesions puts a larger share of its sum inside their boxes than the boxes' share of the image;
    a map spread evenly puts the same share.

    Args:
        cam: (H, W) non-negative map (a CAM in [0, 1]).
        boxes: (N, 4) xyxy boxes in pixels of ``cam``; their union is counted once.

    Returns:
        ``(energy share, area share)``, both in [0, 1]; the energy share is nan for an all-zero
        map.
    """
    cam = np.clip(np.asarray(cam, dtype=np.float64), 0, None)
    h, w = cam.shape
    inside = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        c0, r0 = int(np.clip(np.floor(x0), 0, w)), int(np.clip(np.floor(y0), 0, h))
        c1, r1 = int(np.clip(np.ceil(x1), 0, w)), int(np.clip(np.ceil(y1), 0, h))
        inside[r0:r1, c0:c1] = True
    total = cam.sum()
    energy = float(cam[inside].sum() / total) if total > 0 else float("nan")
    return energy, float(inside.mean())
