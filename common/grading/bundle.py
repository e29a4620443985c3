"""The students' copy of the course: what ``dlmia grade bundle OUT`` writes.

The copy holds ``common/`` without the grading tools (:mod:`common.grading`) and with the
functions of :data:`STUBS` replaced by ones that raise a one-sentence
:class:`~common.errors.DataError`: lab01's answer-key function
(:func:`common.digits.digits_answer_key`, which computes the held-out labels) and the run-length
encoder and decoder (:mod:`common.io.rle`, lab04's graded task; its format check
``rle_problem`` stays, so lab04 CSVs are still validated there); the released
notebooks ``labs/``; the dataset cards ``datasets/*.md``; a students' ``README.md``; and a
``pyproject.toml`` and ``environment.yml`` trimmed so that ``pip install -e .`` works there (the
``dlmia`` command keeps building data and checking CSVs; the grading verbs answer with one
sentence). Nothing from ``solutions/``, ``tests/``, ``runs/``, gradebooks or answer keys.

The copy is written into a temporary folder beside ``OUT`` and renamed at the end, after
:func:`bundle_problems` found no grading file and no line of any source notebook's solution or
hidden-test blocks in it: a crash or a leak leaves nothing at ``OUT``.

Example:
    >>> write_bundle(Path("/tmp/dlmia-student"))
    PosixPath('/tmp/dlmia-student')
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
import textwrap
import tomllib
from pathlib import Path
from types import SimpleNamespace

from ..errors import CourseError
from ..paths import repo_root
from .course_check import leaked_lines
from .notebook import read_notebook

__all__ = ["write_bundle", "bundle_problems", "FORBIDDEN_PARTS", "SHARED_LINES", "STUBS", "README"]

#: parts of ``common/`` that stay with the grader (paths relative to ``common/``).
GRADER_ONLY = ("grading",)
#: a path in the copy with one of these components (or suffixes) is a leak.
FORBIDDEN_PARTS = ("solutions", "tests", "runs", "answer_keys", "grading", "gradebook.db",
                   "autograded", "submitted", "feedback")
FORBIDDEN_SUFFIXES = (".db", ".sqlite")
#: files and folders never copied (caches, build output).
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info",
                                 ".DS_Store")
#: sections of the course's ``pyproject.toml`` the copy keeps.
_PYPROJECT_SECTIONS = ("build-system", "project", "project.scripts", "tool.setuptools.packages.find")

#: lines of a source notebook's solution or hidden tests that the shipped package also holds, each
#: reviewed, with why it may ship; every other such line makes :func:`write_bundle` refuse.
SHARED_LINES: dict[str, str] = {
    "model.eval().to(device)": "a PyTorch idiom (common/training.py, common/detection/evaluate.py)",
    "with torch.no_grad():": "a PyTorch idiom (common/inflate/fast_block.py)",
    "except RuntimeError:": "a Python idiom (common/io/volumes.py)",
    "return pd.DataFrame(rows)": "a pandas idiom (common/detection/data.py)",
    "f = list(features)": "a Python idiom (common/segmentation/resunetpp.py)",
    "for layer in LAYERS for a, b in REGION_PAIRS]":
        "lab07's submission ids, part of its published CSV format (common/submissions/lab07_*.py)",
    "vectors = {}": "the forward-hook pattern of common/inflate/benchmark.py (lab07's timing script); "
                    "lab07's collect_features task uses the same pattern: review",
    "def keep(name):": "as 'vectors = {}'",
    "def hook(module, inputs, output):": "as 'vectors = {}'",
    "loss.backward()": "lab01's training-loop task is the loop of common/training.py by design: the "
                       "notebook says later labs use common.training.fit, the same loop",
    "model.eval()": "as 'loss.backward()' (also a PyTorch idiom of common/detection/cam.py)",
    "model.train()": "as 'loss.backward()'",
    "optimizer.step()": "as 'loss.backward()'",
    "model.to(device)": "as 'loss.backward()'",
    "model.load_state_dict(best_state)": "as 'loss.backward()' (keeping the best epoch's weights)",
    "import torch.nn.functional as F": "a PyTorch import idiom",
    "import warnings": "a Python import",
    "with warnings.catch_warnings():": "a Python idiom (common/io readers)",
    "except ValueError:": "a Python idiom",
    'return float("nan")': "a Python idiom (common/metrics.py's undefined AUC)",
    "rng = np.random.default_rng(0)": "a NumPy idiom",
    "for _ in range(5):": "a Python idiom",
    "return module": "a Python idiom",
    'indexing="ij")': "the tail of a np.meshgrid call (common/phantoms/spine_mr.py)",
    "include_background=True, percentile=95)[:, 0]":
        "the tail of MONAI's compute_hausdorff_distance call: the library metric that lab04's "
        "HD95 task is tested against, shipped as the course's own metric (common/segmentation)",
    "layers, c_in = [], 1": "common/autoencoder/models.py's CAE3D, given in lab06 as the 3D "
                            "counterpart of the 2D autoencoder students write: a worked pattern, "
                            "not the 2D answer (other layers, shapes and strides)",
    "return self.encoder(x)": "as 'layers, c_in = [], 1'",
    'f"segmented on this CT.")': "the tail of a message string (common/data_check/knee_ct.py)",
}

_RLE_STUB = ("Run-length encoding and decoding are lab04's graded task, so this copy of the course "
             "has no encoder or decoder to score a lab04 CSV with; submit it and the grader scores "
             "it.")
#: functions the copy replaces by a stub that raises :class:`~common.errors.DataError` with one
#: sentence: module (path relative to ``common/``) -> {function name: the sentence}. Each module
#: must define each function once, at top level, and have ``DataError`` imported.
STUBS: dict[str, dict[str, str]] = {
    "digits.py": {"digits_answer_key": "lab01's test labels stay with the grader, so this copy "
                                       "cannot check or score a lab01 CSV; submit it and the "
                                       "grader scores it."},
    "io/rle.py": {"rle_encode": _RLE_STUB, "rle_decode": _RLE_STUB},
}

README = """# Deep Learning in Medical Image Analysis: the labs

