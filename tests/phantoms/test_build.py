"""The phantom builder: manifest with checksums, idempotency, rebuild on change, answer keys,
and the builder's determinism on a real phantom (spine_mr)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from common.answer_keys import read_answer_key, write_answer_key
from common.env import DATA_ENV
from common.errors import DataError
from common.phantoms import build as builder
from common.phantoms import spine_mr


def _fake_module(calls: list) -> SimpleNamespace:
    """A tiny phantom: two files from the seed and an answer key next to the dataset."""

    def build(out_dir: Path, seed: int = 0) -> None:
        calls.append(seed)
        rng = np.random.default_rng(seed)
        (out_dir / "sub").mkdir()
        np.save(out_dir / "sub" / "x.npy", rng.normal(size=(3, 3)))
        (out_dir / "labels.csv").write_text("id,label\n1,0\n")
        write_answer_key("fake", "test", pd.DataFrame({"id": [2], "label": [1]}),
                                 root=out_dir.parent)

    return SimpleNamespace(NAME="fake", DESCRIPTION="tiny", VERSION=1, build=build)


@pytest.fixture
def fake(monkeypatch):
    calls: list = []
    module = _fake_module(calls)
    monkeypatch.setattr(builder, "get_phantom", lambda name: module)
    return module, calls


def test_manifest_records_checksums(tmp_path, fake):
    entry = builder.build_phantom("fake", root=tmp_path, verbose=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["fake"]["files"] == entry["files"]
    assert set(entry["files"]) == {"labels.csv", "sub/x.npy"}
    assert entry["files"]["labels.csv"] == builder.sha256_of(tmp_path / "fake" / "labels.csv")
    assert entry["version"] == 1 and entry["seed"] == 0


def test_second_build_is_skipped(tmp_path, fake, capsys):
    _, calls = fake
    builder.build_phantom("fake", root=tmp_path)
    builder.build_phantom("fake", root=tmp_path)
    assert calls == [0]
    assert "up to date" in capsys.readouterr().out


def test_changed_file_seed_version_or_force_rebuilds(tmp_path, fake):
    module, calls = fake
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    (tmp_path / "fake" / "labels.csv").write_text("tampered\n")
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    assert (tmp_path / "fake" / "labels.csv").read_text() == "id,label\n1,0\n"
    builder.build_phantom("fake", root=tmp_path, seed=1, verbose=False)
    module.VERSION = 2
    builder.build_phantom("fake", root=tmp_path, seed=1, verbose=False)
    builder.build_phantom("fake", root=tmp_path, seed=1, force=True, verbose=False)
    assert calls == [0, 0, 1, 1, 1]


def test_answer_key_outside_dataset(tmp_path, fake):
    builder.build_phantom("fake", root=tmp_path, verbose=False)
    key = read_answer_key("fake", "test", root=tmp_path)
    assert key.to_dict("list") == {"id": [2], "label": [1]}
    assert not list((tmp_path / "fake").rglob("*answer*"))
    assert (tmp_path / "answer_keys" / "fake" / "test.csv").is_file()


def test_missing_answer_key(tmp_path):
    with pytest.raises(DataError, match="dlmia data build spine_mr"):
        read_answer_key("spine_mr", "narrowing", root=tmp_path)


def test_failed_build_leaves_no_folder(tmp_path, monkeypatch):
    def broken(out_dir: Path, seed: int = 0) -> None:
        (out_dir / "half.txt").write_text("x")
        raise RuntimeError("boom")

    module = SimpleNamespace(NAME="fake", DESCRIPTION="", VERSION=1, build=broken)
    monkeypatch.setattr(builder, "get_phantom", lambda name: module)
    with pytest.raises(RuntimeError):
        builder.build_phantom("fake", root=tmp_path, verbose=False)
    assert not (tmp_path / "fake").exists()
    assert [p.name for p in tmp_path.iterdir()] == [builder.LOCK_NAME]   # only the lock file


def test_unknown_phantom_name(tmp_path):
    with pytest.raises(DataError, match="no phantom called"):
        builder.build_phantom("nope", root=tmp_path)


def test_spine_mr_build_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setattr(spine_mr, "N_PATIENTS", 2)
    monkeypatch.setattr(spine_mr, "N_TEST", 1)
    first = builder.build_phantom("spine_mr", root=tmp_path / "a", verbose=False)
    second = builder.build_phantom("spine_mr", root=tmp_path / "b", verbose=False)
    assert first["files"] == second["files"]
    assert "annotations.xlsx" in first["files"] and "images/001_t2.mha" in first["files"]
    assert (builder.sha256_of(tmp_path / "a" / "answer_keys" / "spine_mr" / "narrowing.csv")
            == builder.sha256_of(tmp_path / "b" / "answer_keys" / "spine_mr" / "narrowing.csv"))


def test_builders_started_together_take_turns(tmp_path):
    """Two `dlmia data build` processes on one data root: one builds, the other waits and
    finds the build current; the manifest keeps the entry and matches the files."""
    import os
    import subprocess
    import sys

    env = {**os.environ, DATA_ENV: str(tmp_path)}
    cmd = [sys.executable, "-m", "common.cli", "data", "build", "knee_ct"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    said = "".join(outs)
    assert said.count("knee_ct: built") == 1 and said.count("knee_ct: up to date") == 1, said
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["knee_ct"]["files"] == builder._checksums(tmp_path / "knee_ct")
    assert not list(tmp_path.glob(".knee_ct-*")) and not (tmp_path / "manifest.json.partial").exists()


def test_a_held_lock_gives_a_clear_error(tmp_path, fake, monkeypatch):
    from filelock import FileLock

    monkeypatch.setattr(builder, "LOCK_TIMEOUT_S", 0.2)
    with FileLock(tmp_path / builder.LOCK_NAME):
        # the same process may re-enter its own lock object, so hold it from another thread
        import threading

        errors: list = []

        def other():
            try:
                builder.build_phantom("fake", root=tmp_path, verbose=False)
            except DataError as exc:
                errors.append(str(exc))

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(errors) == 1 and "wait for it to finish" in errors[0]
    assert not (tmp_path / "fake").exists()


def test_registry_lists_every_generator_module():
    """A generator module that is not in PHANTOMS would never be built: the table is complete."""
    from common.labs import LABS
    from common.phantoms.registry import PHANTOM_NAMES, PHANTOMS, available_phantoms, get_phantom

    folder = Path(builder.__file__).parent
    generators = {p.stem for p in folder.glob("*.py")
                  if re.search(r"^def build\(", p.read_text(), re.M)}
    assert set(PHANTOMS) == generators
    assert all(PHANTOMS[name].NAME == name for name in PHANTOMS)
    assert available_phantoms() == list(PHANTOMS) and get_phantom("seg2d") is PHANTOMS["seg2d"]
    assert PHANTOM_NAMES["ct_volumes"] == "lab02, lab03" and PHANTOM_NAMES["knee_ct"] == "lab07"
    read = {d for lab in LABS.values() for d in lab.datasets} - {"digits"}
    assert read == set(PHANTOMS)
