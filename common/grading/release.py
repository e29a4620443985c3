"""Generate the student release (``labs/``) from the source notebooks (``solutions/``)."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from ..errors import CourseError
from ..labs import lab_ids
from ..paths import repo_root
from .nbgrader_cli import nbgrader

__all__ = ["generate_release", "update_release", "release_differences"]


def _check_labs(labs: list[str] | None, root: Path) -> list[str]:
    known = lab_ids(root)
    labs = list(labs or known)
    unknown = [lab for lab in labs if lab not in known]
    if unknown:
        raise CourseError(f"Unknown lab(s) {', '.join(unknown)}; choose from {', '.join(known)}.")
    return labs


def generate_release(labs: list[str] | None, dest: Path, root: Path | None = None) -> Path:
    """Run ``nbgrader generate_assignment`` for ``labs`` in a scratch course; copy to ``dest``.

    Returns:
        ``dest``, holding one folder per lab.
    """
    root = Path(root or repo_root())
    labs = _check_labs(labs, root)
    with tempfile.TemporaryDirectory(prefix="dlmia-release-") as tmp:
        tmp = Path(tmp)
        shutil.copy(root / "nbgrader_config.py", tmp / "nbgrader_config.py")
        for lab in labs:
            shutil.copytree(root / "solutions" / lab, tmp / "solutions" / lab,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for lab in labs:
            nbgrader("generate_assignment", lab, "--force", "--CourseDirectory.root=" + str(tmp),
                     cwd=tmp)
        dest.mkdir(parents=True, exist_ok=True)
        for lab in labs:
            if (dest / lab).exists():
                shutil.rmtree(dest / lab)
            shutil.copytree(tmp / "labs" / lab, dest / lab)
    return dest


def update_release(labs: list[str] | None = None, root: Path | None = None) -> list[str]:
    """Regenerate ``labs/<lab>`` in the repository; return the labs written."""
    root = Path(root or repo_root())
    labs = _check_labs(labs, root)
    generate_release(labs, root / "labs", root)
    return labs


def release_differences(labs: list[str] | None = None, root: Path | None = None) -> list[str]:
    """Files that differ between a fresh release and the committed ``labs/`` (empty: in sync)."""
    root = Path(root or repo_root())
    labs = _check_labs(labs, root)
    problems = []
    with tempfile.TemporaryDirectory(prefix="dlmia-fresh-") as tmp:
        fresh = generate_release(labs, Path(tmp), root)
        for lab in labs:
            a, b = fresh / lab, root / "labs" / lab
            if not b.is_dir():
                problems.append(f"labs/{lab} is missing; run `dlmia grade release {lab}`.")
                continue
            names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
            names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
            for name in sorted(names):
                fa, fb = a / name, b / name
                if not (fa.is_file() and fb.is_file() and filecmp.cmp(fa, fb, shallow=False)):
                    problems.append(f"labs/{lab}/{name} is not what solutions/{lab} generates; "
                                    f"run `dlmia grade release {lab}` and commit the result.")
    return problems
