"""common.classification: volume sources, loaders, augmentation, backbones, scores, late fusion."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from sklearn.metrics import roc_auc_score

from common.classification import (AugmentedDataset, auc_with_interval, backbone_info,
                                   describe_backbone, intervals_separate, load_ct_volumes,
                                   load_medmnist_volumes, make_loader, positive_scores,
                                   ranking_statement, resize_slices, resnet50_trunk,
                                   roc_auc_from_logits, slice_augmentation, swin_trunk,
                                   vgg16_features)
from common.classification.data import HU_WINDOW
from common.errors import DataError
from common.phantoms.nifti import write_nifti_gz

CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def _write_series(folder, hu, spacing=(3.0, 0.8, 0.8)):
    """Write a (D, H, W) HU volume as one CT slice per file, file names in reverse order."""
    folder.mkdir(parents=True)
    for k, plane in enumerate(hu):
        path = folder / f"{len(hu) - k:03d}.dcm"
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_STORAGE
        meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str(path)])
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CT_STORAGE, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.PatientID = "CT", folder.name
        ds.Rows, ds.Columns = plane.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        ds.PixelSpacing = list(spacing[1:])
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [0.0, 0.0, spacing[0] * k]
        ds.PixelData = (plane + 1024).astype(np.uint16).tobytes()
        ds.save_as(path, enforce_file_format=True)


def test_ct_volumes_from_nifti_and_dicom_series(tmp_path, rng):
    hu = rng.integers(-400, 400, size=(2, 4, 5, 6)).astype(np.int16)  # two patients (D, H, W)
    (tmp_path / "volumes").mkdir()
    write_nifti_gz(hu[0], tmp_path / "volumes" / "P0.nii.gz", spacing=(0.8, 0.8, 3.0))
    _write_series(tmp_path / "volumes" / "P1", hu[1])
    pd.DataFrame({"patient_id": ["P0", "P1"], "age": [50, 60], "sex": ["F", "M"],
                  "label": [0, ""], "split": ["train", "test"]}).to_csv(
        tmp_path / "patients.csv", index=False)
    data = load_ct_volumes(tmp_path)
    low, high = HU_WINDOW
    expected = np.clip((hu.astype(np.float32) - low) / (high - low), 0, 1)
    assert data.volumes.shape == (2, 4, 5, 6) and data.volumes.dtype == np.float32
    np.testing.assert_array_equal(data.volumes, expected)  # same (D, H, W) order from both
    assert data.patients["label"].tolist() == [0, -1] and data.has_metadata
    with pytest.raises(DataError, match="volume of patient P1 .* is missing"):
        (tmp_path / "volumes" / "P1").rename(tmp_path / "elsewhere")
        load_ct_volumes(tmp_path)


def _medmnist(path, rng, label_columns=1, shape=(6, 6, 6)):
    arrays = {}
    for split, n in (("train", 4), ("val", 2), ("test", 3)):
        arrays[f"{split}_images"] = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 2, size=(n, label_columns))
    np.savez(path, **arrays)
    return arrays


def test_medmnist_volumes(tmp_path, rng):
    arrays = _medmnist(tmp_path / "nodulemnist3d.npz", rng)
    data = load_medmnist_volumes(tmp_path / "nodulemnist3d.npz")
    assert list(data.patients.columns) == ["patient_id", "age", "sex", "label", "split"]
    assert data.patients["split"].tolist() == ["train"] * 4 + ["val"] * 2 + ["test"] * 3
    assert data.patients["patient_id"].iloc[4] == "val_00000"
    assert data.patients["age"].isna().all() and data.patients["sex"].isna().all()
    assert not data.has_metadata
    rows, volumes = data.split("test")
    np.testing.assert_array_equal(rows["label"], arrays["test_labels"][:, 0])
    np.testing.assert_allclose(volumes, arrays["test_images"] / 255.0, rtol=1e-6)
    assert volumes.dtype == np.float32 and volumes.shape == (3, 6, 6, 6)


def test_medmnist_volumes_refuses_2d_and_multilabel(tmp_path, rng):
    _medmnist(tmp_path / "flat.npz", rng, shape=(6, 6))
    with pytest.raises(DataError, match="\\(N, D, H, W\\) uint8"):
        load_medmnist_volumes(tmp_path / "flat.npz")
    _medmnist(tmp_path / "multi.npz", rng, label_columns=3)
    with pytest.raises(DataError, match="3 labels per image"):
        load_medmnist_volumes(tmp_path / "multi.npz")


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


def test_auc_with_interval_resamples_patients(rng):
    y = np.tile([0, 1], 60)
    p = y * 0.3 + rng.random(120)
    out = auc_with_interval(y, p, [f"P{i}" for i in range(120)], n_boot=300)
    assert out["auc"] == pytest.approx(roc_auc_score(y, p))
    assert out["ci_low"] < out["auc"] < out["ci_high"]
    assert 0.05 < out["ci_high"] - out["ci_low"] < 0.4, "120 patients give an interval of about ±0.08"
    # one patient's rows go together: duplicating every row per patient does not narrow it
    twice = auc_with_interval(np.repeat(y, 2), np.repeat(p, 2), np.repeat(np.arange(120), 2),
                              n_boot=300)
    assert twice["ci_high"] - twice["ci_low"] == pytest.approx(out["ci_high"] - out["ci_low"], abs=0.03)


def test_ranking_only_where_intervals_separate():
    a = {"auc": 0.90, "ci_low": 0.85, "ci_high": 0.94}
    b = {"auc": 0.80, "ci_low": 0.74, "ci_high": 0.84}
    c = {"auc": 0.83, "ci_low": 0.77, "ci_high": 0.88}
    assert intervals_separate(a, b) and intervals_separate(b, a)
    assert not intervals_separate(a, c) and not intervals_separate(b, c)
    sentences = ranking_statement({"b": b, "a": a, "c": c})
    assert sentences[0].startswith("a > b") or "a > b" in sentences[1]
    assert any(s.startswith("a ~ c: intervals overlap") for s in sentences)
    assert any(s.startswith("c ~ b: intervals overlap") for s in sentences)
    assert len(sentences) == 3


def test_evaluation_split_is_the_labelled_one():
    from common.classification import CTVolumes

    rows = pd.DataFrame({"patient_id": ["a", "b", "c"], "age": [1, 2, 3], "sex": ["F", "M", "F"],
                         "label": [0, 1, -1], "split": ["train", "val", "test"]})
    hidden = CTVolumes(patients=rows, volumes=np.zeros((3, 2, 2, 2), np.float32))
    assert not hidden.is_labelled("test") and hidden.evaluation_split() == "val"
    labelled = CTVolumes(patients=rows.assign(label=[0, 1, 1]), volumes=hidden.volumes)
    assert labelled.is_labelled("test") and labelled.evaluation_split() == "test"


def test_backbones_say_what_they_built(capsys, monkeypatch):
    from common.classification import backbones

    monkeypatch.setattr(backbones, "_reported", set())   # forget what earlier tests built
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, dim = resnet50_trunk(width=0.0625, in_channels=6)
        again, _ = resnet50_trunk(width=0.0625, in_channels=6)
        vgg, vdim = vgg16_features(width=0.0625)
    info = backbone_info(model)
    assert info == {"backbone": "resnet50", "weights": "random", "width": 0.0625,
                    "feature_dim": dim, "in_channels": 6}
    assert backbone_info(vgg)["feature_dim"] == vdim and backbone_info(vgg)["weights"] == "random"
    out = capsys.readouterr().out
    assert out.count(describe_backbone(info)) == 1, "one line per distinct model, not per build"
    assert f"resnet50: random init, 0.0625x width, {dim}-d features, 6 input channels" in out
    with pytest.raises(ValueError, match="not built by"):
        backbone_info(torch.nn.Linear(2, 2))
