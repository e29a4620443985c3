"""Object detection on radiographs: data, detectors and their training step, metrics, CAMs and
figures (lab05). Training itself runs through :func:`common.training.fit`.

Example:
    >>> from common.detection import build_detector, detector_step, detection_metrics
    >>> history = fit(model, train_loader, val_loader, step=detector_step, optimizer=sgd,
    ...               max_epochs=12, evaluate=lambda m, ld: detection_metrics(*predict_detector(m, ld)),
    ...               monitor="val_map50", mode="max")
"""

from ..io.prediction_string import format_prediction_string, parse_prediction_string
from .cam import detector_cams, fpn_reshape_transform
from .data import (DetectionDataset, class_set, collate_detection, dicom_index, find_layout,
                   read_boxes, read_rsna_table, read_vindr_table)
from .evaluate import detection_metrics, predict_detector
from .model import DetectorRecipe, build_detector, choose_recipe, detector_step
from .plots import plot_cams, plot_detections
from .readers import merge_readers

__all__ = ["DetectionDataset", "collate_detection", "dicom_index", "read_vindr_table",
           "read_rsna_table", "find_layout", "read_boxes", "class_set", "merge_readers",
           "DetectorRecipe", "build_detector", "choose_recipe", "detector_step",
           "predict_detector", "detection_metrics", "detector_cams", "fpn_reshape_transform",
           "plot_detections", "plot_cams", "format_prediction_string", "parse_prediction_string"]
