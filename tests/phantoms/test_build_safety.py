"""The builder never deletes what it did not write: real downloads, added files, failed rebuilds."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from common.errors import DataError
from common.phantoms import build as builder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def fake(monkeypatch):
    """A tiny phantom whose build can be told to fail half-way."""
    state = {"fail": False, "calls": 0}

    def build(out_dir: Path, seed: int = 0) -> None:
        state["calls"] += 1
        (out_dir / "images").mkdir()
        np.save(out_dir / "images" / "a.npy", np.full((2, 2), seed))
        if state["fail"]:
            raise RuntimeError("generator failed half-way")
        (out_dir / "labels.csv").write_text("id,label\na,1\n")

    module = SimpleNamespace(NAME="fake", DESCRIPTION="tiny", VERSION=1, build=build)
    monkeypatch.setattr(builder, "get_phantom", lambda name: module)
    return module, state


def _real_download(root: Path) -> Path:
    real = root / "fake"
    (real / "train").mkdir(parents=True)
    (real / "train" / "case1.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"real")
    (real / "train.csv").write_text("image_id,class_id\ncase1,14\n")
    return real


def test_a_build_marks_its_folder_with_the_files_it_wrote(tmp_path, fake):
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    marker = json.loads((tmp_path / "fake" / builder.MARKER_NAME).read_text())
    assert marker["files"] == ["images/a.npy", "labels.csv"]
    assert builder.is_phantom_folder(tmp_path / "fake")


def test_a_real_download_is_refused_and_left_byte_for_byte(tmp_path, fake):
    real = _real_download(tmp_path)
    before = _snapshot(real)
    for force in (False, True):
        with pytest.raises(DataError, match="did not write .*train.csv.*left untouched"):
            builder.build_phantom("fake", root=tmp_path, force=force, verbose=False)
    assert _snapshot(real) == before
    assert not builder.is_phantom_folder(real)
    assert fake[1]["calls"] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".fake")] == []


def test_a_file_added_to_a_phantom_folder_blocks_a_rebuild(tmp_path, fake):
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    notes = tmp_path / "fake" / "images" / "my_notes.txt"
    notes.write_text("mine")
    with pytest.raises(DataError, match="my_notes.txt"):
        builder.build_phantom("fake", root=tmp_path, force=True, verbose=False)
    assert notes.read_text() == "mine"


def test_a_changed_file_of_its_own_is_rebuilt(tmp_path, fake):
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    (tmp_path / "fake" / "labels.csv").write_text("edited")
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    assert (tmp_path / "fake" / "labels.csv").read_text() == "id,label\na,1\n"


def test_a_build_made_before_markers_is_known_by_its_manifest(tmp_path, fake):
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    (tmp_path / "fake" / builder.MARKER_NAME).unlink()
    assert builder.is_phantom_folder(tmp_path / "fake",
                                     builder._read_manifest(tmp_path)["fake"])
    builder.build_phantom("fake", root=tmp_path, seed=1, verbose=False)   # rebuilds, no refusal
    assert (tmp_path / "fake" / builder.MARKER_NAME).exists()


def test_a_failed_rebuild_keeps_the_previous_build(tmp_path, fake):
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    before = _snapshot(tmp_path / "fake")
    fake[1]["fail"] = True
    with pytest.raises(RuntimeError, match="half-way"):
        builder.build_phantom("fake", root=tmp_path, force=True, verbose=False)
    assert _snapshot(tmp_path / "fake") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".fake")] == []   # no temp left


def test_a_file_or_link_in_place_of_the_folder_is_refused(tmp_path, fake):
    (tmp_path / "fake").write_text("not a folder")
    with pytest.raises(DataError, match="not a folder"):
        builder.build_phantom("fake", root=tmp_path, verbose=False)
    with pytest.raises(DataError, match="is a file"):
        builder.ensure_dataset("fake", root=tmp_path)
    (tmp_path / "fake").unlink()
    elsewhere = _real_download(tmp_path / "elsewhere")
    (tmp_path / "fake").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(DataError, match="not a folder the phantom builder made"):
        builder.build_phantom("fake", root=tmp_path, force=True, verbose=False)
    assert (elsewhere / "train.csv").exists()


def test_ensure_dataset_uses_what_is_there_and_builds_only_when_absent(tmp_path, fake):
    real = _real_download(tmp_path)
    before = _snapshot(real)
    assert builder.ensure_dataset("fake", root=tmp_path) == real
    assert _snapshot(real) == before and fake[1]["calls"] == 0
    other = tmp_path / "other_root"
    assert builder.ensure_dataset("fake", root=other) == other / "fake"
    assert fake[1]["calls"] == 1 and builder.is_phantom_folder(other / "fake")
    builder.ensure_dataset("fake", root=other)
    assert fake[1]["calls"] == 1


def test_a_built_folder_is_readable_by_other_users(tmp_path, fake):
    """The sandbox grades as an unprivileged user: a 0700 folder would hide the data from it."""
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    assert (tmp_path / "fake").stat().st_mode & 0o005 == 0o005
    (tmp_path / "fake").chmod(0o700)                   # a build made before this rule
    builder.build_phantom("fake", root=tmp_path, verbose=False)   # up to date: mode repaired
    assert (tmp_path / "fake").stat().st_mode & 0o005 == 0o005
    assert fake[1]["calls"] == 1
