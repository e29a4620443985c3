"""Hidden test splits from an instructor's secret: the public build is unchanged byte for byte, a
secret changes only the hidden split and its key, two secrets give two keys, and the secret is
written nowhere."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from common.answer_keys import answer_key_path, read_answer_key
from common.cli import main
from common.env import HIDDEN_SEED_ENV
from common.errors import DataError
from common.paths import repo_root
from common.phantoms import build as builder
from common.phantoms import ct_volumes, cxr, seg2d, spine_mr

PUBLISHED = repo_root() / "datasets"
SECRET, OTHER_SECRET = "correct horse battery staple", "tr0ub4dor&3"
#: each leaderboard dataset's answer keys.
KEYS = {"ct_volumes": ["labels"], "seg2d": ["test_masks"], "cxr": ["test_boxes"],
        "spine_mr": ["narrowing", "geometry"]}


def _published_entry(name: str) -> dict:
    path = PUBLISHED / "manifest.json"
    entry = json.loads(path.read_text()).get(name) if path.is_file() else None
    if not entry or entry.get("seed") != 0 or entry.get("hidden_seed") \
            or entry.get("version") != builder.get_phantom(name).VERSION:
        pytest.skip(f"no public build of {name} in {PUBLISHED} to compare with")
    return entry


@pytest.mark.parametrize("name", ["seg2d", "cxr", "spine_mr",
                                  pytest.param("ct_volumes", marks=pytest.mark.slow)])
def test_default_build_is_the_published_one(name, tmp_path):
    """Without a secret every file and answer key is byte-identical to the built datasets/."""
    published = _published_entry(name)
    entry = builder.build_phantom(name, root=tmp_path, verbose=False)
    assert entry["files"] == published["files"]
    assert "hidden_seed" not in entry
    for key in (PUBLISHED / "answer_keys" / name).iterdir():
        assert (tmp_path / "answer_keys" / name / key.name).read_bytes() == key.read_bytes(), key.name


@pytest.fixture
def small(monkeypatch):
    """Every leaderboard phantom shrunk to a few cases per split."""
    monkeypatch.setattr(seg2d, "SPLITS", {"train": 3, "val": 2, "test": 3})
    monkeypatch.setattr(cxr, "_SPLITS", {"train": 2, "test": 2})
    monkeypatch.setattr(spine_mr, "N_PATIENTS", 5)
    monkeypatch.setattr(spine_mr, "N_TEST", 2)
    monkeypatch.setattr(ct_volumes, "N_PATIENTS", 30)


def _build(root: Path, name: str, secret: str | None) -> dict:
    return builder.build_phantom(name, root=root, verbose=False, hidden_seed=secret)


def _test_ids(name: str, public: Path) -> set[str]:
    """Ids of the hidden split's cases in a public build (the same with any secret)."""
    if name == "ct_volumes":
        table = pd.read_csv(public / "patients.csv", dtype=str)
        return set(table.loc[table["split"] == "test", "patient_id"])
    if name == "spine_mr":
        return {f"{k + 1:03d}" for k in range(spine_mr.N_PATIENTS - spine_mr.N_TEST, spine_mr.N_PATIENTS)}
    return set()


def _in_hidden_split(name: str, rel: str, test_ids: set[str]) -> bool:
    if name in ("seg2d", "cxr"):
        return rel.startswith("test/")
    if name == "ct_volumes":
        return rel.startswith("volumes/") and Path(rel).name.split(".")[0] in test_ids
    return rel.split("/")[0] in ("images", "masks") and Path(rel).name.split("_")[0] in test_ids


def _public_rows(name: str, folder: Path, test_ids: set[str]) -> dict[str, pd.DataFrame]:
    """The rows of the tables that mix splits, without the hidden split's rows."""
    if name == "ct_volumes":
        table = pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)
        return {"patients.csv": table[table["split"] != "test"]}
    if name == "spine_mr":
        ann = pd.read_excel(folder / "annotations.xlsx", dtype={"patient_id": str})
        truth = pd.read_csv(folder / "ground_truth.csv", dtype={"patient_id": str})
        return {"annotations.xlsx": ann[ann["split"] != "test"],
                "ground_truth.csv": truth[~truth["patient_id"].isin(test_ids)]}
    return {}