The labs as Jupyter notebooks (`labs/<lab>/<lab>.ipynb`), the course package `common/` they
import, and one card per dataset (`datasets/*.md`: source, layout, columns).

## Set up and run a lab

```bash
python -m venv .venv && . .venv/bin/activate && pip install -e . && dlmia data build --all \\
  && jupyter lab labs/lab01_digits_mlp/lab01_digits_mlp.ipynb
```

(or `conda env create -f environment.yml && conda activate dlmia-labs` instead of the venv).
`dlmia data build --all` writes the practice datasets into `datasets/`; when your instructor hands
out a data folder, point the course at it with `export DLMIA_DATA=<folder>` instead. Set
`DLMIA_SMOKE=1` for a seconds-long run of a lab.

## Check a submission CSV

```bash
dlmia grade validate-csv lab04_segmentation runs/lab04_segmentation/submission.csv
```

It reports every problem of the file (columns, ids, values, size) in one sentence each, checked
against the test split of the data you built or were given. lab01's labels stay with the grader:
its CSV is checked when you submit it. lab04's CSV is checked here and scored when you submit it
(the run-length encoder and decoder are yours to write in the lab).
"""


def _copy_common(src: Path, dst: Path) -> None:
    """``common/`` without the grader's parts and with the functions of :data:`STUBS` stubbed."""
    left_out = {src / part for part in GRADER_ONLY}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(_IGNORE(folder, names))
        return skipped | {n for n in names if Path(folder) / n in left_out}

    shutil.copytree(src, dst, ignore=ignore)
    for module, functions in STUBS.items():
        path = dst / module
        path.write_text(_stubbed(path.read_text(), f"common/{module}", functions))


def _stub(node: ast.FunctionDef, sentence: str) -> str:
    """The source of a function with ``node``'s signature that raises ``sentence``."""
    doc = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    parts = textwrap.wrap(sentence, 80, drop_whitespace=False, break_long_words=False,
                          break_on_hyphens=False)
    message = "\n                    ".join(
        '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"' for part in parts)
    return (f"def {node.name}({ast.unparse(node.args)}){returns}:\n"
            f'    """{doc}\n\n    Not part of the students\' copy.\n\n'
            f'    Raises:\n        DataError: always.\n    """\n'
            f"    raise DataError({message})\n")


