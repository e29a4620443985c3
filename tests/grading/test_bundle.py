"""The students' copy (``dlmia grade bundle OUT``): what it holds, that it gives no answer away,
that its package imports without an install, and that it answers in one sentence where it lacks
a key or the grading tools."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

from common.cli import main
from common.errors import CourseError
from common.grading.bundle import SHARED_LINES, STUBS, write_bundle
from common.grading.course_check import leaked_lines
from common.grading.notebook import read_notebook
from common.paths import repo_root

ROOT = repo_root()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("students") / "course"
    assert main(["grade", "bundle", str(out)]) == 0
    return out


#: forgets this repository's editable install, as on a student's machine, before anything runs.
_STUDENT_MACHINE = ("import sys\n"
                    "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in "
                    "getattr(f, '__module__', '')]\n")


def _run(bundle: Path, code: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``-c CODE`` or ``-m MODULE ARGS`` in the copy's folder with only the copy on the path
    and an empty data root."""
    env = {**os.environ, "PYTHONPATH": str(bundle), "DLMIA_DATA": str(tmp_path / "data"),
           "DLMIA_RUN_DIR": str(tmp_path / "run")}
    if code[0] == "-m":
        program = (f"import runpy\nsys.argv = {code[1:]!r}\n"
                   f"runpy.run_module({code[1]!r}, run_name='__main__', alter_sys=True)\n")
    else:
        program = code[1]
    return subprocess.run([sys.executable, "-c", _STUDENT_MACHINE + program], cwd=bundle, env=env,
                          capture_output=True, text=True, timeout=120)