@pytest.mark.parametrize("name", list(KEYS))
def test_secret_changes_only_the_hidden_split(name, tmp_path, small):
    roots = {tag: tmp_path / tag for tag in ("public", "secret", "again", "other")}
    public = _build(roots["public"], name, None)
    secret = _build(roots["secret"], name, SECRET)
    again = _build(roots["again"], name, SECRET)
    _build(roots["other"], name, OTHER_SECRET)
    assert secret["hidden_seed"] is True and "hidden_seed" not in public
    test_ids = _test_ids(name, roots["public"] / name)
    mixed = _public_rows(name, roots["public"] / name, test_ids)
    hidden = {rel for rel in {*public["files"], *secret["files"]}
              if _in_hidden_split(name, rel, test_ids)}
    assert hidden, "the hidden split has files"
    assert set(secret["files"]) - hidden == set(public["files"]) - hidden, \
        "only the hidden split's files may come and go (cxr draws 2-4 images per patient)"
    for rel, digest in public["files"].items():
        if rel in hidden:
            continue
        if rel in mixed:   # a table with rows of every split: the public rows are unchanged
            got = _public_rows(name, roots["secret"] / name, test_ids)[rel]
            pd.testing.assert_frame_equal(got, mixed[rel])
        else:
            assert secret["files"][rel] == digest, f"{rel} is not in the hidden split but changed"
    assert any(secret["files"].get(rel) != public["files"].get(rel) for rel in hidden)
    assert again["files"] == secret["files"], "the same secret gives the same bytes"
    for key in KEYS[name]:
        tables = {tag: read_answer_key(name, key, root=root) for tag, root in roots.items()}
        assert not tables["secret"].equals(tables["public"]), "the public seed gives away the key"
        assert not tables["secret"].equals(tables["other"]), "two secrets give the same key"
        assert tables["secret"].equals(tables["again"])


@pytest.mark.parametrize("name", list(KEYS))
def test_secret_is_written_nowhere(name, tmp_path, small):
    _build(tmp_path, name, SECRET)
    entropy = builder.hidden_seed_entropy(SECRET)
    needles = [SECRET.encode(), str(entropy).encode(), f"{entropy:x}".encode()]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert answer_key_path(name, KEYS[name][0], root=tmp_path) in files
    for path in files:
        data = path.read_bytes()
        assert not any(n in data for n in needles), f"{path.relative_to(tmp_path)} holds the secret"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest[name]["hidden_seed"] is True


def test_a_public_build_leaves_a_secret_build_in_place(tmp_path, small, capsys):
    """Lab notebooks call build_phantom without a secret: that must not undo the grader's data."""
    secret = _build(tmp_path, "seg2d", SECRET)
    key = answer_key_path("seg2d", "test_masks", root=tmp_path).read_bytes()
    assert builder.build_phantom("seg2d", root=tmp_path) == secret
    assert "hidden split from a secret" in capsys.readouterr().out
    assert answer_key_path("seg2d", "test_masks", root=tmp_path).read_bytes() == key
    public = builder.build_phantom("seg2d", root=tmp_path, force=True, verbose=False)
    assert "hidden_seed" not in public and public["files"] != secret["files"]


def test_a_secret_build_always_rebuilds(tmp_path, small):
    first = _build(tmp_path, "seg2d", SECRET)
    second = _build(tmp_path, "seg2d", OTHER_SECRET)
    assert second["files"] != first["files"]


def test_an_empty_secret_is_refused(tmp_path):
    with pytest.raises(DataError, match="hidden seed is empty"):
        builder.build_phantom("seg2d", root=tmp_path, hidden_seed="")


def test_a_phantom_without_a_hidden_split_ignores_the_secret(tmp_path, monkeypatch):
    calls = []

    def build(out_dir: Path, seed: int = 0) -> None:
        calls.append(seed)
        (out_dir / "a.txt").write_text("a\n")

    module = SimpleNamespace(NAME="tiny", VERSION=1, build=build)
    monkeypatch.setattr(builder, "get_phantom", lambda name: module)
    entry = builder.build_phantom("tiny", root=tmp_path, verbose=False, hidden_seed=SECRET)
    assert calls == [0] and "hidden_seed" not in entry


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_cli_takes_the_secret_from_a_flag_or_the_environment(how, tmp_path, small, monkeypatch,
                                                              capsys):
    argv = ["data", "build", "seg2d", "--root", str(tmp_path)]
    if how == "flag":
        argv += ["--hidden-seed", SECRET]
        monkeypatch.delenv(HIDDEN_SEED_ENV, raising=False)
    else:
        monkeypatch.setenv(HIDDEN_SEED_ENV, SECRET)
    assert main(argv) == 0
    assert "hidden split from a secret" in capsys.readouterr().out
    assert json.loads((tmp_path / "manifest.json").read_text())["seg2d"]["hidden_seed"] is True