def _stubbed(text: str, where: str, functions: dict[str, str]) -> str:
    """The module ``text`` with each of ``functions`` replaced by a stub raising its sentence.

    Raises:
        CourseError: when the module no longer defines a function once at top level, or does not
            import ``DataError`` (the copy would not know what to leave out, or its stub would fail
            with a NameError).
    """
    tree = ast.parse(text)
    imported = {alias.asname or alias.name for node in tree.body
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    if "DataError" not in imported:
        raise CourseError(f"{where} does not import DataError; update common/grading/bundle.py's "
                          f"STUBS or the module so that its stubs can raise.")
    lines = text.splitlines(keepends=True)
    spans = []
    for name, sentence in functions.items():
        found = [node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name == name]
        if len(found) != 1:
            raise CourseError(f"{where} no longer defines {name} once; update "
                              f"common/grading/bundle.py's STUBS to leave it out of the copy.")
        node = found[0]
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        spans.append((start, node.end_lineno, _stub(node, sentence)))
    for start, end, stub in sorted(spans, reverse=True):
        lines[start:end] = [stub]
    stubbed = "".join(lines)
    ast.parse(stubbed)
    return stubbed


def _pyproject(text: str) -> str:
    """The course's ``pyproject.toml`` reduced to what ``pip install -e .`` needs."""
    sections = re.split(r"(?m)^(?=\[)", text)
    kept = [s for s in sections
            if s.startswith("[") and s[1:s.index("]")].strip() in _PYPROJECT_SECTIONS]
    out = "".join(kept).rstrip() + "\n"
    return out.replace('description = "', 'description = "Students\' copy: ', 1)


def _environment(pyproject_text: str) -> str:
    """A conda ``environment.yml`` with the copy's dependencies."""
    deps = tomllib.loads(pyproject_text)["project"]["dependencies"]
    pip = "".join(f"      - {d}\n" for d in deps)
    return ("# conda environment for the dlmia-labs students' copy.\n"
            "# conda env create -f environment.yml && conda activate dlmia-labs\n"
            "name: dlmia-labs\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
            f"  - pip\n  - pip:\n{pip}      - -e .\n")


def _text_files(folder: Path) -> dict[str, str]:
    """``{relative path: text}`` of every UTF-8 text file under ``folder``."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            out[path.relative_to(folder).as_posix()] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return out


def bundle_problems(bundle: Path, root: Path | None = None) -> list[str]:
    """What in a students' copy would give an answer away.

    Args:
        bundle: the copy's folder.
        root: the course repository whose source notebooks are searched for (default
            :func:`common.paths.repo_root`).

    Returns:
        One sentence per grading file, answer-key folder, gradebook or solutions path in the copy,
        and per line of a source notebook's solution or hidden-test blocks that a text file of the
        copy holds (except the reviewed :data:`SHARED_LINES`); empty when the copy is clean.
    """
    bundle = Path(bundle)
    problems = []
    for path in sorted(bundle.rglob("*")):
        rel = path.relative_to(bundle)
        if set(rel.parts) & set(FORBIDDEN_PARTS) or path.suffix in FORBIDDEN_SUFFIXES:
            problems.append(f"{rel.as_posix()} is a grading file and must not be in the copy.")
    files = _text_files(bundle)
    as_notebook = SimpleNamespace(cells=[SimpleNamespace(source=t) for t in files.values()])
    root = Path(root or repo_root())
    for nb_path in sorted((root / "solutions").glob("*/*.ipynb")):
        for line in leaked_lines(read_notebook(nb_path), as_notebook):
            if line in SHARED_LINES:
                continue
            where = [rel for rel, text in files.items()
                     if line in {ln.strip() for ln in text.splitlines()}]
            problems.append(f"{', '.join(where)} holds a line of {nb_path.relative_to(root)}'s "
                            f"solution or hidden tests: {line!r}.")
    return problems


def write_bundle(out: Path, root: Path | None = None) -> Path:
    """Write the students' copy of the course into ``out``.

    Args:
        out: a folder that does not exist or is empty.
        root: the course repository (default :func:`common.paths.repo_root`).

    Returns:
        ``out``.

    Raises:
        CourseError: when ``out`` exists and is not empty, a part of the course is missing, or
            the finished copy would leak an answer (nothing is then written at ``out``).
    """
    out, root = Path(out).absolute(), Path(root or repo_root())
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CourseError(f"{out} exists and is not empty; choose a new folder for the students' "
                          "copy.")
    for part in ("common", "labs", "datasets", "pyproject.toml"):
        if not (root / part).exists():
            raise CourseError(f"{root / part} is missing; run the bundle from a full course "
                              "repository.")
        if out.resolve().is_relative_to((root / part).resolve()):
            raise CourseError(f"{out} is inside the course's {part}; choose a folder outside it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        _copy_common(root / "common", tmp / "common")
        shutil.copytree(root / "labs", tmp / "labs", ignore=_IGNORE)
        (tmp / "datasets").mkdir()
        for card in sorted((root / "datasets").glob("*.md")):
            shutil.copyfile(card, tmp / "datasets" / card.name)
        pyproject = _pyproject((root / "pyproject.toml").read_text())
        (tmp / "pyproject.toml").write_text(pyproject)
        (tmp / "environment.yml").write_text(_environment(pyproject))
        (tmp / "README.md").write_text(README)
        problems = bundle_problems(tmp, root)
        if problems:
            raise CourseError(f"The students' copy would leak {len(problems)} thing(s), first: "
                              f"{problems[0]} Fix that before bundling.")
        tmp.chmod(0o755)   # mkdtemp made it private to this user
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
