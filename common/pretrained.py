"""Pretrained weights only from the local cache: never a download, at most one warning.

``weights="auto"`` (the labs' default) uses ImageNet/COCO weights when they are already in the
torch hub or Hugging Face cache and otherwise builds the model with random weights and warns once
per process. ``weights=True`` insists on cached weights and raises a clear error when there are
none; ``weights=False`` always builds a random model.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch
import torchvision

from .errors import CourseError

__all__ = ["torchvision_model", "timm_model", "cached_torchvision_weights", "PretrainedWeightsWarning"]


class PretrainedWeightsWarning(UserWarning):
    """Pretrained weights were asked for but are not in the local cache."""


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if "any" in _warned:
        return
    _warned.add("any")
    warnings.warn(message, PretrainedWeightsWarning, stacklevel=3)


def cached_torchvision_weights(name: str, weights: str = "DEFAULT"):
    """The torchvision weights enum for ``name`` when its file is in the hub cache, else None."""
    enum = torchvision.models.get_model_weights(name)[weights]
    path = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(enum.url)
    return enum if path.is_file() else None


def torchvision_model(name: str, weights: bool | str = "auto", **kwargs) -> torch.nn.Module:
    """Build ``torchvision.models.get_model(name)`` with cached weights when available.

    Args:
        name: a torchvision model name (``"resnet50"``, ``"vgg16"``, ``"densenet121"``,
            ``"fasterrcnn_mobilenet_v3_large_fpn"``).
        weights: ``"auto"``, ``True`` or ``False`` (see the module docstring).
        **kwargs: passed to the builder (``num_classes``, ``min_size`` ...).

    Raises:
        CourseError: ``weights=True`` and no cached weights.
    """
    if weights is False or weights is None:
        return torchvision.models.get_model(name, weights=None, **kwargs)
    enum = cached_torchvision_weights(name)
    if enum is None:
        if weights is True:
            raise CourseError(
                f"Pretrained weights for {name} are not in the local cache "
                f"({torch.hub.get_dir()}/checkpoints) and the course never downloads; copy the "
                f"file there or use weights='auto' to train from random initialisation."
            )
        _warn_once(f"No cached pretrained weights for {name}: using random initialisation "
                   f"(results will be lower than with ImageNet/COCO weights).")
        return torchvision.models.get_model(name, weights=None, **kwargs)
    return torchvision.models.get_model(name, weights=enum, **kwargs)


def _timm_cached(name: str) -> bool:
    import timm

    try:
        cfg = timm.models.get_pretrained_cfg(name)
        repo = getattr(cfg, "hf_hub_id", None) if cfg is not None else None
        if not repo:
            return False
        from huggingface_hub import try_to_load_from_cache

        return any(isinstance(try_to_load_from_cache(repo, f), str)
                   for f in ("model.safetensors", "pytorch_model.bin"))
    except Exception:  # any failure to look up the cache means "not cached"
        return False


def timm_model(name: str, pretrained: bool | str = "auto", **kwargs) -> torch.nn.Module:
    """Build ``timm.create_model(name)`` with cached weights when available (never downloads).

    Raises:
        CourseError: ``pretrained=True`` and no cached weights.
    """
    import timm

    if pretrained is False or pretrained is None:
        return timm.create_model(name, pretrained=False, **kwargs)
    if not _timm_cached(name):
        if pretrained is True:
            raise CourseError(
                f"Pretrained weights for {name} are not in the local Hugging Face cache and the "
                f"course never downloads; use pretrained='auto' to train from random "
                f"initialisation."
            )
        _warn_once(f"No cached pretrained weights for {name}: using random initialisation.")
        return timm.create_model(name, pretrained=False, **kwargs)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return timm.create_model(name, pretrained=True, **kwargs)
