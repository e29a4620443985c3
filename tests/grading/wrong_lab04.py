"""Plausible wrong answers for lab04's graded solution cells, and the tests that must catch them.

``LAB04[solution grade_id] = [(wrong source, [test grade_ids that must fail]), ...]``, in the format
of ``tests/grading/wrong_answers.py``.
"""

__all__ = ["LAB04"]

LAB04 = {
    "dice_iou": [
        ('''
def dice_score(pred, target):
    # forgets the factor 2 of Dice
    pred = torch.as_tensor(pred).bool().flatten(1)
    target = torch.as_tensor(target).bool().flatten(1)
    inter = (pred & target).sum(1).double()
    return inter / (pred.sum(1) + target.sum(1)).double().clamp(min=1)


def iou_score(pred, target):
    # divides by the sum of the areas instead of the union
    pred = torch.as_tensor(pred).bool().flatten(1)
    target = torch.as_tensor(target).bool().flatten(1)
    inter = (pred & target).sum(1).double()
    return inter / (pred.sum(1) + target.sum(1)).double().clamp(min=1)
''', ["dice_matches_monai", "iou_matches_monai"]),
    ],
    "soft_dice": [
        ('''
def soft_dice_loss(logits, labels, smooth=1e-5):
    # no smoothing term: an empty mask predicted empty scores Dice 0 instead of 1
    probs = torch.softmax(logits, dim=1)
    onehot = nn.functional.one_hot(labels[:, 0].long(), logits.shape[1]).movedim(-1, 1).to(probs.dtype)
    intersection = (probs * onehot).sum((2, 3))
    return (1 - 2 * intersection / (probs.sum((2, 3)) + onehot.sum((2, 3)))).mean()
''', ["soft_dice_empty_mask"]),
        ('''
def soft_dice_loss(logits, labels, smooth=1e-5):
    # squares the terms of the denominator (the V-Net variant), which the reference does not
    probs = torch.softmax(logits, dim=1)
    onehot = nn.functional.one_hot(labels[:, 0].long(), logits.shape[1]).movedim(-1, 1).to(probs.dtype)
    intersection = (probs * onehot).sum((2, 3))
    denominator = (probs ** 2).sum((2, 3)) + (onehot ** 2).sum((2, 3))
    return (1 - (2 * intersection + smooth) / (denominator + smooth)).mean()
''', ["soft_dice_matches_monai"]),
        ('''
def soft_dice_loss(logits, labels, smooth=1e-5):
    # sums over the whole batch: one Dice per class instead of one per image and class
    probs = torch.softmax(logits, dim=1)
    onehot = nn.functional.one_hot(labels[:, 0].long(), logits.shape[1]).movedim(-1, 1).to(probs.dtype)
    intersection = (probs * onehot).sum((0, 2, 3))
    denominator = probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return (1 - (2 * intersection + smooth) / (denominator + smooth)).mean()
''', ["soft_dice_per_image"]),
        ('''
def soft_dice_loss(logits, labels, smooth=1e-5):
    # applies the softmax twice (on logits that already went through one)
    probs = torch.softmax(torch.softmax(logits, dim=1), dim=1)
    onehot = nn.functional.one_hot(labels[:, 0].long(), logits.shape[1]).movedim(-1, 1).to(probs.dtype)
    intersection = (probs * onehot).sum((2, 3))
    denominator = probs.sum((2, 3)) + onehot.sum((2, 3))
    return (1 - (2 * intersection + smooth) / (denominator + smooth)).mean()
''', ["soft_dice_matches_monai"]),
        ('''
def soft_dice_loss(logits, labels, smooth=1e-5):
    # no softmax: uses the raw logits as if they were probabilities
    probs = logits
    onehot = nn.functional.one_hot(labels[:, 0].long(), logits.shape[1]).movedim(-1, 1).to(probs.dtype)
    intersection = (probs * onehot).sum((2, 3))
    denominator = probs.sum((2, 3)) + onehot.sum((2, 3))
    return (1 - (2 * intersection + smooth) / (denominator + smooth)).mean()
''', ["soft_dice_matches_monai"]),
    ],
    "hd95": [
        ('''
def hausdorff95(pred, target):
    # the plain Hausdorff distance (the maximum) instead of the 95th percentile
    pred, target = torch.as_tensor(pred).bool().numpy(), torch.as_tensor(target).bool().numpy()
    out = []
    for p, t in zip(pred, target):
        if not p.any() and not t.any():
            out.append(0.0)
        elif not p.any() or not t.any():
            out.append(float(np.hypot(*p.shape)))
        else:
            p_edge, t_edge = p & ~ndimage.binary_erosion(p), t & ~ndimage.binary_erosion(t)
            out.append(max(ndimage.distance_transform_edt(~t_edge)[p_edge].max(),
                           ndimage.distance_transform_edt(~p_edge)[t_edge].max()))
    return torch.tensor(out, dtype=torch.float64)
''', ["hd95_matches_monai"]),
        ('''
def hausdorff95(pred, target):
    # one direction only: from the prediction's edge to the truth's, not back
    pred, target = torch.as_tensor(pred).bool().numpy(), torch.as_tensor(target).bool().numpy()
    out = []
    for p, t in zip(pred, target):
        if not p.any() and not t.any():
            out.append(0.0)
        elif not p.any() or not t.any():
            out.append(float(np.hypot(*p.shape)))
        else:
            p_edge, t_edge = p & ~ndimage.binary_erosion(p), t & ~ndimage.binary_erosion(t)
            out.append(np.percentile(ndimage.distance_transform_edt(~t_edge)[p_edge], 95))
    return torch.tensor(out, dtype=torch.float64)
''', ["hd95_matches_monai"]),
        ('''
def hausdorff95(pred, target):
    # distances to the nearest foreground pixel of the other mask, not to its edge
    pred, target = torch.as_tensor(pred).bool().numpy(), torch.as_tensor(target).bool().numpy()
    out = []
    for p, t in zip(pred, target):
        if not p.any() and not t.any():
            out.append(0.0)
        elif not p.any() or not t.any():
            out.append(float(np.hypot(*p.shape)))
        else:
            out.append(max(np.percentile(ndimage.distance_transform_edt(~t)[p], 95),
                           np.percentile(ndimage.distance_transform_edt(~p)[t], 95)))
    return torch.tensor(out, dtype=torch.float64)
''', ["hd95_matches_monai"]),
        ('''
def hausdorff95(pred, target):
    # an empty mask on either side counts as distance 0 (nothing to measure), so an empty
    # prediction of a visible structure looks perfect
    pred, target = torch.as_tensor(pred).bool().numpy(), torch.as_tensor(target).bool().numpy()
    out = []
    for p, t in zip(pred, target):
        if not p.any() or not t.any():
            out.append(0.0)
        else:
            p_edge, t_edge = p & ~ndimage.binary_erosion(p), t & ~ndimage.binary_erosion(t)
            out.append(max(np.percentile(ndimage.distance_transform_edt(~t_edge)[p_edge], 95),
                           np.percentile(ndimage.distance_transform_edt(~p_edge)[t_edge], 95)))
    return torch.tensor(out, dtype=torch.float64)
''', ["hd95_empty_masks"]),
    ],
    "unet_blocks": [
        ('''
class DoubleConv(nn.Sequential):
    # ReLU before BatchNorm
    def __init__(self, in_channels, out_channels):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.ReLU(inplace=True),
            nn.BatchNorm2d(out_channels),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), nn.ReLU(inplace=True),
            nn.BatchNorm2d(out_channels))


class UpBlock(nn.Module):
    # adds the skip instead of concatenating it
    def __init__(self, in_channels, skip_channels, out_channels):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, skip_channels, kernel_size=2, stride=2)
        self.conv = DoubleConv(skip_channels, out_channels)

    def forward(self, x, skip):
        return self.conv(self.up(x) + skip)
''', ["double_conv_layers", "up_block_concatenates"]),
    ],
    "unet": [
        ('''
class UNet(nn.Module):
    # pairs the deepest UpBlock with the shallowest skip (skips not reversed)
    def __init__(self, in_channels=1, num_classes=2, features=(8, 16, 32, 64)):
        super().__init__()
        f = list(features)
        self.encoder = nn.ModuleList(
            [DoubleConv(c_in, c_out) for c_in, c_out in zip([in_channels] + f[:-2], f[:-1])])
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = DoubleConv(f[-2], f[-1])
        self.decoder = nn.ModuleList(
            [UpBlock(f[i + 1], f[i], f[i]) for i in reversed(range(len(f) - 1))])
        self.head = nn.Conv2d(f[0], num_classes, kernel_size=1)

    def forward(self, x):
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, skip in zip(self.decoder, skips):
            x = up(x, skip)
        return self.head(x)
''', ["unet_output_shape"]),
        ('''
class UNet(nn.Module):
    # keeps the blocks in plain Python lists: they are not registered as submodules (not trained)
    def __init__(self, in_channels=1, num_classes=2, features=(8, 16, 32, 64)):
        super().__init__()
        f = list(features)
        self.encoder = [DoubleConv(c_in, c_out) for c_in, c_out in zip([in_channels] + f[:-2], f[:-1])]
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = DoubleConv(f[-2], f[-1])
        self.decoder = [UpBlock(f[i + 1], f[i], f[i]) for i in reversed(range(len(f) - 1))]
        self.head = nn.Conv2d(f[0], num_classes, kernel_size=1)

    def forward(self, x):
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, skip in zip(self.decoder, reversed(skips)):
            x = up(x, skip)
        return self.head(x)
''', ["unet_paths"]),
    ],
    "fcn8s_fusion": [
        ('''
def fcn8s_fuse(score_fr, score_pool4, score_pool3, up2_fr, up2_pool4, up8):
    # forgets the pool3 skip (this is FCN-16s)
    x = up2_fr(score_fr) + score_pool4
    return up8(up2_pool4(x))
''', ["fcn8s_fusion_sums"]),
    ],
    "fcn8s": [
        ('''
class FCN8s(nn.Module):
    # score layers one stage too deep (pool4 and pool5 instead of pool3 and pool4)
    def __init__(self, in_channels=1, num_classes=2, widths=(8, 16, 32, 64, 64), fc_channels=128):
        super().__init__()
        self.encoder = VGGEncoder(in_channels, widths)
        self.classifier = nn.Sequential(
            nn.Conv2d(widths[4], fc_channels, 3, padding=1), nn.ReLU(inplace=True), nn.Dropout2d(0.2),
            nn.Conv2d(fc_channels, fc_channels, 1), nn.ReLU(inplace=True), nn.Dropout2d(0.2))
        self.score_fr = nn.Conv2d(fc_channels, num_classes, 1)
        self.score_pool4 = nn.Conv2d(widths[4], num_classes, 1)
        self.score_pool3 = nn.Conv2d(widths[3], num_classes, 1)
        self.up2_fr = nn.ConvTranspose2d(num_classes, num_classes, 3, stride=1, padding=1)
        self.up2_pool4 = nn.ConvTranspose2d(num_classes, num_classes, 4, stride=2, padding=1)
        self.up8 = nn.ConvTranspose2d(num_classes, num_classes, 32, stride=16, padding=8)

    def forward(self, x):
        pool3, pool4, pool5 = self.encoder(x)
        return fcn8s_fuse(self.score_fr(self.classifier(pool5)), self.score_pool4(pool5),
                          self.score_pool3(pool4), self.up2_fr, self.up2_pool4, self.up8)
''', ["fcn8s_structure"]),
    ],
    "rle": [
        ('''
def rle_encode(mask):
    # row-major order (NumPy's default flatten) instead of top to bottom, then left to right
    pixels = np.concatenate([[0], (np.asarray(mask) != 0).flatten().astype(np.int8), [0]])
    changes = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    return " ".join(f"{s} {e - s}" for s, e in zip(changes[::2], changes[1::2]))


def rle_decode(rle, shape):
    flat = np.zeros(shape[0] * shape[1], dtype=bool)
    values = [int(v) for v in str(rle).split()]
    for start, length in zip(values[::2], values[1::2]):
        flat[start - 1:start - 1 + length] = True
    return flat.reshape(shape)
''', ["rle_encode_examples", "rle_round_trip"]),
    ],
}
