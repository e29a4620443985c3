"""Broken copies of the phantoms: each problem is named with its file, and every one is listed."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from common.io import read_volume

from .conftest import assert_named, checked, write_ct_series

# ---------------------------------------------------------------- ct_volumes


def _patients(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)


def _truncate(path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def test_ct_missing_table(copy_of):
    folder = copy_of("ct_volumes")
    (folder / "patients.csv").unlink()
    assert_named(checked("ct_volumes", folder), "patients.csv is missing")


def test_ct_missing_column(copy_of):
    folder = copy_of("ct_volumes")
    _patients(folder).drop(columns="sex").to_csv(folder / "patients.csv", index=False)
    assert_named(checked("ct_volumes", folder), "patients.csv", "sex")


def test_ct_unknown_label_value(copy_of):
    folder = copy_of("ct_volumes")
    table = _patients(folder)
    row = int(np.flatnonzero(table["split"] != "test")[0])
    table.loc[row, "label"] = "3"
    table.to_csv(folder / "patients.csv", index=False)
    assert_named(checked("ct_volumes", folder), "patients.csv", "label holds 3", f"rows {row + 1}")


def test_ct_every_problem_listed(copy_of):
    """A row without a volume, a volume without a row, an unreadable volume and one of another
    shape: four problems, each naming its file or patient."""
    folder = copy_of("ct_volumes")
    volumes = sorted((folder / "volumes").glob("*.nii.gz"))
    gone, cut, odd = volumes[0], volumes[1], volumes[2]
    gone.unlink()
    (folder / "volumes" / "X999.nii.gz").write_bytes(volumes[3].read_bytes())
    _truncate(cut)
    from common.phantoms.nifti import write_nifti_gz
    write_nifti_gz(np.zeros((8, 64, 64), np.int16), odd, (0.8, 0.8, 3.0))
    report = checked("ct_volumes", folder)
    assert len(report.problems) == 4, report.problems
    assert_named(report, f"Patient {gone.name[:-7]} of patients.csv has no volume")
    assert_named(report, "X999.nii.gz", "no row in patients.csv")
    assert_named(report, cut.name, "cannot be read")
    assert_named(report, odd.name, "has shape (8, 64, 64)")


def test_ct_dicom_series_layout_passes(copy_of, tmp_path):
    """Patients kept as DICOM series folders (one file per slice, shuffled names) pass."""
    folder = copy_of("ct_volumes")
    for path in sorted((folder / "volumes").glob("*.nii.gz"))[:2]:
        volume, _ = read_volume(path)
        write_ct_series(folder / "volumes" / path.name[:-7], volume, order=[3, 0, 5] + list(range(6, len(volume))) + [1, 2, 4])
        path.unlink()
    report = checked("ct_volumes", folder)
    assert report.ok, report.problems
    assert "DICOM series" in report.layout and report.summary["DICOM series"] == 2


def test_ct_patient_with_two_volumes(copy_of):
    folder = copy_of("ct_volumes")
    first = sorted((folder / "volumes").glob("*.nii.gz"))[0]
    (folder / "volumes" / first.name.replace(".nii.gz", ".nii")).write_bytes(b"not a volume")
    report = checked("ct_volumes", folder)
    assert_named(report, first.name[:-7], "has 2 volumes")
    assert_named(report, first.name.replace(".nii.gz", ".nii"), "cannot be read")

# ---------------------------------------------------------------- seg2d


def _first_pair(folder, split="train"):
    image = sorted((folder / split / "images").iterdir())[0]
    return image, folder / split / "masks" / image.name


def test_seg_image_without_mask_and_mask_without_image(copy_of):
    folder = copy_of("seg2d")
    image, mask = _first_pair(folder)
    mask.unlink()
    other, _ = _first_pair(folder, "val")
    other.unlink()
    report = checked("seg2d", folder)
    assert len(report.problems) == 2, report.problems
    assert_named(report, f"train/images/{image.name} has no mask")
    assert_named(report, f"val/masks/{other.name} has no image")


@pytest.mark.parametrize("values", [(0, 128), (0, 1, 255), (0, 3)])
def test_seg_wrong_mask_values(copy_of, values):
    folder = copy_of("seg2d")
    _, mask = _first_pair(folder)
    array = np.asarray(Image.open(mask)).copy()
    for k, value in enumerate(values):
        array[k::len(values)] = value
    Image.fromarray(array).save(mask)
    assert_named(checked("seg2d", folder), f"train/masks/{mask.name}", "holds the values")


def test_seg_size_mismatch_and_unreadable(copy_of):
    folder = copy_of("seg2d")
    _, mask = _first_pair(folder)
    Image.open(mask).resize((50, 40), Image.NEAREST).save(mask)
    image, _ = _first_pair(folder, "val")
    _truncate(image)
    report = checked("seg2d", folder)
    assert len(report.problems) == 2, report.problems
    assert_named(report, f"train/masks/{mask.name} is 40x50 pixels")
    assert_named(report, image.name, "could not be read")


def test_seg_any_size_and_01_masks_pass(copy_of):
    folder = copy_of("seg2d")
    image, mask = _first_pair(folder)
    Image.open(image).resize((130, 70)).save(image)
    Image.fromarray((np.asarray(Image.open(mask).resize((130, 70), Image.NEAREST)) > 0)
                    .astype(np.uint8)).save(mask)
    report = checked("seg2d", folder)
    assert report.ok, report.problems
    assert report.layout == "split folders, masks 0/1 + 0/255"


def _pool(folder, suffix: str, mask_name) -> None:
    """Move every labelled split into one flat ``images/`` + ``masks/`` pool, re-encoded."""
    for sub in ("images", "masks"):
        (folder / sub).mkdir()
    for split in ("train", "val"):
        for image in sorted((folder / split / "images").iterdir()):
            stem = f"{split}{image.stem}"
            Image.open(image).convert("RGB").save(folder / "images" / f"{stem}{suffix}")
            Image.open(folder / split / "masks" / image.name).save(
                folder / "masks" / mask_name(stem, suffix))
    for split in ("train", "val", "test"):
        shutil.rmtree(folder / split)


def test_seg_kvasir_pool_with_jpeg_masks_passes(copy_of):
    """Kvasir-SEG as it unpacks: RGB JPEG images, JPEG masks with compression noise."""
    folder = copy_of("seg2d")
    _pool(folder, ".jpg", lambda stem, suffix: f"{stem}{suffix}")
    values = np.unique(np.asarray(Image.open(sorted((folder / "masks").iterdir())[0])))
    assert len(values) > 2                      # the JPEG noise is really there
    report = checked("seg2d", folder)
    assert report.ok, report.problems
    assert report.layout == "one labelled pool (images/, masks/), masks 0/255 JPEG"
    grey = sorted((folder / "masks").iterdir())[1]
    Image.open(sorted((folder / "images").iterdir())[1]).convert("L").save(grey)
    assert_named(checked("seg2d", folder), f"masks/{grey.name}", "holds the values")


def test_seg_isic_mask_suffix_passes(copy_of):
    folder = copy_of("seg2d")
    for split in ("train", "val"):
        for mask in sorted((folder / split / "masks").iterdir()):
            mask.rename(mask.with_name(f"{mask.stem}_segmentation.png"))
    report = checked("seg2d", folder)
    assert report.ok, report.problems
    first = sorted((folder / "train" / "masks").iterdir())[0]
    (folder / "train" / "masks" / first.name.replace("_segmentation", "")).write_bytes(
        first.read_bytes())
    assert_named(checked("seg2d", folder), "are both masks of", first.name)


def test_seg_missing_masks_folder(copy_of):
    folder = copy_of("seg2d")
    for mask in (folder / "val" / "masks").iterdir():
        mask.unlink()
    (folder / "val" / "masks").rmdir()
    assert_named(checked("seg2d", folder), "val/masks/ is missing")

# ---------------------------------------------------------------- cxr


def _boxes(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "train.csv", dtype=str, keep_default_na=False)


def test_cxr_missing_table(copy_of):
    folder = copy_of("cxr")
    (folder / "train.csv").unlink()
    report = checked("cxr", folder)
    assert_named(report, "train.csv is missing")
    assert len(report.problems) == 1, report.problems   # the images themselves are fine


def test_cxr_missing_column_still_matches_ids(copy_of):
    folder = copy_of("cxr")
    table = _boxes(folder)
    table.drop(columns="rad_id").to_csv(folder / "train.csv", index=False)
    extra = sorted((folder / "train").iterdir())[0]
    table[table["image_id"] != extra.stem].drop(columns="rad_id").to_csv(folder / "train.csv",
                                                                        index=False)
    report = checked("cxr", folder)
    assert_named(report, "train.csv", "rad_id")
    assert_named(report, f"train/{extra.name} has no row in train.csv")


@pytest.mark.parametrize("column, value, words", [
    ("class_name", "Alien", ("class_name holds Alien",)),
    ("class_id", "9", ("class_id does not match",)),
])
def test_cxr_unknown_label_value(copy_of, column, value, words):
    folder = copy_of("cxr")
    table = _boxes(folder)
    rows = np.flatnonzero(table["class_name"] == "Nodule/Mass")
    table.loc[rows, column] = value     # every row of the class: the ids stay consistent
    table.to_csv(folder / "train.csv", index=False)
    assert_named(checked("cxr", folder), "train.csv", *words, f"{rows[0] + 1}")


def test_cxr_no_finding_with_a_box(copy_of):
    folder = copy_of("cxr")
    table = _boxes(folder)
    row = int(np.flatnonzero(table["class_name"] == "No finding")[0])
    table.loc[row, ["x_min", "y_min", "x_max", "y_max"]] = ["1", "1", "5", "5"]
    table.to_csv(folder / "train.csv", index=False)
    assert_named(checked("cxr", folder), "train.csv", "'No finding' rows carry box", f"row {row + 1}")


def test_cxr_every_problem_listed(copy_of):
    folder = copy_of("cxr")
    files = sorted((folder / "train").iterdir())
    files[0].unlink()
    _truncate(files[1], 0.6)
    (folder / "train" / "ffff000000000000.dicom").write_bytes(files[2].read_bytes())
    report = checked("cxr", folder)
    assert len(report.problems) == 3, report.problems
    assert_named(report, f"Image {files[0].stem} of train.csv has no file")
    assert_named(report, files[1].name, "truncated")
    assert_named(report, "train/ffff000000000000.dicom has no row in train.csv")


def _rsna(folder) -> None:
    """Turn the VinDr-layout phantom into the RSNA layout (table and folder names, .dcm)."""
    boxes = _boxes(folder)
    positive = boxes["class_name"] != "No finding"
    # one reader per image, as RSNA has: an image with a box loses its 'No finding' rows,
    # an image without one keeps a single Target 0 row
    boxes = boxes[positive | ~boxes["image_id"].isin(set(boxes.loc[positive, "image_id"]))]
    boxes = boxes[(boxes["class_name"] != "No finding") | ~boxes.duplicated("image_id")]
    positive = boxes["class_name"] != "No finding"
    x, y = boxes["x_min"].replace("", np.nan).astype(float), boxes["y_min"].replace("", np.nan).astype(float)
    table = pd.DataFrame({
        "patientId": boxes["image_id"], "x": x, "y": y,
        "width": boxes["x_max"].replace("", np.nan).astype(float) - x,
        "height": boxes["y_max"].replace("", np.nan).astype(float) - y,
        "Target": positive.astype(int)})
    table.to_csv(folder / "stage_2_train_labels.csv", index=False)
    (folder / "train.csv").unlink()
    (folder / "stage_2_train_images").mkdir()
    for path in (folder / "train").iterdir():
        path.rename(folder / "stage_2_train_images" / f"{path.stem}.dcm")
    (folder / "train").rmdir()


def test_cxr_rsna_layout_passes_and_breaks(copy_of):
    folder = copy_of("cxr")
    _rsna(folder)
    report = checked("cxr", folder)
    assert report.ok, report.problems
    assert report.layout == "RSNA pneumonia"
    table = pd.read_csv(folder / "stage_2_train_labels.csv", dtype=str, keep_default_na=False)
    table.loc[0, "Target"] = "2"
    table.to_csv(folder / "stage_2_train_labels.csv", index=False)
    gone = sorted((folder / "stage_2_train_images").iterdir())[-1]
    gone.unlink()
    report = checked("cxr", folder)
    assert len(report.problems) == 2, report.problems
    assert_named(report, "stage_2_train_labels.csv", "Target", "row 1")
    assert_named(report, f"Image {gone.stem} of stage_2_train_labels.csv has no file")

# ---------------------------------------------------------------- spine_mr


def _write_like(array, like, path):
    import SimpleITK as sitk
    reference = sitk.ReadImage(str(like))
    image = sitk.GetImageFromArray(array)
    image.CopyInformation(reference) if array.shape == sitk.GetArrayFromImage(reference).shape \
        else image.SetSpacing(reference.GetSpacing())
    sitk.WriteImage(image, str(path), useCompression=True)


def test_spine_image_without_mask_and_unknown_label(copy_of):
    folder = copy_of("spine_mr")
    masks = sorted((folder / "masks").iterdir())
    masks[0].unlink()
    mask, _ = read_volume(masks[1])
    mask = mask.copy()
    mask[0, 0, 0] = 150
    _write_like(mask, masks[1], masks[1])
    report = checked("spine_mr", folder)
    assert_named(report, f"images/{masks[0].name} has no mask")
    assert_named(report, masks[1].name, "labels [150]")


def test_spine_size_and_grid_mismatch(copy_of):
    import SimpleITK as sitk
    folder = copy_of("spine_mr")
    masks = sorted((folder / "masks").iterdir())
    mask, _ = read_volume(masks[0])
    _write_like(np.ascontiguousarray(mask[:, :-8]), masks[0], masks[0])
    image = sitk.ReadImage(str(masks[1]))
    image.SetSpacing([s * 1.5 for s in image.GetSpacing()])
    sitk.WriteImage(image, str(masks[1]), useCompression=True)
    report = checked("spine_mr", folder)
    assert_named(report, f"masks/{masks[0].name} has shape")
    assert_named(report, f"masks/{masks[1].name} has spacing")


def test_spine_annotations(copy_of):
    folder = copy_of("spine_mr")
    table = pd.read_excel(folder / "annotations.xlsx", dtype={"patient_id": str})
    patient = table["patient_id"].iloc[0]
    table.loc[len(table)] = {**table.iloc[0].to_dict(), "patient_id": "999"}
    table.to_excel(folder / "annotations.xlsx", index=False)
    for path in (folder / "images").glob(f"{patient}_*"):
        path.unlink()
    for path in (folder / "masks").glob(f"{patient}_*"):
        path.unlink()
    report = checked("spine_mr", folder)
    assert_named(report, f"Patient {patient} of annotations.xlsx has no image")
    assert_named(report, "Patient 999 of annotations.xlsx has no image")
    table.drop(columns="narrowing").to_excel(folder / "annotations.xlsx", index=False)
    assert_named(checked("spine_mr", folder), "annotations.xlsx", "narrowing")


def test_spine_spider_layout_without_tables_passes(copy_of):
    """SPIDER as downloaded: images/ and masks/ only, several sequences per patient."""
    folder = copy_of("spine_mr")
    for name in ("annotations.xlsx", "ground_truth.csv", ".dlmia-phantom.json"):
        (folder / name).unlink(missing_ok=True)
    for sub in ("images", "masks"):
        first = sorted((folder / sub).iterdir())[0]
        (folder / sub / first.name.replace("_t2", "_t1")).write_bytes(first.read_bytes())
    pd.DataFrame({"Patient": [1, 1], "IVD label": [1, 2], "Disc narrowing": [0, 2]}).to_csv(
        folder / "radiological_gradings.csv", index=False)
    report = checked("spine_mr", folder)
    assert report.ok, report.problems
    assert report.summary["sequences"] == f"t1 1, t2 {report.summary['patients']}"
    assert report.summary["radiological_gradings.csv"] == "2 rows"
    assert report.summary["annotations.xlsx"].startswith("absent")
    (folder / "overview.csv").write_bytes(b"\xff\xfe\x00\x81 not text")
    assert_named(checked("spine_mr", folder), "overview.csv", "cannot be read as a CSV")

# ---------------------------------------------------------------- knee_ct


def _knee(folder):
    """The first knee's folder (a subfolder, or the dataset folder itself)."""
    masks = sorted(folder.rglob("bone_segmented.*"))
    return masks[0].parent


