"""Plausible wrong answers for lab06's graded solution cells, and the tests that must catch them.

``LAB06[solution grade_id] = [(wrong source, [test grade_ids that must fail]), ...]``, in the format
of ``tests/grading/wrong_answers.py``.
"""

__all__ = ["LAB06"]

_STANDARDISE = '''
def standardise(array):
    array = np.asarray(array, dtype=np.float64)
    sd = array.std()
    return ((array - array.mean()) / sd if sd > 0 else np.zeros_like(array)).astype(np.float32)
'''

_CROP_2D = '''
def disc_crop_2d(image, mask, label, spacing, fov_mm=FOV_MM, size=CROP):
    voxels = np.argwhere(np.asarray(mask) == label)
    if len(voxels) == 0:
        raise ValueError(f"disc {label} is not in the mask")
    z = int(round(voxels[:, 0].mean()))
    r0, c0 = voxels[voxels[:, 0] == z, 1:].mean(axis=0)
    offsets = (np.arange(size) - (size - 1) / 2) * fov_mm / size
    rows, cols = np.meshgrid(r0 + offsets / spacing[1], c0 + offsets / spacing[2], indexing="ij")
    crop = ndimage.map_coordinates(np.asarray(image[z], np.float64), [rows, cols], order=1,
                                   mode="nearest")
    return standardise(crop)
'''

_BLOCK_3D = '''
def disc_block_3d(image, mask, label, spacing, fov_mm=FOV_MM, size=BLOCK, depth=DEPTH, depth_mm=DEPTH_MM):
    voxels = np.argwhere(np.asarray(mask) == label)
    if len(voxels) == 0:
        raise ValueError(f"disc {label} is not in the mask")
    z0, r0, c0 = voxels.mean(axis=0)
    along = (np.arange(depth) - (depth - 1) / 2) * depth_mm / depth
    within = (np.arange(size) - (size - 1) / 2) * fov_mm / size
    grid = np.meshgrid(z0 + along / spacing[0], r0 + within / spacing[1], c0 + within / spacing[2],
                       indexing="ij")
    block = ndimage.map_coordinates(np.asarray(image, np.float64), grid, order=1, mode="nearest")
    return standardise(block)
'''

_CAE_METHODS = '''
    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))
'''

_GEOMETRY = '''
def disc_geometry(region, spacing):
    region = np.asarray(region).astype(np.uint8)
    if not region.any():
        raise ValueError("the region is empty")
    props = regionprops(region, spacing=tuple(float(s) for s in spacing))[0]
    deg = float(np.rad2deg(props.orientation))
    angle = deg - 90.0 if deg > 0 else deg + 90.0
    return {"height_mm": float(props.axis_minor_length), "width_mm": float(props.axis_major_length),
            "angle_deg": angle}
'''

_DHI = '''
def disc_height_index(mask, disc_label, spacing):
    mask = np.asarray(mask)
    k = int(disc_label) - 200
    bodies = [disc_geometry(mask == v, spacing)["height_mm"] for v in (k, k - 1)
              if v >= 1 and (mask == v).any()]
    return disc_geometry(mask == disc_label, spacing)["height_mm"] / float(np.mean(bodies))
'''

