"""Small phantom builds to check, a copy of one to break, and a check that proves it wrote nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import shutil
from pathlib import Path

import pytest

from common.data_check import CheckReport, check_dataset
from common.phantoms import ct_volumes, cxr, knee_ct, seg2d, spine_mr
from common.phantoms.build import build_phantom


def _io_helpers():
    """The reader tests' helpers (``tests/io/conftest.py``), loaded under a name of their own."""
    path = Path(__file__).resolve().parent.parent / "io" / "conftest.py"
    spec = importlib.util.spec_from_file_location("dlmia_io_test_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: writes a (D, H, W) HU volume as a DICOM series folder, one file per slice.
write_ct_series = _io_helpers().write_ct_series

#: module attributes that shrink each phantom to a few cases (the layout stays the same).
SMALL = {
    "ct_volumes": [(ct_volumes, "N_PATIENTS", 10)],
    "seg2d": [(seg2d, "SPLITS", {"train": 4, "val": 3, "test": 2})],
    "cxr": [(cxr, "_SPLITS", {"train": 3, "test": 1})],
    "spine_mr": [(spine_mr, "N_PATIENTS", 4), (spine_mr, "N_TEST", 1)],
    "knee_ct": [(knee_ct, "CASES", tuple(
        dataclasses.replace(case, spacing=tuple(2 * s for s in case.spacing))
        for case in knee_ct.CASES[:2]))] if hasattr(knee_ct, "CASES") else [],
}


@pytest.fixture(scope="session")
def phantom_root(tmp_path_factory) -> Path:
    """Every phantom, shrunk, built once into a temporary data root."""
    root = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:
        for name, changes in SMALL.items():
            for module, attribute, value in changes:
                patch.setattr(module, attribute, value)
            build_phantom(name, root=root, verbose=False)
    return root


@pytest.fixture
def copy_of(phantom_root, tmp_path):
    """``copy_of(name)``: a fresh copy of a built phantom folder, to break."""
    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(phantom_root / name, target)
        return target
    return make


def fingerprint(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` with its content's SHA-256 (folders as ``"dir"``)."""
    return {p.relative_to(folder).as_posix():
            ("dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*"))}


def checked(name: str, folder: Path) -> CheckReport:
    """``check_dataset(name, folder)``, asserting that nothing under the folder changed."""
    before = fingerprint(folder)
    report = check_dataset(name, folder)
    assert fingerprint(folder) == before, "the check wrote into the checked folder"
    return report


def naming(report: CheckReport, *words: str) -> list[str]:
    """The problems that contain every one of ``words``."""
    return [p for p in report.problems if all(w in p for w in words)]


def assert_named(report: CheckReport, *words: str) -> str:
    """Exactly one problem names every one of ``words``, as one line ending with a full stop."""
    found = naming(report, *words)
    assert len(found) == 1, f"{words} named by {len(found)} problems: {report.problems}"
    assert "\n" not in found[0] and found[0].endswith("."), found[0]
    return found[0]