def test_knee_missing_mask(copy_of):
    folder = copy_of("knee_ct")
    mask = sorted(folder.rglob("bone_segmented.nii.gz"))[0]
    ct = [p for p in mask.parent.iterdir() if p != mask][0]
    mask.unlink()
    assert_named(checked("knee_ct", folder), ct.name, "has no bone mask")


def test_knee_unknown_label_and_missing_bone(copy_of):
    from common.phantoms.nifti import write_nifti_gz
    folder = copy_of("knee_ct")
    path = sorted(folder.rglob("bone_segmented.nii.gz"))[0]
    mask, meta = read_volume(path)
    mask = mask.copy()
    mask[mask == 2] = 3
    write_nifti_gz(mask, path, meta["spacing"][::-1])
    assert_named(checked("knee_ct", folder), path.name, "labels [3]")
    mask[mask == 3] = 0
    write_nifti_gz(mask, path, meta["spacing"][::-1])
    assert_named(checked("knee_ct", folder), path.name, "holds no femur (label 2)")


def test_knee_size_and_grid_mismatch_and_mha_passes(copy_of):
    import SimpleITK as sitk
    folder = copy_of("knee_ct")
    knee = _knee(folder)
    mask_path = knee / "bone_segmented.nii.gz"
    ct_path = [p for p in knee.iterdir() if p != mask_path][0]
    image = sitk.ReadImage(str(ct_path))
    sitk.WriteImage(image, str(ct_path.with_name(ct_path.name.replace(".nii.gz", ".mha"))))
    ct_path.unlink()
    report = checked("knee_ct", folder)
    assert report.ok, report.problems                 # a MetaImage CT beside a NIfTI mask
    mask = sitk.ReadImage(str(mask_path))
    mask.SetOrigin([o + 5.0 for o in mask.GetOrigin()])
    sitk.WriteImage(mask, str(mask_path))
    assert_named(checked("knee_ct", folder), "bone_segmented.nii.gz", "has origin")
    sitk.WriteImage(mask[:, :, :-3], str(mask_path))
    assert_named(checked("knee_ct", folder), "bone_segmented.nii.gz", "has shape")


def test_knee_single_flat_knee_passes(copy_of):
    """One knee as the seed's pipeline has it: the CT under its own name beside its mask."""
    folder = copy_of("knee_ct")
    knee = _knee(folder)
    if knee != folder:
        for path in knee.iterdir():
            path.rename(folder / path.name)
        for sub in [p for p in folder.iterdir() if p.is_dir()]:
            shutil.rmtree(sub)
    report = checked("knee_ct", folder)
    assert report.ok, report.problems
    assert report.layout == "one knee" and report.summary["knees"] == 1
    (folder / "extra_ct.nii.gz").write_bytes(next(folder.glob("*.nii.gz")).read_bytes())
    assert_named(checked("knee_ct", folder), "must hold exactly one CT", "extra_ct.nii.gz")
