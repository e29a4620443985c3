"""The repository's promises: two commands, CI runs them, environments agree, notebooks clean."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from common.grading.notebook import is_clean, read_notebook
from common.labs import LABS, lab_ids

ROOT = Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!\[ ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(s): s.replace(" ", "") for s in project["dependencies"]
              + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    have = {_name(s): s.replace(" ", "") for s in pip if not s.startswith("-e")}
    assert have == wanted
    assert "python=3.11" in env["dependencies"]


def test_torch_pins_within_what_pip_allows_here():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("torch>") and d.endswith("<=2.14.1") for d in deps)
    assert any(d.startswith("torchvision>") and d.endswith("<=0.29.1") for d in deps)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Two commands\s+```bash\n(.*?)```", readme, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]
    assert commands == ["make all", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_notebooks_are_committed_clean():
    labs = lab_ids()
    assert "lab01_digits_mlp" in labs
    for lab in labs:
        for folder in ("solutions", "labs"):
            path = ROOT / folder / lab / f"{lab}.ipynb"
            assert path.exists(), f"{path} is missing"
            assert is_clean(read_notebook(path)) == [], path


def test_every_lab_folder_is_catalogued():
    """A lab whose folder is missing from common.labs.LABS would be skipped silently."""
    folders = sorted(p.name for p in (ROOT / "solutions").glob("lab*") if p.is_dir())
    assert folders == lab_ids()
    assert set(folders) <= set(LABS)


def test_assignment_folders_hold_only_notebooks():
    """nbgrader copies every file of a source folder to every student: keep data out."""
    for lab in lab_ids():
        files = [p.name for p in (ROOT / "solutions" / lab).iterdir()]
        assert files == [f"{lab}.ipynb"], files


def test_code_and_solution_notebooks_pass_ruff():
    """One style for the package, the tests and the reference notebooks (config in pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "common", "tests", "nbgrader_config.py",
         "solutions"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
