"""Faster R-CNN detectors: a small CPU recipe and the full-size GPU recipe.

The CPU recipe is what makes the lab trainable on a laptop: a ResNet18 trunk (ImageNet weights
when cached, else random) under a 64-channel FPN with five levels, anchors of 8-128 pixels (the
phantom's nodules are 12-28 px, its opacities 20-48 px, its hearts up to ~150 px), a 256-unit box
head, fewer RoIs and proposals, and torchvision's internal resize pinned to the input size (no
up-scaling to 800 px). The GPU recipe is torchvision's ``fasterrcnn_resnet50_fpn`` with COCO
weights when they are in the local cache, at 512 px or more.

Both detectors keep their original box predictor (91 COCO classes); the lab replaces it.
:func:`detector_step` is the training step that :func:`common.training.fit` runs on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead

from ..errors import CourseError
from ..pretrained import cached_torchvision_weights, torchvision_model

__all__ = ["DetectorRecipe", "RECIPES", "choose_recipe", "build_detector", "detector_step"]


@dataclass(frozen=True)
class DetectorRecipe:
    """Settings of one detector recipe.

    Args:
        name: ``"cpu"`` or ``"gpu"``.
        image_size: side of the square input; torchvision's resize is pinned to it.
        batch_size: training images per step.
        lr: SGD learning rate (momentum 0.9, Nesterov).
        epochs: full-run epochs.
    """

    name: str
    image_size: int
    batch_size: int
    lr: float
    epochs: int


RECIPES = {
    "cpu": DetectorRecipe("cpu", image_size=256, batch_size=4, lr=0.02, epochs=14),
    "gpu": DetectorRecipe("gpu", image_size=512, batch_size=8, lr=0.01, epochs=30),
}


def choose_recipe(device: torch.device | str) -> DetectorRecipe:
    """The GPU recipe on CUDA when COCO Faster R-CNN weights are cached, else the CPU recipe."""
    cuda = torch.device(device).type == "cuda"
    if cuda and cached_torchvision_weights("fasterrcnn_resnet50_fpn") is not None:
        return RECIPES["gpu"]
    return RECIPES["cpu"]


def _cpu_detector(image_size: int, weights: bool | str) -> FasterRCNN:
    trunk = torchvision_model("resnet18", weights=weights)
    backbone = BackboneWithFPN(trunk, {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
                               in_channels_list=[64, 128, 256, 512], out_channels=64)
    anchors = AnchorGenerator(sizes=((8,), (16,), (32,), (64,), (128,)),
                              aspect_ratios=((0.5, 1.0, 2.0),) * 5)
    return FasterRCNN(backbone, num_classes=None, min_size=image_size, max_size=image_size,
                      image_mean=[0.5] * 3, image_std=[0.25] * 3, rpn_anchor_generator=anchors,
                      box_head=TwoMLPHead(64 * 7 * 7, 256), box_predictor=FastRCNNPredictor(256, 91),
                      rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=300,
                      rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=100,
                      box_batch_size_per_image=128, box_detections_per_img=50)


def build_detector(recipe: DetectorRecipe | str = "cpu", weights: bool | str = "auto") -> nn.Module:
    """A torchvision Faster R-CNN for ``recipe`` with its original 91-class predictor.

    Args:
        recipe: a :class:`DetectorRecipe` or its name.
        weights: ``"auto"`` (cached pretrained weights, else random with one warning), True or
            False, as in :func:`common.pretrained.torchvision_model`.

    Returns:
        ``FasterRCNN``; in train mode it maps ``(images, targets)`` to a loss dict, in eval mode
        ``images`` (list of (3, H, W)) to a list of ``{"boxes", "labels", "scores"}``.
    """
    recipe = RECIPES[recipe] if isinstance(recipe, str) else recipe
    if recipe.name == "cpu":
        return _cpu_detector(recipe.image_size, weights)
    if recipe.name == "gpu":
        return torchvision_model("fasterrcnn_resnet50_fpn", weights=weights,
                                 min_size=recipe.image_size, max_size=recipe.image_size)
    raise CourseError(f"Unknown detector recipe {recipe.name!r}; use 'cpu' or 'gpu'.")


def detector_step(model: nn.Module, batch: tuple[list, list],
                  device: torch.device | str) -> dict[str, torch.Tensor]:
    """One training step's losses of a torchvision detector, for ``fit(..., step=detector_step)``.

    Args:
        model: a detector in train mode (torchvision's detection API).
        batch: ``(images, targets)`` from :func:`common.detection.collate_detection`: a list of
            (3, H, W) images and a list of ``{"boxes": (N, 4) xyxy, "labels": (N,)}`` dicts.
        device: where ``model`` is.

    Returns:
        The detector's loss dict (``loss_classifier``, ``loss_box_reg``, ``loss_objectness``,
        ``loss_rpn_box_reg`` for Faster R-CNN); :func:`common.training.fit` sums the terms and
        records each one's epoch mean.
    """
    images, targets = batch
    images = [im.to(device) for im in images]
    targets = [{k: v.to(device) for k, v in t.items()} for t in targets]
    return model(images, targets)
