"""common.classification: loaders, augmentation, backbones, scores, late fusion."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from common.classification import (AugmentedDataset, fit_late_fusion_weights, late_fusion_scores,
                                   make_loader, positive_scores, resize_slices, resnet50_trunk,
                                   roc_auc_from_logits, slice_augmentation, swin_trunk,
                                   vgg16_features)
from common.errors import DataError, ShapeError


def test_resize_slices_shape_and_error():
    out = resize_slices(torch.rand(2, 3, 64, 64), 32)
    assert tuple(out.shape) == (2, 3, 32, 32)
    with pytest.raises(DataError, match="expects"):
        resize_slices(torch.rand(3, 64, 64), 32)


def test_make_loader_batches_inputs_and_is_seeded():
    x, m, y = torch.rand(10, 3, 8, 8), torch.rand(10, 2), np.arange(10) % 2
    (xb, mb), yb = next(iter(make_loader(x, m, labels=y, batch_size=4)))
    assert tuple(xb.shape) == (4, 3, 8, 8) and tuple(mb.shape) == (4, 2) and yb.dtype == torch.long
    a = [b[1].tolist() for b in make_loader(x, m, labels=np.arange(10), shuffle=True, seed=1)]
    b = [b[1].tolist() for b in make_loader(x, m, labels=np.arange(10), shuffle=True, seed=1)]
    assert a == b


def test_augmentation_keeps_shape_and_is_seeded():
    img = torch.rand(4, 3, 16, 16)
    ds1 = AugmentedDataset([img, torch.rand(4, 2)], [0, 1, 0, 1], slice_augmentation(prob=1.0, seed=3))
    ds2 = AugmentedDataset([img, torch.rand(4, 2)], [0, 1, 0, 1], slice_augmentation(prob=1.0, seed=3))
    (a, _), _ = ds1[0]
    (b, _), _ = ds2[0]
    assert tuple(a.shape) == (3, 16, 16) and torch.allclose(a, b)
    assert not torch.allclose(a, img[0]), "with prob=1 the image must change"
    vol = AugmentedDataset([torch.rand(2, 1, 6, 16, 16)], [0, 1], slice_augmentation(prob=1.0))
    assert tuple(vol[0][0][0].shape) == (1, 6, 16, 16)


def test_backbones_give_declared_feature_sizes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for build, size in ((vgg16_features, 32), (resnet50_trunk, 32)):
            model, dim = build(width=0.0625)
            out = model(torch.rand(2, 3, size, size))
            assert out.shape[1] == dim
        swin, dim = swin_trunk(img_size=56, width=0.125)
        assert tuple(swin(torch.rand(1, 3, 56, 56)).shape) == (1, dim)
        six, dim6 = resnet50_trunk(width=0.0625, in_channels=6)
        assert tuple(six(torch.rand(2, 6, 32, 32)).shape) == (2, dim6)


def test_scores_and_auc_from_logits():
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    assert np.allclose(positive_scores(logits), torch.softmax(logits, 1)[:, 1].numpy())
    assert roc_auc_from_logits(logits, torch.tensor([0, 1, 1])) == pytest.approx(1.0)
    assert np.isnan(roc_auc_from_logits(logits, torch.tensor([1, 1, 1])))


def test_late_fusion_weights_prefer_the_informative_model(rng):
    y = rng.integers(0, 2, 200)
    good = y + rng.normal(0, 0.5, 200)
    noise = rng.normal(0, 1, 200)
    w = fit_late_fusion_weights(np.stack([noise, good], 1), y, step=0.1)
    assert w.sum() == pytest.approx(1.0) and w[1] > w[0]
    fused = late_fusion_scores(np.stack([noise, good], 1), w)
    assert roc_auc_score(y, fused) >= roc_auc_score(y, noise)
    with pytest.raises(ShapeError):
        late_fusion_scores(np.ones((3, 2)), np.ones(3) / 3)
