"""The package's layers run one way: no module imports from a floor above its own.

Ground floor: errors, environment, paths, seeding, device, progress, loaders, the lab catalogue,
file readers and answer keys. Above it the tools every lab shares (training loop, metrics, plots,
reports, pretrained weights, the smoke switch); above those the topic packages; above those the
phantom generators and the submission scorers; on top grading, the runner, the results table and
the command line. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "common"

#: first component under ``common`` -> floor.
FLOORS = {
    **dict.fromkeys(["errors", "env", "paths", "seed", "device", "progress", "loaders", "labs",
                     "io", "answer_keys"], 0),
    **dict.fromkeys(["training", "metrics", "plots", "report", "pretrained", "smoke"], 1),
    **dict.fromkeys(["classification", "segmentation", "detection", "inflate", "digits",
                     "autoencoder"], 2),
    **dict.fromkeys(["phantoms", "submissions"], 3),
    **dict.fromkeys(["data_check"], 3),
    **dict.fromkeys(["grading", "leaderboard_server", "runner", "results", "cli"], 4),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str | None = None) -> list[tuple[str, int]]:
    """Absolute names of the ``common`` modules that ``path`` (module ``name``) imports, with line
    numbers."""
    name = name or _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, node.lineno))
            # ``from common import io`` imports the sub-package io
            found += [(f"{module}.{a.name}", node.lineno) for a in node.names
                      if module == "common"]
    return [(m, line) for m, line in found if m == "common" or m.startswith("common.")]


def _floor(module: str) -> int | None:
    parts = module.split(".")
    return FLOORS.get(parts[1]) if len(parts) > 1 else None


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_has_a_floor():
    unknown = {_module_name(p).split(".")[1] for p in MODULES if p != PACKAGE / "__init__.py"} - set(FLOORS)
    assert not unknown, f"give these modules a floor in tests/test_layers.py: {sorted(unknown)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_from_a_higher_floor(path):
    own = _floor(_module_name(path))
    if own is None:
        return
    upward = [f"line {line}: {module} (floor {_floor(module)})"
              for module, line in _imports(path) if (_floor(module) or 0) > own]
    assert not upward, f"{_module_name(path)} (floor {own}) imports from above: {upward}"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule can fail: a reader that imports a phantom, or a lab package the runner, is caught."""
    fake = tmp_path / "probe.py"
    fake.write_text("from ..phantoms import seg2d\n\n\ndef f():\n    from common.runner import run_lab\n")
    found = _imports(fake, name="common.io.probe")
    assert found == [("common.phantoms", 1), ("common.runner", 5)]
    assert all(_floor(m) > _floor("common.io.probe") for m, _ in found)


#: packages on one floor that must not import each other either.
SEPARATE = [("submissions", "phantoms"), ("phantoms", "submissions")]


@pytest.mark.parametrize("importer, imported", SEPARATE)
def test_scorers_and_generators_stay_apart(importer, imported):
    """Scorers read what they need from the answer keys, never from a phantom generator."""
    offenders = [f"{_module_name(p)} line {line}: {m}"
                 for p in MODULES if _module_name(p).split(".")[1:2] == [importer]
                 for m, line in _imports(p) if m.split(".")[1:2] == [imported]]
    assert not offenders, offenders
