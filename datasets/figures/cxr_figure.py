"""Draw ``datasets/figures/cxr_phantom_vs_real.png``: a cxr phantom image with its readers' boxes
and the merged labels, beside the real chest radiograph that ships with pydicom-data
(``RG1_UNCI.dcm``, a computed radiograph, MONOCHROME1), shown as stored and as read.

Run from the repository root after ``dlmia data build cxr``::

    python datasets/figures/cxr_figure.py
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from pydicom.data import get_testdata_file  # noqa: E402

from common.detection import dicom_index, merge_readers, read_vindr_table  # noqa: E402
from common.io import read_dicom  # noqa: E402
from common.paths import data_root, repo_root  # noqa: E402

OUT = repo_root() / "datasets" / "figures" / "cxr_phantom_vs_real.png"
COLOURS = {"R": "tab:orange", "merged": "lime"}


def _unit(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return (x - x.min()) / max(x.max() - x.min(), 1e-12)


def main() -> None:
    folder = data_root() / "cxr"
    table = read_vindr_table(folder / "train.csv")
    index = dicom_index(folder / "train")
    merged = merge_readers(table, {r.image_id: (r.rows, r.columns) for r in index.itertuples()})
    # an image with several findings and some disagreement between its readers
    boxed = table.dropna(subset=["x_min"])
    counts = boxed.groupby("image_id").class_id.nunique()
    image_id = counts[counts >= 2].index[0] if (counts >= 2).any() else boxed.image_id.iloc[0]
    phantom, _ = read_dicom(folder / "train" / f"{image_id}.dicom")
    real_path = get_testdata_file("RG1_UNCI.dcm")
    if real_path is None:
        raise SystemExit("pydicom-data is not installed: RG1_UNCI.dcm is not available offline.")
    real, _ = read_dicom(real_path)
    stored = pydicom.dcmread(real_path).pixel_array

    fig, axes = plt.subplots(1, 4, figsize=(12.4, 3.6))
    axes[0].imshow(_unit(phantom), cmap="gray")
    axes[0].set_title("phantom, read with common.io.read_dicom", fontsize=8)
    axes[1].imshow(_unit(phantom), cmap="gray")
    for _, r in boxed[boxed.image_id == image_id].iterrows():
        axes[1].add_patch(Rectangle((r.x_min, r.y_min), r.x_max - r.x_min, r.y_max - r.y_min,
                                    fill=False, ec=COLOURS["R"], lw=0.7, ls="--"))
    for _, r in merged[(merged.image_id == image_id)].dropna(subset=["x_min"]).iterrows():
        axes[1].add_patch(Rectangle((r.x_min, r.y_min), r.x_max - r.x_min, r.y_max - r.y_min,
                                    fill=False, ec=COLOURS["merged"], lw=1.0))
        axes[1].text(r.x_min, r.y_min - 2, r.class_name, color=COLOURS["merged"], fontsize=6)
    axes[1].set_title("three readers (dashed) and merged labels", fontsize=8)
    axes[2].imshow(_unit(stored), cmap="gray")
    axes[2].set_title("real CR (pydicom-data RG1_UNCI): stored values", fontsize=8)
    axes[3].imshow(_unit(real), cmap="gray")
    axes[3].set_title("the same read as its header says\n(window, MONOCHROME1 inverted)", fontsize=8)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(OUT, dpi=80)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