LAB06 = {
    "disc_crops": [
        (_STANDARDISE + '''
def disc_crop_2d(image, mask, label, spacing, fov_mm=FOV_MM, size=CROP):
    # crops the disc's bounding box and stretches it to size x size: the aspect ratio is lost
    from skimage.transform import resize
    voxels = np.argwhere(np.asarray(mask) == label)
    if len(voxels) == 0:
        raise ValueError(f"disc {label} is not in the mask")
    z = int(round(voxels[:, 0].mean()))
    (r0, c0), (r1, c1) = voxels[:, 1:].min(axis=0), voxels[:, 1:].max(axis=0)
    box = np.asarray(image[z], np.float64)[r0:r1 + 1, c0:c1 + 1]
    return standardise(resize(box, (size, size), order=1))


def disc_block_3d(image, mask, label, spacing, fov_mm=FOV_MM, size=BLOCK, depth=DEPTH, depth_mm=DEPTH_MM):
    # the same bounding box in 3D, stretched to depth x size x size
    from skimage.transform import resize
    voxels = np.argwhere(np.asarray(mask) == label)
    if len(voxels) == 0:
        raise ValueError(f"disc {label} is not in the mask")
    lo, hi = voxels.min(axis=0), voxels.max(axis=0)
    box = np.asarray(image, np.float64)[lo[0]:hi[0] + 1, lo[1]:hi[1] + 1, lo[2]:hi[2] + 1]
    return standardise(resize(box, (depth, size, size), order=1))
''', ["crop_2d_keeps_millimetres", "block_3d_keeps_millimetres"]),
        (_STANDARDISE + _CROP_2D + '''
def disc_block_3d(image, mask, label, spacing, fov_mm=FOV_MM, size=BLOCK, depth=DEPTH, depth_mm=DEPTH_MM):
    # steps one slice at a time across the sagittal planes, ignoring depth_mm and the slice spacing
    voxels = np.argwhere(np.asarray(mask) == label)
    if len(voxels) == 0:
        raise ValueError(f"disc {label} is not in the mask")
    z0, r0, c0 = voxels.mean(axis=0)
    along = np.arange(depth) - (depth - 1) / 2
    within = (np.arange(size) - (size - 1) / 2) * fov_mm / size
    grid = np.meshgrid(z0 + along, r0 + within / spacing[1], c0 + within / spacing[2], indexing="ij")
    block = ndimage.map_coordinates(np.asarray(image, np.float64), grid, order=1, mode="nearest")
    return standardise(block)
''', ["block_3d_keeps_millimetres"]),
        (_STANDARDISE + '''
def disc_crop_2d(image, mask, label, spacing, fov_mm=FOV_MM, size=CROP):
    # converts millimetres to pixels with the column spacing on both axes (rows and columns swapped)
    voxels = np.argwhere(np.asarray(mask) == label)
    if len(voxels) == 0:
        raise ValueError(f"disc {label} is not in the mask")
    z = int(round(voxels[:, 0].mean()))
    r0, c0 = voxels[voxels[:, 0] == z, 1:].mean(axis=0)
    offsets = (np.arange(size) - (size - 1) / 2) * fov_mm / size
    rows, cols = np.meshgrid(r0 + offsets / spacing[2], c0 + offsets / spacing[1], indexing="ij")
    crop = ndimage.map_coordinates(np.asarray(image[z], np.float64), [rows, cols], order=1,
                                   mode="nearest")
    return standardise(crop)
''' + _BLOCK_3D, ["crop_2d_keeps_millimetres"]),
    ],
    "cae2d": [
        ('''
class CAE2D(nn.Module):
    def __init__(self, latent_dim=LATENT, channels=(16, 32, 64)):
        super().__init__()
        layers, c_in = [], 1
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            c_in = c
        self.encoder = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c_in * 8 * 8, latent_dim))
        ups = []
        for c in channels[::-1][1:]:
            ups += [nn.ConvTranspose2d(c_in, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            c_in = c
        self.decoder = nn.Sequential(nn.Linear(latent_dim, channels[-1] * 8 * 8), nn.ReLU(),
                                     nn.Unflatten(1, (channels[-1], 8, 8)), *ups,
                                     nn.ConvTranspose2d(c_in, 1, 4, stride=2, padding=1))

    def encode(self, x):
        # takes the "features" after the decoder: the reconstruction, flattened
        return self.decoder(self.encoder(x)).flatten(1)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decoder(self.encoder(x))
''', ["cae2d_latent_code"]),
        ('''
class CAE2D(nn.Module):
    def __init__(self, latent_dim=LATENT, channels=(16, 32, 64)):
        super().__init__()
        # ReLU before BatchNorm in every block
        layers, c_in = [], 1
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.ReLU(), nn.BatchNorm2d(c)]
            c_in = c
        self.encoder = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c_in * 8 * 8, latent_dim))
        ups = []
        for c in channels[::-1][1:]:
            ups += [nn.ConvTranspose2d(c_in, c, 4, stride=2, padding=1), nn.ReLU(), nn.BatchNorm2d(c)]
            c_in = c
        self.decoder = nn.Sequential(nn.Linear(latent_dim, channels[-1] * 8 * 8), nn.ReLU(),
                                     nn.Unflatten(1, (channels[-1], 8, 8)), *ups,
                                     nn.ConvTranspose2d(c_in, 1, 4, stride=2, padding=1))
''' + _CAE_METHODS, ["cae2d_block_order"]),
    ],
    "geometry": [
        ('''
def disc_geometry(region, spacing):
    # reports regionprops' orientation as the tilt: measured from the row axis, not the columns
    region = np.asarray(region).astype(np.uint8)
    if not region.any():
        raise ValueError("the region is empty")
    props = regionprops(region, spacing=tuple(float(s) for s in spacing))[0]
    return {"height_mm": float(props.axis_minor_length), "width_mm": float(props.axis_major_length),
            "angle_deg": float(np.rad2deg(props.orientation))}
''' + _DHI, ["disc_geometry_ellipse"]),
        ('''
def disc_geometry(region, spacing):
    # forgets the spacing: height and width in pixels, not millimetres
    region = np.asarray(region).astype(np.uint8)
    if not region.any():
        raise ValueError("the region is empty")
    props = regionprops(region)[0]
    deg = float(np.rad2deg(props.orientation))
    angle = deg - 90.0 if deg > 0 else deg + 90.0
    return {"height_mm": float(props.axis_minor_length), "width_mm": float(props.axis_major_length),
            "angle_deg": angle}
''' + _DHI, ["disc_geometry_ellipse"]),
        (_GEOMETRY + '''
def disc_height_index(mask, disc_label, spacing):
    # divides by the vertebra above only, not the mean of both neighbours
    mask = np.asarray(mask)
    k = int(disc_label) - 200
    return disc_geometry(mask == disc_label, spacing)["height_mm"] / disc_geometry(mask == k, spacing)["height_mm"]
''', ["disc_height_index_analytic"]),
    ],
    "grouped_cv": [
        ('''
def grouped_cv_auc(X, y, groups, n_splits=5, seed=0, C=1.0):
    # a plain KFold: ignores groups, so one patient's discs land in train and test
    from sklearn.model_selection import KFold
    X, y = np.asarray(X, np.float64), np.asarray(y).astype(int)
    oof = np.full(len(y), np.nan)
    fold_auc, folds = [], []
    for train_idx, test_idx in KFold(n_splits=n_splits).split(X, y):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
        model.fit(X[train_idx], y[train_idx])
        oof[test_idx] = model.predict_proba(X[test_idx])[:, 1]
        fold_auc.append(roc_auc(y[test_idx], oof[test_idx]))
        folds.append((train_idx, test_idx))
    return {"fold_auc": np.asarray(fold_auc), "oof": oof, "folds": folds}
''', ["grouped_cv_no_patient_leak", "grouped_cv_matches_sklearn"]),
    ],
    "spearman": [
        ('''
def spearman_matrix(A, B):
    # Pearson's correlation of the values instead of their ranks
    A, B = np.asarray(A, np.float64), np.asarray(B, np.float64)
    A = (A - A.mean(0)) / A.std(0)
    B = (B - B.mean(0)) / B.std(0)
    return A.T @ B / len(A)
''', ["spearman_matches_scipy"]),
    ],
}
