"""A missing data root gives one sentence that says how to build or point at the data."""

from __future__ import annotations

import pytest

from common.errors import DataError
from common.paths import data_root, require_dir


def test_missing_data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "nowhere"))
    assert data_root() == (tmp_path / "nowhere").resolve()
    with pytest.raises(DataError, match="dlmia data build spine_mr") as info:
        require_dir(data_root() / "spine_mr", "the spine_mr phantom", build_hint="spine_mr")
    message = str(info.value)
    assert "DLMIA_DATA" in message and "\n" not in message
