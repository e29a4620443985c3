"""A faster CPU inference path for inflated dense blocks, with the same results and hook points.

torchvision's ``_DenseBlock`` concatenates all earlier feature maps before every layer
(``torch.cat``: quadratic copying), runs ``BatchNorm → ReLU`` as two passes, and its 1×1×1
``Conv3d`` falls back to a slow generic kernel on CPU. :func:`fast_dense_blocks` swaps each dense
block of an (inflated, eval-mode) DenseNet for :class:`FastDenseBlock3d`, which

- writes every layer's new channels into one preallocated ``channels_last_3d`` buffer (no cat),
- applies the first BatchNorm and ReLU as one multiply-add and clamp on a view of the buffer,
- runs the 1×1×1 convolution as a matrix product, with the second BatchNorm folded into it,
- runs the 3×3×3 convolution with oneDNN at every size (PyTorch picks a slow generic kernel
  for small 3D inputs such as those of ``denseblock3`` and ``denseblock4``).

The blocks keep their names (``denseblock2`` ...), so forward hooks registered on them still see
the block's output. Inference only: the folded weights are frozen copies.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import CourseError

__all__ = ["FastDenseBlock3d", "fast_dense_blocks"]


def _bn_affine(bn: nn.BatchNorm3d) -> tuple[torch.Tensor, torch.Tensor]:
    """An eval-mode BatchNorm as ``x * scale + shift``: (C,) scale and (C,) shift."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


class FastDenseBlock3d(nn.Module):
    """Inference-only replacement of an inflated torchvision ``_DenseBlock``.

    Args:
        block: an eval-mode dense block whose layers hold ``norm1``, ``conv1`` (1×1×1), ``norm2``
            and ``conv2`` (3D), as an inflated torchvision DenseNet has.

    Shapes:
        (B, C0, D, H, W) → (B, C0 + L · growth, D, H, W), in ``channels_last_3d`` layout.

    Raises:
        CourseError: when a layer is not an inflated dense layer (a 1×1×1 ``conv1`` and a
            ``Conv3d`` ``conv2``).
    """

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        layers = list(block.children())
        self.growth = layers[0].conv2.out_channels
        self.in_channels = layers[0].norm1.num_features
        self.scales, self.shifts, self.weights, self.biases = [], [], [], []
        convs = []
        with torch.no_grad():
            for layer in layers:
                if layer.conv1.kernel_size != (1, 1, 1) or not isinstance(layer.conv2, nn.Conv3d):
                    raise CourseError("fast_dense_blocks expects an inflated DenseNet (1x1x1 "
                                      "conv1 and a Conv3d conv2 in every dense layer).")
                s1, t1 = _bn_affine(layer.norm1)
                s2, t2 = _bn_affine(layer.norm2)
                w1 = layer.conv1.weight.flatten(1) * s2[:, None]  # (C_mid, C_in)
                self.scales.append(s1.clone())
                self.shifts.append(t1.clone())
                self.weights.append(w1.t().contiguous())             # (C_in, C_mid)
                self.biases.append(t2.clone())
                convs.append(layer.conv2)
        self.convs = nn.ModuleList(convs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C0, D, H, W) → (B, C0 + L · growth, D, H, W)."""
        n, c0, d, h, w = x.shape
        total = c0 + self.growth * len(self.convs)
        buf = torch.empty((n, total, d, h, w), dtype=x.dtype, device=x.device,
                          memory_format=torch.channels_last_3d)
        buf[:, :c0] = x
        flat = buf.permute(0, 2, 3, 4, 1).view(-1, total)          # (M, total), a view
        c = c0
        for s1, t1, w1, b1, conv in zip(self.scales, self.shifts, self.weights, self.biases,
                                        self.convs):
            pre = torch.addcmul(t1, flat[:, :c], s1).clamp_(min=0)   # norm1 + relu1
            mid = torch.addmm(b1, pre, w1).clamp_(min=0)             # conv1 + norm2 + relu2
            del pre
            mid5 = mid.view(n, d, h, w, -1).permute(0, 4, 1, 2, 3)   # channels-last 5D view
            new = torch.mkldnn_convolution(mid5, conv.weight, conv.bias, conv.padding,
                                           conv.stride, conv.dilation, conv.groups)  # conv2
            del mid, mid5
            flat[:, c:c + self.growth] = new.permute(0, 2, 3, 4, 1).reshape(-1, self.growth)
            c += self.growth
        return buf


def fast_dense_blocks(model3d: nn.Module) -> nn.Module:
    """Replace every ``denseblockN`` child of ``model3d.features`` by a :class:`FastDenseBlock3d`.

    Args:
        model3d: an inflated DenseNet in eval mode (it is changed in place and returned).

    Returns:
        ``model3d``, converted to ``channels_last_3d``.

    Raises:
        CourseError: when ``model3d`` is in training mode, or a dense block is not inflated.
    """
    if model3d.training:
        raise CourseError("fast_dense_blocks is for inference; call model.eval() first.")
    for name, child in list(model3d.features.named_children()):
        if name.startswith("denseblock"):
            setattr(model3d.features, name, FastDenseBlock3d(child))
    return model3d.to(memory_format=torch.channels_last_3d)
