"""Image backbones for slice classification: VGG16, ResNet50 and Swin, pretrained or narrow.

Every builder returns ``(module, feature_dim)``. When ImageNet weights are in the local cache the
standard model is built with them. Otherwise a *narrow* model of the same topology (same layers,
fewer channels; ``width`` < 1) is built with random weights, because a full-width network trained
from scratch on a 2-core CPU would not fit a lab's time budget; one warning says so.

What was built is said, not guessed: every builder prints one line per distinct model (name,
ImageNet or random weights, width, feature size) and stores the same facts as
``module.backbone_info`` (a dict, see :func:`backbone_info`), so a lab can record them beside its
metrics.
"""

from __future__ import annotations

import warnings

import timm
from timm.models.resnet import Bottleneck, ResNet
from torch import nn
from torchvision.models.vgg import make_layers

from ..pretrained import PretrainedWeightsWarning, cached_torchvision_weights, timm_model, \
    torchvision_model

__all__ = ["vgg16_features", "resnet50_trunk", "swin_trunk", "has_cached_weights",
           "backbone_info", "describe_backbone", "VGG16_CFG", "SWIN_NAME"]

#: VGG16's convolution widths ("M" = max-pooling), torchvision configuration "D".
VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
SWIN_NAME = "swin_tiny_patch4_window7_224"
_warned: set[str] = set()
_reported: set[tuple] = set()


def has_cached_weights(name: str) -> bool:
    """Whether ImageNet weights of ``name`` ("vgg16", "resnet50", "swin") are cached locally."""
    if name == "swin":
        from ..pretrained import _timm_cached

        return _timm_cached(SWIN_NAME)
    return cached_torchvision_weights(name) is not None


def _narrow_warning(name: str, width: float) -> None:
    if _warned:
        return
    _warned.add(name)
    warnings.warn(f"No cached ImageNet weights for {name}: building randomly initialised, "
                  f"narrow backbones ({name} at {width:g}x width) so that training fits a CPU "
                  f"time budget; results are lower than with pretrained weights.",
                  PretrainedWeightsWarning, stacklevel=3)


def _width(name: str, width: float | None, default: float) -> float:
    if width is None:
        width = 1.0 if has_cached_weights(name) else default
        if width < 1.0:
            _narrow_warning(name, width)
    return width


def describe_backbone(info: dict) -> str:
    """One line saying what was built, e.g. ``"resnet50: random init, 0.125x width, 256-d features"``."""
    weights = "ImageNet weights" if info["weights"] == "imagenet" else "random init"
    extra = f", {info['in_channels']} input channels" if info.get("in_channels", 3) != 3 else ""
    return (f"{info['backbone']}: {weights}, {info['width']:g}x width, "
            f"{info['feature_dim']}-d features{extra}")


def _built(module: nn.Module, name: str, pretrained: bool, width: float, feature_dim: int,
           in_channels: int = 3) -> nn.Module:
    """Attach ``backbone_info`` to ``module`` and print it the first time this model is built."""
    info = {"backbone": name, "weights": "imagenet" if pretrained else "random",
            "width": float(width), "feature_dim": int(feature_dim), "in_channels": int(in_channels)}
    module.backbone_info = info
    key = tuple(sorted(info.items()))
    if key not in _reported:
        _reported.add(key)
        print(f"Built {describe_backbone(info)}.")
    return module


def backbone_info(module: nn.Module) -> dict:
    """What a builder of this module built: ``backbone``, ``weights`` (``"imagenet"`` or
    ``"random"``), ``width``, ``feature_dim``, ``in_channels``.

    Raises:
        ValueError: the module was not made by a builder of this module.
    """
    info = getattr(module, "backbone_info", None)
    if info is None:
        raise ValueError(f"{type(module).__name__} was not built by common.classification's "
                         f"backbone builders, so what it holds is unknown.")
    return dict(info)


def vgg16_features(width: float | None = None, in_channels: int = 3) -> tuple[nn.Sequential, int]:
    """VGG16's convolutional part (13 convolutions, 5 ``MaxPool2d``), as ``vgg16().features``.

    Args:
        width: channel multiplier; ``None`` = 1.0 with cached ImageNet weights, else 0.25
            (batch-normalised, random init; 8-channel convolutions are slow on CPU). With
            width 1.0 the torchvision ``vgg16`` weights are used when cached.
        in_channels: input channels (3 for a slice triple).

    Returns:
        ``(features, out_channels)``; ``features`` maps (B, C, H, W) to (B, out, H/32, W/32).
    """
    width = _width("vgg16", width, 0.25)
    if width == 1.0 and in_channels == 3:
        pretrained = has_cached_weights("vgg16")
        features = torchvision_model("vgg16", weights="auto").features
        return _built(features, "vgg16", pretrained, width, 512), 512
    cfg = [v if v == "M" else max(4, int(v * width)) for v in VGG16_CFG]
    features = make_layers(cfg, batch_norm=True)
    if in_channels != 3:
        features[0] = nn.Conv2d(in_channels, cfg[0], kernel_size=3, padding=1)
    return _built(features, "vgg16", False, width, cfg[-2], in_channels), cfg[-2]


def resnet50_trunk(width: float | None = None, in_channels: int = 3) -> tuple[nn.Module, int]:
    """ResNet50 without its classifier: (B, C, H, W) → (B, feature_dim) pooled features.

    Args:
        width: channel multiplier; ``None`` = 1.0 (2048-d features, torchvision weights when
            cached) with cached weights, else 0.125 (256-d, random init).
        in_channels: input channels of the first convolution.
    """
    width = _width("resnet50", width, 0.125)
    if width == 1.0:
        pretrained = has_cached_weights("resnet50")
        model = torchvision_model("resnet50", weights="auto")
        model.fc = nn.Identity()
        if in_channels != 3:
            model.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        return _built(model, "resnet50", pretrained, width, 2048, in_channels), 2048
    channels = tuple(max(4, int(c * width)) for c in (64, 128, 256, 512))
    model = ResNet(Bottleneck, [3, 4, 6, 3], num_classes=0, in_chans=in_channels,
                   channels=channels, stem_width=channels[0])
    return _built(model, "resnet50", False, width, model.num_features, in_channels), model.num_features


def swin_trunk(img_size: int = 56, width: float | None = None) -> tuple[nn.Module, int]:
    """Swin Transformer (timm ``swin_tiny``) at a small image size with its head removed.

    Args:
        img_size: input side (56 gives 14 × 14 patches of 4 pixels and 7 × 7 windows).
        width: ``None`` = the standard swin_tiny (ImageNet weights when cached) with cached
            weights, else a narrow random one (embedding 24, depths 2-2-2-2).

    Returns:
        ``(model, feature_dim)``; ``model`` maps (B, 3, img_size, img_size) to (B, feature_dim).
    """
    width = _width("swin", width, 0.25)
    if width == 1.0:
        pretrained = has_cached_weights("swin")
        model = timm_model(SWIN_NAME, pretrained="auto", img_size=img_size, num_classes=0)
    else:
        pretrained = False
        embed = max(8, int(96 * width))
        model = timm.create_model(SWIN_NAME, pretrained=False, img_size=img_size, num_classes=0,
                                  embed_dim=embed, depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8))
    return _built(model, "swin", pretrained, width, model.num_features), model.num_features
