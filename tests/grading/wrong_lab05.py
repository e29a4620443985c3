"""Plausible wrong answers for lab05's graded solution cells, and the tests that must catch them.

``LAB05[solution grade_id] = [(wrong source, [test grade_ids that must fail]), ...]``, in the format
of ``tests/grading/wrong_answers.py``.
"""

__all__ = ["LAB05"]

LAB05 = {
    "standardize_dicom": [
        ('''
def standardize_dicom(ds: pydicom.Dataset) -> np.ndarray:
    """DICOM pixels -> (Rows, Columns) float32 in [0, 1], bright = dense."""
    # ignores PhotometricInterpretation: MONOCHROME1 stays inverted
    arr = apply_modality_lut(ds.pixel_array, ds)
    arr = apply_voi_lut(arr, ds, index=0).astype(np.float32)
    lo, hi = float(arr.min()), float(arr.max())
    arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    return arr.astype(np.float32)
''', ["standardize_monochrome1", "standardize_range_and_shape"]),
    ],
    "simplest_color_balance": [
        ('''
def simplest_color_balance(image: np.ndarray, low: float = 1.0, high: float = 1.0) -> np.ndarray:
    """Clip `low`% darkest and `high`% brightest pixels, stretch to [0, 1]; (H, W) -> (H, W) float32."""
    # plain min-max stretch, no percentile clipping
    lo, hi = image.min(), image.max()
    return ((image - lo) / (hi - lo)).astype(np.float32)
''', ["color_balance_matches_skimage"]),
    ],
    "resize_with_boxes": [
        ('''
def resize_with_boxes(image: np.ndarray, boxes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) image and (N, 4) xyxy boxes -> (size, size) image and scaled boxes."""
    # scales x by the height factor and y by the width factor
    h, w = image.shape
    out = resize(image, (size, size), order=1, preserve_range=True, anti_aliasing=True)
    scale = np.array([size / h, size / w, size / h, size / w], dtype=np.float32)
    return out.astype(np.float32), np.asarray(boxes, dtype=np.float32).reshape(-1, 4) * scale
''', ["resize_boxes_follow_image"]),
    ],
    "patient_split": [
        ('''
def patient_split(index: pd.DataFrame, test_size: float, seed: int = 0) -> tuple[list, list]:
    """Split image ids so that no patient is in both parts."""
    # splits images, not patients
    from sklearn.model_selection import train_test_split
    train, test = train_test_split(index["image_id"].tolist(), test_size=test_size, random_state=seed)
    return train, test
''', ["split_no_patient_leak"]),
        ('''
def patient_split(index: pd.DataFrame, test_size: float, seed: int = 0) -> tuple[list, list]:
    """Split image ids so that no patient is in both parts."""
    # never passes random_state=seed: the split ignores the seed
    from sklearn.model_selection import GroupShuffleSplit

    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size)
    train_rows, test_rows = next(splitter.split(index, groups=index["patient_id"]))
    return index["image_id"].iloc[train_rows].tolist(), index["image_id"].iloc[test_rows].tolist()
''', ["split_matches_sklearn"]),
    ],
    "replace_predictor": [
        ('''
def replace_predictor(model: torch.nn.Module, num_classes: int) -> torch.nn.Module:
    """Give a torchvision Faster R-CNN a new box predictor for `num_classes` (incl. background)."""
    # hard-codes ResNet50-FPN's 1024 input features instead of reading them from the model
    model.roi_heads.box_predictor = FastRCNNPredictor(1024, num_classes)
    return model
''', ["predictor_replaced"]),
        ('''
def replace_predictor(model: torch.nn.Module, num_classes: int) -> torch.nn.Module:
    """Give a torchvision Faster R-CNN a new box predictor for `num_classes` (incl. background)."""
    # hard-codes the CPU recipe's 256 input features instead of reading them from the model
    model.roi_heads.box_predictor = FastRCNNPredictor(256, num_classes)
    return model
''', ["predictor_replaced"]),
    ],
}
