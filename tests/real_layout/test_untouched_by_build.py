"""Real-layout folders of every dataset are byte-for-byte the same after ``dlmia data build --all``,
with or without ``--force`` (each is skipped with one line)."""

from __future__ import annotations

import pytest

from common.cli import main
from common.paths import data_root
from real_layout import ct_volumes, cxr, knee_ct, seg2d, spine_mr
from real_layout.smoke import digest

CONVERTERS = {
    "ct_volumes": lambda src, dst: ct_volumes.make_real_layout(src, dst, n_patients=8),
    "seg2d": lambda src, dst: seg2d.make_real_layout(src, dst, layout="isic"),
    "cxr": cxr.make_real_layout,
    "knee_ct": knee_ct.make_real_layout,
    "spine_mr": lambda src, dst: spine_mr.make_real_layout(src, dst, n_patients=6),
}


@pytest.mark.slow
def test_data_build_all_leaves_every_real_layout_byte_for_byte(tmp_path, capsys):
    root = tmp_path / "data"
    for name, convert in CONVERTERS.items():
        convert(data_root() / name, root / name)
    before = {name: digest(root / name) for name in CONVERTERS}
    assert all(before.values())
    assert main(["data", "build", "--all", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"left {len(CONVERTERS)} untouched" in out
    assert all(f"{name}: skipped." in out for name in CONVERTERS)
    assert {name: digest(root / name) for name in CONVERTERS} == before
    assert not list(root.glob("*/.dlmia-phantom.json")) and not (root / "manifest.json").exists()
    assert main(["data", "build", "--all", "--root", str(root), "--force"]) == 0
    assert {name: digest(root / name) for name in CONVERTERS} == before
