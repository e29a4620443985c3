"""Plausible wrong answers for lab02's and lab03's graded solution cells, and the tests that must catch them.

``LAB0N[solution grade_id] = [(wrong source, [test grade_ids that must fail]), ...]``, in the format
of ``tests/grading/wrong_answers.py``.
"""

__all__ = ["LAB02", "LAB03"]

LAB02 = {
    "stack_adjacent_slices": [
        ('''
def stack_adjacent_slices(volume, index):
    # wraps around at the edges (index - 1 = -1 is the last slice)
    depth = volume.shape[0]
    return np.stack([volume[index - 1], volume[index], volume[(index + 1) % depth]])
''', ["slice_stack_edges"]),
        ('''
def stack_adjacent_slices(volume, index):
    # stacks the slices along the last axis, (H, W, 3) as in an RGB image, instead of (3, H, W)
    depth = volume.shape[0]
    picks = [min(max(index + offset, 0), depth - 1) for offset in (-1, 0, 1)]
    return np.stack([volume[i] for i in picks], axis=-1)
''', ["slice_stack_interior", "slice_stack_edges"]),
    ],
    "encode_metadata": [
        ('''
def encode_metadata(age, sex, age_mean, age_std):
    # raw age, no standardisation, and no check of the sex values
    age = np.asarray(age, dtype=np.float32)
    sex = np.asarray(sex).astype(str)
    return np.stack([age, (sex == "M").astype(np.float32)], axis=1).astype(np.float32)
''', ["metadata_encoding", "metadata_invalid_sex"]),
    ],
    "adapt_vgg16": [
        ('''
def adapt_vgg16(features, keep_pools=3):
    # replaces every max-pooling, ignoring keep_pools
    layers = [nn.Identity() if isinstance(l, nn.MaxPool2d) else l for l in features]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
''', ["vgg_adaptation_layers", "vgg_adaptation_output"]),
    ],
    "fusion_classifier": [
        ('''
class FusionClassifier(nn.Module):
    # always concatenates the metadata, even for the image-only model
    def __init__(self, backbone, feature_dim, meta_dim=2, num_classes=2, use_meta=True):
        super().__init__()
        self.backbone = backbone
        self.classifier = nn.Linear(feature_dim + meta_dim, num_classes)

    def forward(self, image, meta):
        return self.classifier(torch.cat([self.backbone(image), meta], dim=1))
''', ["fusion_image_only"]),
        ('''
class FusionClassifier(nn.Module):
    # concatenates [meta, features] (metadata first) instead of [features, meta]
    def __init__(self, backbone, feature_dim, meta_dim=2, num_classes=2, use_meta=True):
        super().__init__()
        self.backbone = backbone
        self.use_meta = use_meta
        self.classifier = nn.Linear(feature_dim + (meta_dim if use_meta else 0), num_classes)

    def forward(self, image, meta):
        features = self.backbone(image)
        if self.use_meta:
            features = torch.cat([meta, features], dim=1)
        return self.classifier(features)
''', ["fusion_head_shapes"]),
    ],
}

LAB03 = {
    "early_fusion_stack": [
        ('''
def early_fusion_stack(volume, index, n_channels):
    # plain slicing: no clamping at the edges
    start = index - n_channels // 2
    return volume[max(start, 0):start + n_channels]
''', ["early_stack_edges"]),
        ('''
def early_fusion_stack(volume, index, n_channels):
    # centres the window with (n_channels - 1) // 2: an even count starts one slice too late
    start = index - (n_channels - 1) // 2
    picks = np.clip(np.arange(start, start + n_channels), 0, volume.shape[0] - 1)
    return np.stack([volume[i] for i in picks])
''', ["early_stack_interior", "early_stack_edges"]),
    ],
    "inflate_first_conv": [
        ('''
def inflate_first_conv(conv, in_channels):
    # repeats the RGB kernel twice without rescaling
    new = nn.Conv2d(in_channels, conv.out_channels, kernel_size=conv.kernel_size, stride=conv.stride,
                    padding=conv.padding, bias=conv.bias is not None)
    with torch.no_grad():
        new.weight.copy_(conv.weight.repeat(1, in_channels // 3, 1, 1))
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    return new
''', ["inflate_conv_equivalence"]),
        ('''
def inflate_first_conv(conv, in_channels):
    # forgets the stride and the padding (the new layer has stride 1 and no padding)
    new = nn.Conv2d(in_channels, conv.out_channels, kernel_size=conv.kernel_size,
                    bias=conv.bias is not None)
    with torch.no_grad():
        summed = conv.weight.sum(dim=1, keepdim=True)
        new.weight.copy_(summed.repeat(1, in_channels, 1, 1) / in_channels)
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    return new
''', ["inflate_conv_settings"]),
    ],
}

