"""A short 2D pretraining on knee-CT slices, for when no ImageNet weights are cached.

Inflation carries what a 2D network has learned into 3D; a randomly initialised DenseNet121 has
learned nothing, so its inflated features hardly tell one region from another (every cosine is
above 0.99). Without a cached ImageNet checkpoint (and the course never downloads one) the lab
therefore teaches the 2D network first, on the knees' own axial slices: each slice of a region
volume (tibia, femur or background, the rest filled with air) is classified by its region. A
minute of training on two CPU cores is enough for features that separate bone from soft tissue,
and the inflated network then shows it in 3D.

Example:
    >>> dataset = region_slice_dataset([split_regions(k.ct, k.mask) for k in knees])
    >>> model2d = torchvision_model("densenet121", weights=False)
    >>> history = pretrain_on_slices(model2d, dataset, epochs=3)
    >>> model3d = inflate_densenet(model2d)
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from ..errors import DataError
from ..loaders import make_loader
from ..training import History, fit
from .knee_data import AIR_HU, to_model_input

__all__ = ["region_slice_dataset", "pretrain_on_slices", "SLICE_SIZE"]

#: side of the square slices the 2D network learns from (voxels).
SLICE_SIZE = 64


def _centre_crop(plane: np.ndarray, size: int, fill: float) -> np.ndarray:
    """Pad with ``fill`` or crop an (H, W) plane to (size, size) around its centre."""
    out = np.full((size, size), fill, np.float32)
    h, w = plane.shape
    src_y, src_x = max((h - size) // 2, 0), max((w - size) // 2, 0)
    dst_y, dst_x = max((size - h) // 2, 0), max((size - w) // 2, 0)
    n_y, n_x = min(h, size), min(w, size)
    out[dst_y:dst_y + n_y, dst_x:dst_x + n_x] = plane[src_y:src_y + n_y, src_x:src_x + n_x]
    return out


def region_slice_dataset(region_volumes: Sequence[Mapping[str, np.ndarray]],
                         fill_value: float = AIR_HU, size: int = SLICE_SIZE,
                         min_fraction: float = 0.02, every: int = 1) -> TensorDataset:
    """Axial slices of region volumes, labelled by region, as the network's input.

    Args:
        region_volumes: one dict per knee, ``{region name: (D, H, W) HU volume}`` with
            ``fill_value`` outside the region (as the lab's ``split_regions`` returns them); the
            label of a slice is the position of its region in the first dict.
        fill_value: the HU value outside each region.
        size: slices are padded with ``fill_value`` or cropped to (size, size) around the centre.
        min_fraction: a slice is kept when at least this fraction of it lies in the region.
        every: keep every ``every``-th slice along depth.

    Returns:
        ``TensorDataset(images (N, 1, size, size) float32 windowed and normalised like the 3D
        input, labels (N,) int64)``.

    Raises:
        DataError: when no slice holds enough of any region.
    """
    if not region_volumes:
        raise DataError("region_slice_dataset got no knee; pass one dict of region volumes per "
                        "knee.")
    names = list(region_volumes[0])
    images, labels = [], []
    for volumes in region_volumes:
        for label, name in enumerate(names):
            volume = np.asarray(volumes[name], np.float32)
            inside = (volume != fill_value).mean(axis=(1, 2))
            for d in range(0, volume.shape[0], every):
                if inside[d] >= min_fraction:
                    images.append(_centre_crop(volume[d], size, fill_value))
                    labels.append(label)
    if not images:
        raise DataError(f"No slice holds {min_fraction:.0%} of a region; check the masks.")
    x = to_model_input(np.stack(images))[0].transpose(0, 1).contiguous()   # (N, 1, S, S)
    return TensorDataset(x, torch.tensor(labels, dtype=torch.int64))


def _grey_step(model: nn.Module, batch, device: torch.device) -> torch.Tensor:
    """Cross-entropy of the RGB network on grey slices repeated to three channels."""
    x, y = batch
    x, y = x.to(device), y.to(device)
    return F.cross_entropy(model(x.expand(-1, 3, -1, -1)), y)


def pretrain_on_slices(model2d: nn.Module, dataset: TensorDataset, epochs: int,
                       batch_size: int = 32, lr: float = 1e-3, seed: int = 0,
                       device: torch.device | str | None = None,
                       desc: str = "2D pretraining") -> History:
    """Train a torchvision DenseNet (or any model with a ``classifier`` head) on the slices.

    The classifier is replaced by a new ``nn.Linear`` with one output per region; the network
    sees a grey slice ``x`` as the RGB image ``(x, x, x)``, which is what the inflated first
    convolution (summed over its input channels) will compute on one channel. Training runs with
    :func:`common.training.fit` (Adam, cross-entropy, no validation: the slices only serve to
    give the network features) and leaves the model in eval mode.

    Args:
        model2d: changed in place (new head, trained weights and BatchNorm statistics).
        dataset: from :func:`region_slice_dataset`.
        epochs: passes over the slices.
        batch_size, lr, seed: mini-batch size, Adam's learning rate, the shuffling seed.
        device: defaults to :func:`common.device.get_device`.
        desc: the progress bar's label.

    Returns:
        The :class:`~common.training.History` (one ``train_loss`` per epoch).
    """
    num_classes = int(dataset.tensors[1].max()) + 1
    torch.manual_seed(seed)
    model2d.classifier = nn.Linear(model2d.classifier.in_features, num_classes)
    loader = make_loader(dataset, batch_size=batch_size, shuffle=True, seed=seed)
    optimizer = torch.optim.Adam(model2d.parameters(), lr=lr)
    return fit(model2d, loader, None, optimizer=optimizer, max_epochs=epochs, step=_grey_step,
               device=device, desc=desc)
