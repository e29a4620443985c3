"""The 3D convolutional autoencoder of lab06 (given; the 2D one is the students' task)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CAE3D"]


def _down(c_in: int, c_out: int, stride: tuple[int, int, int]) -> list[nn.Module]:
    return [nn.Conv3d(c_in, c_out, 3, stride=stride, padding=1), nn.BatchNorm3d(c_out), nn.ReLU()]


def _up(c_in: int, c_out: int, stride: tuple[int, int, int]) -> list[nn.Module]:
    kernel = tuple(4 if s == 2 else 3 for s in stride)
    return [nn.ConvTranspose3d(c_in, c_out, kernel, stride=stride, padding=1)]


class CAE3D(nn.Module):
    """Convolutional autoencoder on (B, 1, D, H, W) disc blocks, with anisotropic strides.

    The first block halves only H and W (the blocks are thinner across the slices than within
    them), the next ones halve every axis: (16, 64, 64) → (4, 8, 8) × ``channels[-1]`` →
    ``latent_dim`` numbers, and back through transposed convolutions with the same strides.

    Args:
        latent_dim: size of the code.
        channels: channels of the three encoder blocks.
        block: (D, H, W) of the inputs; D divisible by 4, H and W by 8.
    """

    STRIDES = ((1, 2, 2), (2, 2, 2), (2, 2, 2))

    def __init__(self, latent_dim: int = 100, channels: tuple[int, int, int] = (8, 16, 32),
                 block: tuple[int, int, int] = (16, 64, 64)):
        super().__init__()
        d, h, w = block
        if d % 4 or h % 8 or w % 8:
            raise ValueError(f"CAE3D needs D divisible by 4 and H, W by 8; got {block}.")
        self.code_shape = (channels[-1], d // 4, h // 8, w // 8)
        flat = int(torch.tensor(self.code_shape).prod())
        layers, c_in = [], 1
        for c, s in zip(channels, self.STRIDES):
            layers += _down(c_in, c, s)
            c_in = c
        self.encoder = nn.Sequential(*layers, nn.Flatten(), nn.Linear(flat, latent_dim))
        ups: list[nn.Module] = []
        outs = (*channels[::-1][1:], 1)
        for (c_out, s), last in zip(zip(outs, self.STRIDES[::-1]), (False, False, True)):
            ups += _up(c_in, c_out, s)
            if not last:
                ups += [nn.BatchNorm3d(c_out), nn.ReLU()]
            c_in = c_out
        self.decoder = nn.Sequential(nn.Linear(latent_dim, flat), nn.ReLU(),
                                     nn.Unflatten(1, self.code_shape), *ups)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, D, H, W) → (B, latent_dim)."""
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, D, H, W) → its reconstruction, same shape."""
        return self.decoder(self.encoder(x))
