"""Readers of the on-disk formats of the course's datasets (real downloads and phantoms alike),
and the codecs of submission cells: run-length masks and detection PredictionStrings.

Every file a lab package reads goes through one of these: DICOM (pydicom), NIfTI (nibabel) and
MetaImage (SimpleITK) volumes, 2D image/mask folders (Pillow), MedMNIST ``.npz`` archives and the
datasets' tables (pandas, openpyxl). Each raises one :class:`~common.errors.DataError` sentence
saying what is wrong and what to do.
"""

from __future__ import annotations

from .dicom import (DICOM_SUFFIXES, dicom_spacing, frame_attributes, list_dicom_files, read_dicom,
                    read_dicom_header, read_dicom_image_header, read_dicom_series)
from .folders import IMAGE_SUFFIXES, file_stem, list_images, pair_files, read_image_2d
from .npz import SPLITS, read_medmnist_npz
from .prediction_string import format_prediction_string, parse_prediction_string
from .rle import rle_decode, rle_encode, rle_problem
from .tables import (ANNOTATION_COLUMNS, PATIENT_COLUMNS, RSNA_COLUMNS, VINDR_COLUMNS,
                     read_annotations_xlsx, read_digits_csv, read_patients_csv, read_rsna_boxes,
                     read_vindr_boxes, require_columns)
from .volumes import VOLUME_SUFFIXES, read_label_mask, read_volume

__all__ = [
    "read_dicom", "read_dicom_header", "read_dicom_image_header", "read_dicom_series",
    "dicom_spacing", "list_dicom_files", "frame_attributes", "DICOM_SUFFIXES",
    "read_volume", "read_label_mask", "VOLUME_SUFFIXES",
    "read_vindr_boxes", "read_rsna_boxes", "read_annotations_xlsx", "read_patients_csv",
    "read_digits_csv", "require_columns", "VINDR_COLUMNS", "RSNA_COLUMNS", "ANNOTATION_COLUMNS",
    "PATIENT_COLUMNS",
    "format_prediction_string", "parse_prediction_string",
    "rle_encode", "rle_decode", "rle_problem",
    "read_medmnist_npz", "SPLITS",
    "list_images", "pair_files", "read_image_2d", "file_stem", "IMAGE_SUFFIXES",
]
