"""The 3D wrapper of an inflated DenseNet: its ``forward`` pools in 3D.

torchvision's ``DenseNet.forward`` calls ``F.adaptive_avg_pool2d`` (a function, not a module), so
swapping modules alone cannot make it 3D. :class:`DenseNet3D` keeps the (inflated) ``features``
and ``classifier`` modules under the same names and pools over depth, height and width.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DenseNet3D"]


class DenseNet3D(nn.Module):
    """DenseNet with 3D features: ReLU, 3D global average pooling, linear classifier.

    Args:
        features: the inflated ``model.features`` (``nn.Sequential`` of 3D layers, with
            ``conv0``, ``denseblock1`` ... ``norm5`` as in torchvision).
        classifier: the 2D model's ``nn.Linear`` head (it works on pooled vectors unchanged).

    Shapes:
        input (B, C_in, D, H, W) → logits (B, num_classes).

    Example:
        >>> model3d = DenseNet3D(inflated_features, model2d.classifier)
        >>> model3d(torch.zeros(1, 1, 64, 64, 64)).shape
        torch.Size([1, 1000])
    """

    def __init__(self, features: nn.Module, classifier: nn.Module) -> None:
        super().__init__()
        self.features = features
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, D, H, W) → (B, num_classes)."""
        out = F.relu(self.features(x))
        out = F.adaptive_avg_pool3d(out, 1).flatten(1)
        return self.classifier(out)
