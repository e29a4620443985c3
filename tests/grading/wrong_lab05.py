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
    "box_iou": [
        ('''
def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4) and (M, 4) xyxy boxes -> (N, M) intersection over union, float64."""
    # pixel-inclusive areas: width x_max - x_min + 1, one pixel too many on each side
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]) + 1, 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]) + 1, 0, None)
    inter = w * h
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
''', ["box_iou_matches_torchvision"]),
        ('''
def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4) and (M, 4) xyxy boxes -> (N, M) intersection over union, float64."""
    # union taken as the sum of the areas: the intersection is counted twice
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = w * h
    union = area_a[:, None] + area_b[None, :]
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
''', ["box_iou_matches_torchvision"]),
    ],
    "average_precision_50": [
        ('''
def average_precision_50(preds: list, targets: list, label: int) -> float:
    """COCO AP at IoU 0.5 of one class over a list of images; nan when the class has no true box."""
    # walks the detections in the order they are listed, not by score
    scores, image_of, boxes = [], [], []
    truth = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        keep = np.asarray(p["labels"]) == label
        scores.append(np.asarray(p["scores"], dtype=np.float64)[keep])
        boxes.append(np.asarray(p["boxes"], dtype=np.float64).reshape(-1, 4)[keep])
        image_of.append(np.full(int(keep.sum()), i))
        truth.append(np.asarray(t["boxes"], dtype=np.float64).reshape(-1, 4)[np.asarray(t["labels"]) == label])
    n_true = sum(len(t) for t in truth)
    if n_true == 0:
        return float("nan")
    scores, image_of, boxes = np.concatenate(scores), np.concatenate(image_of), np.concatenate(boxes)
    if len(scores) == 0:
        return 0.0
    order = np.arange(len(scores))
    taken = [np.zeros(len(t), bool) for t in truth]
    tp = np.zeros(len(order))
    for k, d in enumerate(order):
        i = image_of[d]
        if len(truth[i]) == 0:
            continue
        iou = box_iou(boxes[d:d + 1], truth[i])[0]
        iou[taken[i]] = -1
        best = int(np.argmax(iou))
        if iou[best] >= 0.5:
            taken[i][best] = True
            tp[k] = 1
    tp_cum = np.cumsum(tp)
    fp_cum = np.cumsum(1 - tp)
    recall = tp_cum / n_true
    precision = tp_cum / np.maximum(tp_cum + fp_cum, 1e-12)
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    levels = np.linspace(0, 1, 101)
    at = np.searchsorted(recall, levels, side="left")
    sampled = np.where(at < len(precision), precision[np.minimum(at, len(precision) - 1)], 0.0)
    return float(sampled.mean())
''', ["ap50_hand_examples", "ap50_matches_torchmetrics"]),
        ('''
def average_precision_50(preds: list, targets: list, label: int) -> float:
    """COCO AP at IoU 0.5 of one class over a list of images; nan when the class has no true box."""
    # a true box can be matched by several detections: duplicates count as true positives
    scores, image_of, boxes = [], [], []
    truth = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        keep = np.asarray(p["labels"]) == label
        scores.append(np.asarray(p["scores"], dtype=np.float64)[keep])
        boxes.append(np.asarray(p["boxes"], dtype=np.float64).reshape(-1, 4)[keep])
        image_of.append(np.full(int(keep.sum()), i))
        truth.append(np.asarray(t["boxes"], dtype=np.float64).reshape(-1, 4)[np.asarray(t["labels"]) == label])
    n_true = sum(len(t) for t in truth)
    if n_true == 0:
        return float("nan")
    scores, image_of, boxes = np.concatenate(scores), np.concatenate(image_of), np.concatenate(boxes)
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    taken = [np.zeros(len(t), bool) for t in truth]
    tp = np.zeros(len(order))
    for k, d in enumerate(order):
        i = image_of[d]
        if len(truth[i]) == 0:
            continue
        iou = box_iou(boxes[d:d + 1], truth[i])[0]
        best = int(np.argmax(iou))
        if iou[best] >= 0.5:
            taken[i][best] = True
            tp[k] = 1
    tp_cum = np.cumsum(tp)
    fp_cum = np.cumsum(1 - tp)
    recall = tp_cum / n_true
    precision = tp_cum / np.maximum(tp_cum + fp_cum, 1e-12)
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    levels = np.linspace(0, 1, 101)
    at = np.searchsorted(recall, levels, side="left")
    sampled = np.where(at < len(precision), precision[np.minimum(at, len(precision) - 1)], 0.0)
    return float(sampled.mean())
''', ["ap50_hand_examples", "ap50_matches_torchmetrics"]),
        ('''
def average_precision_50(preds: list, targets: list, label: int) -> float:
    """COCO AP at IoU 0.5 of one class over a list of images; nan when the class has no true box."""
    # no monotone precision envelope before sampling the 101 recall levels
    scores, image_of, boxes = [], [], []
    truth = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        keep = np.asarray(p["labels"]) == label
        scores.append(np.asarray(p["scores"], dtype=np.float64)[keep])
        boxes.append(np.asarray(p["boxes"], dtype=np.float64).reshape(-1, 4)[keep])
        image_of.append(np.full(int(keep.sum()), i))
        truth.append(np.asarray(t["boxes"], dtype=np.float64).reshape(-1, 4)[np.asarray(t["labels"]) == label])
    n_true = sum(len(t) for t in truth)
    if n_true == 0:
        return float("nan")
    scores, image_of, boxes = np.concatenate(scores), np.concatenate(image_of), np.concatenate(boxes)
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    taken = [np.zeros(len(t), bool) for t in truth]
    tp = np.zeros(len(order))
    for k, d in enumerate(order):
        i = image_of[d]
        if len(truth[i]) == 0:
            continue
        iou = box_iou(boxes[d:d + 1], truth[i])[0]
        iou[taken[i]] = -1
        best = int(np.argmax(iou))
        if iou[best] >= 0.5:
            taken[i][best] = True
            tp[k] = 1
    tp_cum = np.cumsum(tp)
    fp_cum = np.cumsum(1 - tp)
    recall = tp_cum / n_true
    precision = tp_cum / np.maximum(tp_cum + fp_cum, 1e-12)
    levels = np.linspace(0, 1, 101)
    at = np.searchsorted(recall, levels, side="left")
    sampled = np.where(at < len(precision), precision[np.minimum(at, len(precision) - 1)], 0.0)
    return float(sampled.mean())
''', ["ap50_hand_examples", "ap50_matches_torchmetrics"]),
    ],
}
