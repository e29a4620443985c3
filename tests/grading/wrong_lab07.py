"""Plausible wrong answers for lab07's graded solution cells, and the tests that must catch them.

``LAB07[solution grade_id] = [(wrong source, [test grade_ids that must fail]), ...]``, in the format
of ``tests/grading/wrong_answers.py``.
"""

__all__ = ["LAB07"]

# The correct halves of the inflate_densenet cell, so that each wrong answer holds one mistake.
_INFLATE_MODULE = '''
def inflate_module(module):
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            new = inflate_conv(child)
        elif isinstance(child, nn.BatchNorm2d):
            new = nn.BatchNorm3d(child.num_features, eps=child.eps, momentum=child.momentum)
            new.load_state_dict(child.state_dict())
        elif isinstance(child, nn.MaxPool2d):
            new = nn.MaxPool3d(child.kernel_size, child.stride, child.padding)
        elif isinstance(child, nn.AvgPool2d):
            new = nn.AvgPool3d(child.kernel_size, child.stride, child.padding)
        else:
            new = inflate_module(child)
        setattr(module, name, new)
    return module
'''
_INFLATE_DENSENET = '''
def inflate_densenet(model2d):
    model = copy.deepcopy(model2d)
    conv0 = model.features.conv0
    grey = nn.Conv2d(1, conv0.out_channels, conv0.kernel_size, conv0.stride, conv0.padding, bias=False)
    with torch.no_grad():
        grey.weight.copy_(conv0.weight.sum(dim=1, keepdim=True))
    model.features.conv0 = grey
    return DenseNet3D(inflate_module(model.features), model.classifier)
'''

LAB07 = {
    "split_regions": [
        ('''
def split_regions(ct, mask, fill_value=-1000.0):
    # multiplies by the region's mask: 0 HU outside the region instead of fill_value
    ct = np.asarray(ct, dtype=np.float32)
    mask = np.asarray(mask)
    if ct.shape != mask.shape:
        raise DataError(f"The mask has shape {mask.shape} but the CT {ct.shape}.")
    labels = {"tibia": 1, "femur": 2, "background": 0}
    return {name: ct * (mask == label) for name, label in labels.items()}
''', ["split_regions_values"]),
        ('''
def split_regions(ct, mask, fill_value=-1000.0):
    # relies on NumPy's broadcasting error instead of comparing the shapes: a (1, H, W) mask slips through
    ct = np.asarray(ct, dtype=np.float32)
    labels = {"tibia": 1, "femur": 2, "background": 0}
    try:
        return {name: np.where(np.asarray(mask) == label, ct, np.float32(fill_value)).astype(np.float32)
                for name, label in labels.items()}
    except ValueError:
        raise DataError("The mask and the CT have different shapes; use the mask of this CT.") from None
''', ["split_regions_bad_mask"]),
    ],
    "inflate_conv": [
        ('''
def inflate_conv(conv2d, depth=None):
    # repeats the kernel along depth but forgets to divide by the depth
    depth = conv2d.kernel_size[0] if depth is None else depth
    conv3d = nn.Conv3d(conv2d.in_channels, conv2d.out_channels, (depth, *conv2d.kernel_size),
                       stride=(conv2d.stride[0], *conv2d.stride),
                       padding=(conv2d.padding[0], *conv2d.padding), bias=conv2d.bias is not None)
    with torch.no_grad():
        conv3d.weight.copy_(conv2d.weight.unsqueeze(2).repeat(1, 1, depth, 1, 1))
        if conv2d.bias is not None:
            conv3d.bias.copy_(conv2d.bias)
    return conv3d
''', ["inflate_conv_weights", "inflate_conv_constant_depth"]),
    ],
    "inflate_densenet": [
        ('''
def inflate_module(module):
    # BatchNorm3d with fresh statistics and affine parameters instead of the 2D layer's
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            new = inflate_conv(child)
        elif isinstance(child, nn.BatchNorm2d):
            new = nn.BatchNorm3d(child.num_features, eps=child.eps, momentum=child.momentum)
        elif isinstance(child, nn.MaxPool2d):
            new = nn.MaxPool3d(child.kernel_size, child.stride, child.padding)
        elif isinstance(child, nn.AvgPool2d):
            new = nn.AvgPool3d(child.kernel_size, child.stride, child.padding)
        else:
            new = inflate_module(child)
        setattr(module, name, new)
    return module
''' + _INFLATE_DENSENET, ["inflate_densenet_layers", "inflate_densenet_constant_depth"]),
        ('''
def inflate_module(module):
    # copies the running statistics but not BatchNorm's affine weight and bias
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            new = inflate_conv(child)
        elif isinstance(child, nn.BatchNorm2d):
            new = nn.BatchNorm3d(child.num_features, eps=child.eps, momentum=child.momentum)
            with torch.no_grad():
                new.running_mean.copy_(child.running_mean)
                new.running_var.copy_(child.running_var)
        elif isinstance(child, nn.MaxPool2d):
            new = nn.MaxPool3d(child.kernel_size, child.stride, child.padding)
        elif isinstance(child, nn.AvgPool2d):
            new = nn.AvgPool3d(child.kernel_size, child.stride, child.padding)
        else:
            new = inflate_module(child)
        setattr(module, name, new)
    return module
''' + _INFLATE_DENSENET, ["inflate_densenet_layers", "inflate_densenet_constant_depth"]),
        (_INFLATE_MODULE + '''

def inflate_densenet(model2d):
    # averages conv0 over the RGB channels instead of summing them
    model = copy.deepcopy(model2d)
    conv0 = model.features.conv0
    grey = nn.Conv2d(1, conv0.out_channels, conv0.kernel_size, conv0.stride, conv0.padding, bias=False)
    with torch.no_grad():
        grey.weight.copy_(conv0.weight.mean(dim=1, keepdim=True))
    model.features.conv0 = grey
    return DenseNet3D(inflate_module(model.features), model.classifier)
''', ["inflate_densenet_layers", "inflate_densenet_constant_depth"]),
    ],
    "collect_features": [
        ('''
def collect_features(model3d, x, layers=LAYERS):
    # pools over H and W only, and never removes the hooks
    vectors = {}
    for name in layers:
        getattr(model3d.features, name).register_forward_hook(
            lambda m, i, o, name=name: vectors.__setitem__(name, o.mean(dim=(3, 4))))
    with torch.inference_mode():
        model3d.features(x)
    return {name: vectors[name] for name in layers}
''', ["collect_features_values", "collect_features_removes_hooks"]),
    ],
    "cosine_similarity": [
        ('''
def cosine(a, b):
    # forgets to normalise by the norms (a dot product)
    return float(np.dot(np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()))


def similarity_table(features):
    # pairs in another order, and no pair_id column
    rows = [{"layer": layer, "region_a": a, "region_b": b,
             "cosine_similarity": cosine(features[a][layer], features[b][layer])}
            for layer in LAYERS for a, b in (("tibia", "femur"), ("femur", "background"), ("tibia", "background"))]
    return pd.DataFrame(rows)
''', ["cosine_matches_sklearn", "similarity_table_layout"]),
    ],
}
