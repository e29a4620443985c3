"""Every phantom, as built, passes its check; the command prints a summary or every problem."""

from __future__ import annotations

import pydicom
import pytest

from common.cli import build_parser, main
from common.data_check import CHECKS, check_dataset
from common.errors import DataError
from common.phantoms.registry import PHANTOMS

from .conftest import checked


def test_every_phantom_has_a_check():
    assert set(CHECKS) == set(PHANTOMS)


@pytest.mark.parametrize("name", sorted(PHANTOMS))
def test_phantom_passes(phantom_root, name):
    report = checked(name, phantom_root / name)
    assert report.ok, report.problems
    assert report.layout and report.summary


def test_summary_counts_what_is_there(phantom_root):
    report = check_dataset("seg2d", phantom_root / "seg2d")
    assert report.summary["train images"] == len(list((phantom_root / "seg2d/train/images").iterdir()))
    assert report.layout == "split folders, masks 0/255"
    cxr = check_dataset("cxr", phantom_root / "cxr")
    assert cxr.layout == "VinDr-CXR, phantom build"
    assert cxr.summary["train images"] == len(list((phantom_root / "cxr/train").glob("*.dicom")))


def test_command_clean_and_broken(phantom_root, copy_of, capsys, monkeypatch):
    monkeypatch.setenv("DLMIA_DATA", str(phantom_root))
    assert main(["data", "check", "knee_ct"]) == 0           # default path: $DLMIA_DATA/knee_ct
    out = capsys.readouterr().out
    knees = len(list((phantom_root / "knee_ct").rglob("bone_segmented.*")))
    assert out.startswith("ok: knee_ct (") and f"knees {knees}," in out
    folder = copy_of("seg2d")
    for mask in sorted((folder / "train/masks").iterdir())[:2]:
        mask.unlink()
    assert main(["data", "check", "seg2d", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len([line for line in lines if line.startswith("problem: ")]) == 2
    assert lines[-1] == f"seg2d: 2 problem(s) in {folder}"


def test_command_unknown_name_or_missing_folder(tmp_path, capsys):
    assert main(["data", "check", "nosuch", str(tmp_path)]) == 1
    assert "no dataset called 'nosuch'" in capsys.readouterr().err
    assert main(["data", "check", "cxr", str(tmp_path / "absent")]) == 1
    err = capsys.readouterr().err
    assert "absent does not exist" in err and "Traceback" not in err
    with pytest.raises(DataError, match="is a file"):
        (tmp_path / "f").write_text("x")
        check_dataset("cxr", tmp_path / "f")


def test_command_help():
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["data", "check", "--help"])
    assert info.value.code == 0


def test_library_warnings_become_one_note(copy_of, capsys):
    """A file pydicom reads with a warning (pixel data with excess padding) passes; the warning
    is shown once, as a note naming the file, not on stderr once per file."""
    folder = copy_of("cxr")
    path = sorted((folder / "train").iterdir())[0]
    ds = pydicom.dcmread(path)
    ds.PixelData = ds.PixelData + b"\0" * 128
    ds.save_as(path)
    assert main(["data", "check", "cxr", str(folder)]) == 0
    captured = capsys.readouterr()
    notes = [line for line in captured.out.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "padding" in notes[0] and path.name in notes[0], captured.out
    assert captured.err == ""


def test_quick_checks_radiographs_from_headers(copy_of, monkeypatch, capsys):
    """``--quick`` decodes no pixel and still finds a cut file and an image with no row."""
    import common.data_check.cxr as cxr_check

    def no_decoding(*args, **kwargs):
        raise AssertionError("--quick decoded an image")

    monkeypatch.setattr(cxr_check, "read_dicom", no_decoding)
    folder = copy_of("cxr")
    report = check_dataset("cxr", folder, quick=True)
    assert report.ok and report.layout.endswith("DICOM headers only"), report.problems
    files = sorted((folder / "train").iterdir())
    files[0].write_bytes(files[0].read_bytes()[:-500])
    (folder / "train" / "ffff000000000000.dicom").write_bytes(files[1].read_bytes())
    assert main(["data", "check", "cxr", str(folder), "--quick"]) == 1
    out = capsys.readouterr().out
    assert f"{files[0].name} is truncated" in out and "ffff000000000000.dicom has no row" in out
