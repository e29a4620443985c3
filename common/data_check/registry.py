"""The dataset checks: each dataset's name with the function that checks its folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import DataError
from ..paths import data_root
from . import ct_volumes, cxr, knee_ct, seg2d, spine_mr
from .report import CheckReport

__all__ = ["CHECKS", "check_dataset"]

#: dataset name -> the function that checks a folder of it.
CHECKS: dict[str, Callable[..., CheckReport]] = {
    "ct_volumes": ct_volumes.check,
    "seg2d": seg2d.check,
    "cxr": cxr.check,
    "spine_mr": spine_mr.check,
    "knee_ct": knee_ct.check,
}


def check_dataset(name: str, folder: str | Path | None = None, quick: bool = False) -> CheckReport:
    """Check a dataset folder against its card (``datasets/<name>.md``), reading every file.

    Args:
        name: a key of :data:`CHECKS` (``"cxr"``).
        folder: the dataset folder (default ``$DLMIA_DATA/<name>``, see
            :func:`common.paths.data_root`). Nothing is written there.
        quick: check DICOM radiographs (``cxr``) from their headers, without decoding pixels.

    Returns:
        The report: every problem found (one sentence each, naming the file), and a summary of
        what was found (counts, layout variant).

    Raises:
        DataError: when the name is unknown, or the folder is missing or not a folder.
    """
    if name not in CHECKS:
        raise DataError(f"There is no dataset called {name!r} to check; choose one of "
                        f"{', '.join(CHECKS)}.")
    folder = Path(folder).expanduser() if folder is not None else data_root() / name
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DataError(f"The {name} folder {folder} {what}; give the dataset's folder, or set "
                        f"DLMIA_DATA to the folder that holds {name}/.")
    return CHECKS[name](folder, quick=quick)