LAB03.update({
    "late_fusion": [
        ('''
def fuse_probabilities(logits, weights):
    # averages the logits with the weights, then takes one softmax (not the average of probabilities)
    mixed = sum(w * torch.as_tensor(l, dtype=torch.float64) for w, l in zip(weights, logits))
    return torch.softmax(mixed, dim=1)[:, 1].numpy()


def fit_fusion_weights(val_probs, val_labels, step=0.05):
    val_probs = np.asarray(val_probs, dtype=np.float64)
    m, n = val_probs.shape[1], int(round(1.0 / step))
    best_auc, best_w = -np.inf, None
    for combo in itertools.product(range(n + 1), repeat=m - 1):
        if sum(combo) > n:
            continue
        w = np.array([*combo, n - sum(combo)], dtype=np.float64) / n
        auc = roc_auc(val_labels, val_probs @ w)
        if auc > best_auc + 1e-12 or (abs(auc - best_auc) <= 1e-12 and w.std() < best_w.std()):
            best_auc, best_w = auc, w
    return best_w
''', ["late_fusion_probabilities"]),
        ('''
def fuse_probabilities(logits, weights):
    probs = np.stack([torch.softmax(torch.as_tensor(l, dtype=torch.float64), 1)[:, 1].numpy() for l in logits], 1)
    return probs @ np.asarray(weights, dtype=np.float64)


def fit_fusion_weights(val_probs, val_labels, step=0.05):
    # searches each weight in [0, 1] on its own: the weights are never normalised to sum to 1
    val_probs = np.asarray(val_probs, dtype=np.float64)
    ticks = np.arange(0.0, 1.0 + 1e-9, step)
    best_auc, best_w = -np.inf, None
    for w in itertools.product(ticks, repeat=val_probs.shape[1]):
        w = np.array(w)
        if not w.any():
            continue
        auc = roc_auc(val_labels, val_probs @ w)
        if auc > best_auc + 1e-12:
            best_auc, best_w = auc, w
    return best_w
''', ["fusion_weights_on_simplex"]),
        ('''
def fuse_probabilities(logits, weights):
    probs = np.stack([torch.softmax(torch.as_tensor(l, dtype=torch.float64), 1)[:, 1].numpy() for l in logits], 1)
    return probs @ np.asarray(weights, dtype=np.float64)


def fit_fusion_weights(val_probs, val_labels, step=0.05):
    # maximises the accuracy at the 0.5 threshold instead of the ROC-AUC
    val_probs = np.asarray(val_probs, dtype=np.float64)
    m, n = val_probs.shape[1], int(round(1.0 / step))
    best, best_w = -np.inf, None
    for combo in itertools.product(range(n + 1), repeat=m - 1):
        if sum(combo) > n:
            continue
        w = np.array([*combo, n - sum(combo)], dtype=np.float64) / n
        acc = np.mean((val_probs @ w > 0.5) == np.asarray(val_labels))
        if acc > best + 1e-12 or (abs(acc - best) <= 1e-12 and w.std() < best_w.std()):
            best, best_w = acc, w
    return best_w
''', ["fusion_weights_maximise_auc"]),
        ('''
def fuse_probabilities(logits, weights):
    probs = np.stack([torch.softmax(torch.as_tensor(l, dtype=torch.float64), 1)[:, 1].numpy() for l in logits], 1)
    return probs @ np.asarray(weights, dtype=np.float64)


def fit_fusion_weights(val_probs, val_labels, step=0.05):
    # weights proportional to each model's own validation ROC-AUC: no search for the best mix
    val_probs = np.asarray(val_probs, dtype=np.float64)
    aucs = np.array([roc_auc(val_labels, val_probs[:, k]) for k in range(val_probs.shape[1])])
    return aucs / aucs.sum()
''', ["fusion_weights_on_simplex", "fusion_weights_maximise_auc"]),
    ],
    "conv3d_head": [
        ('''
class Conv3dHead(nn.Module):
    # no batch normalisation at all: convolution, ReLU, average, linear
    def __init__(self, in_channels, num_classes=2, hidden=32):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, hidden, kernel_size=3, padding=1, bias=False)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4)))
''', ["head3d_batchnorm"]),
        ('''
class Conv3dHead(nn.Module):
    def __init__(self, in_channels, num_classes=2, hidden=32):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, hidden, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm3d(hidden)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x):
        # builds self.bn but never applies it
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4)))
''', ["head3d_batchnorm"]),
        ('''
class Conv3dHead(nn.Module):
    def __init__(self, in_channels, num_classes=2, hidden=32):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, hidden, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm3d(hidden)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x):
        # global max pooling instead of the average
        return self.fc(torch.relu(self.bn(self.conv(x))).amax(dim=(2, 3, 4)))
''', ["head3d_global_average"]),
        ('''
class Conv3dHead(nn.Module):
    def __init__(self, in_channels, num_classes=2, hidden=32):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, hidden, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm3d(hidden)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x):
        # averages over the channel axis (1) instead of the depth axis (2)
        return self.fc(torch.relu(self.bn(self.conv(x))).mean(dim=(1, 3, 4)))
''', ["head3d_shapes_and_field", "head3d_global_average"]),
        ('''
class Conv3dHead(nn.Module):
    def __init__(self, in_channels, num_classes=2, hidden=32):
        super().__init__()
        # no padding: the 3x3x3 convolution shrinks the map, and a 2x2x2 map disappears
        self.conv = nn.Conv3d(in_channels, hidden, kernel_size=3, bias=False)
        self.bn = nn.BatchNorm3d(hidden)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).mean(dim=(2, 3, 4)))
''', ["head3d_shapes_and_field"]),
    ],
})
