"""Object detection on radiographs: data, detectors, training, metrics, CAMs and figures (lab05).

Example:
    >>> from common.detection import build_detector, train_detector, detection_metrics
"""

from .cam import detector_cams, fpn_reshape_transform
from .data import DetectionDataset, collate_detection, dicom_index, read_rsna_table, read_vindr_table
from .evaluate import detection_metrics, predict_detector
from .model import DetectorRecipe, build_detector, choose_recipe
from .plots import plot_cams, plot_detections
from .submission import format_prediction_string, parse_prediction_string
from .train import train_detector

__all__ = ["DetectionDataset", "collate_detection", "dicom_index", "read_vindr_table",
           "read_rsna_table", "DetectorRecipe", "build_detector", "choose_recipe", "train_detector",
           "predict_detector", "detection_metrics", "detector_cams", "fpn_reshape_transform",
           "plot_detections", "plot_cams", "format_prediction_string", "parse_prediction_string"]