def _text_files(folder: Path) -> dict[Path, str]:
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            try:
                out[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                pass
    return out


def test_layout(bundle):
    assert (bundle / "common" / "__init__.py").is_file()
    assert not (bundle / "common" / "grading").exists()
    released = sorted(p.relative_to(ROOT) for p in (ROOT / "labs").glob("*/*.ipynb"))
    assert released and sorted(p.relative_to(bundle) for p in (bundle / "labs").glob("*/*.ipynb")) == released
    cards = sorted(p.name for p in (ROOT / "datasets").glob("*.md"))
    assert sorted(p.name for p in (bundle / "datasets").iterdir()) == cards
    top = {p.name for p in bundle.iterdir()}
    assert top == {"common", "labs", "datasets", "README.md", "pyproject.toml", "environment.yml"}


def test_nothing_grading_only_is_in_it(bundle):
    forbidden = {"solutions", "tests", "runs", "answer_keys", "grading", "gradebook.db"}
    for path in bundle.rglob("*"):
        rel = path.relative_to(bundle)
        assert not set(rel.parts) & forbidden, rel
        assert path.suffix not in (".db", ".pyc") and "__pycache__" not in rel.parts, rel
    assert not list(bundle.rglob("*.csv")), "no table (answer key, run output) ships"


def test_no_solution_or_hidden_test_line_in_any_text_file(bundle):
    """Every line of every source notebook's blocks is searched for, except the reviewed ones."""
    files = _text_files(bundle)
    assert len(files) > 50
    lines = {path: {ln.strip() for ln in text.splitlines()} for path, text in files.items()}
    shared = set()
    sources = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    assert sources
    for source_path in sources:
        source = read_notebook(source_path)
        secret = set(leaked_lines(source, source))   # the source as its own release: every secret line
        assert secret, f"{source_path.name} has solution or hidden-test lines"
        for path, found in lines.items():
            shared |= secret & found
            leaked = (secret & found) - set(SHARED_LINES)
            assert not leaked, f"{path.relative_to(bundle)} holds {source_path.name} lines: {sorted(leaked)[:3]}"
    assert shared == set(SHARED_LINES), "drop the reviewed lines that no longer occur"


def test_lab01_answer_key_is_left_out(bundle, tmp_path):
    text = (bundle / "common" / "digits.py").read_text()
    assert "def digits_answer_key" in text and "return pd.DataFrame({\"ImageId\"" not in text
    done = _run(bundle, ["-c", "from common.digits import digits_answer_key; digits_answer_key()"],
                tmp_path)
    assert done.returncode != 0 and "DataError: lab01's test labels stay with the grader" in done.stderr


def test_rle_codec_is_left_out_but_its_format_check_stays(bundle, tmp_path):
    """lab04's graded encoder and decoder raise one sentence in the copy; rle_problem, which
    validates lab04 CSVs, still works (it calls neither)."""
    sentence = STUBS["io/rle.py"]["rle_encode"]
    assert sentence == STUBS["io/rle.py"]["rle_decode"]
    assert sentence.count(". ") == 0 and "\n" not in sentence and "lab04" in sentence
    text = (bundle / "common" / "io" / "rle.py").read_text()
    assert "np.flatnonzero" not in text and 'order="F")' not in text and "def rle_problem" in text
    code = ("import numpy as np\nfrom common.errors import DataError\n"
            "from common.io import rle_decode, rle_encode, rle_problem\n"
            "for call in (lambda: rle_encode(np.ones((2, 2))), lambda: rle_decode('1 2', (2, 2))):\n"
            "    try:\n        call()\n    except DataError as exc:\n        print('SENTENCE', exc)\n"
            "print('PROBLEM', rle_problem('1 2 3', (4, 4)))\nprint('OK', rle_problem('1 2 4 3', (4, 4)))\n")
    done = _run(bundle, ["-c", code], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [f"SENTENCE {sentence}"] * 2
    assert lines[2].startswith("PROBLEM ") and "odd number" in lines[2] and lines[3] == "OK None"


def test_lab04_csv_is_validated_in_the_copy_and_scoring_is_one_sentence(bundle, tmp_path):
    """With seg2d built in the copy (its builder needs no RLE encoder), validate-csv checks a lab04
    CSV; score-csv answers with the stub's sentence, not a traceback."""
    build = ("from common.phantoms import seg2d\nfrom common.phantoms.build import build_phantom\n"
             "seg2d.SPLITS = {'train': 2, 'val': 1, 'test': 2}\n"
             "build_phantom('seg2d', verbose=False)\n")
    done = _run(bundle, ["-c", build], tmp_path)
    assert done.returncode == 0, done.stderr
    header = (tmp_path / "data" / "answer_keys" / "seg2d" / "test_masks.csv").read_text().splitlines()[0]
    assert header == "ImageId,Height,Width,PackedMask"
    good, bad = tmp_path / "submission.csv", tmp_path / "bad.csv"
    good.write_text("ImageId,EncodedPixels\ntest_0000,1 2\ntest_0001,\n")
    bad.write_text("ImageId,EncodedPixels\ntest_0000,1 2 3\ntest_0001,\n")
    ok = _run(bundle, ["-m", "common.cli", "grade", "validate-csv", "lab04_segmentation", str(good)],
              tmp_path)
    assert ok.returncode == 0 and "Traceback" not in ok.stderr, ok.stdout + ok.stderr
    refused = _run(bundle, ["-m", "common.cli", "grade", "validate-csv", "lab04_segmentation",
                            str(bad)], tmp_path)
    assert refused.returncode == 1 and "odd number" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    scored = _run(bundle, ["-m", "common.cli", "grade", "score-csv", "lab04_segmentation", str(good)],
                  tmp_path)
    assert scored.returncode == 1 and "Traceback" not in scored.stderr
    assert scored.stderr == f"error: {STUBS['io/rle.py']['rle_decode']}\n"


def test_package_imports_without_install(bundle, tmp_path):
    done = _run(bundle, ["-c", "import common, common.submissions, common.phantoms.registry; "
                         "print(common.__file__)"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve().is_relative_to(bundle.resolve())


@pytest.mark.parametrize("lab, content", [
    ("lab01_digits_mlp", "ImageId,Label\n1,3\n"),
    ("lab04_segmentation", "ImageId,EncodedPixels\ntest_0000,1 2\n"),
])
def test_validate_without_a_key_is_one_sentence(bundle, tmp_path, lab, content):
    csv = tmp_path / "submission.csv"
    csv.write_text(content)
    code = ("from common.errors import CourseError\nfrom common.submissions import validate_submission\n"
            f"try:\n    validate_submission({lab!r}, {str(csv)!r})\n"
            "except CourseError as exc:\n    print('SENTENCE', exc)\n")
    done = _run(bundle, ["-c", code], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    sentence = done.stdout.strip().removeprefix("SENTENCE ")
    assert done.stdout.startswith("SENTENCE") and sentence.count(". ") == 0 and "\n" not in sentence
    cli = _run(bundle, ["-m", "common.cli", "grade", "validate-csv", lab, str(csv)], tmp_path)
    assert cli.returncode == 1 and cli.stderr.startswith("error: ") and "Traceback" not in cli.stderr


@pytest.mark.parametrize("argv", [["grade", "check", "lab01_digits_mlp"], ["grade", "bundle", "x"]])
def test_grading_verbs_answer_in_one_sentence(bundle, tmp_path, argv):
    done = _run(bundle, ["-m", "common.cli", *argv], tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: this copy of the course has no grading tools")


def test_install_files(bundle):
    project = tomllib.loads((bundle / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"dlmia": "common.cli:main"}
    assert project["project"]["readme"] == "README.md" and "tool" in project
    assert "optional-dependencies" not in project["project"] and "pytest" not in project["tool"]
    packages = find_packages(str(bundle), **project["tool"]["setuptools"]["packages"]["find"])
    assert "common" in packages and "common.submissions" in packages
    assert not [p for p in packages if p.startswith("common.grading")]
    env = (bundle / "environment.yml").read_text()
    assert all(f"- {d}\n" in env for d in project["project"]["dependencies"]) and "- -e .\n" in env
    readme = (bundle / "README.md").read_text()
    assert "pip install -e ." in readme and "dlmia grade validate-csv" in readme


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    with pytest.raises(CourseError, match="exists and is not empty") as info:
        write_bundle(out)
    assert "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "nothing half-written beside it"
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_leak_leaves_nothing(tmp_path, monkeypatch):
    from common.grading import bundle as bundle_module

    monkeypatch.setattr(bundle_module, "bundle_problems", lambda folder, root=None: ["a leak."])
    with pytest.raises(CourseError, match="would leak 1 thing"):
        write_bundle(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_bundle_has_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["grade", "bundle", "--help"])
    assert info.value.code == 0 and "usage: dlmia grade bundle" in capsys.readouterr().out
