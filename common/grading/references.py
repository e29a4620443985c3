"""References stay out of the students' namespace: the rule and its probes.

A test compares a student's answer against a *reference* (MONAI's Dice, the leaderboard's
run-length encoder, scikit-learn's cosine similarity). The course's rule is that a reference is
imported only inside the hidden-test block of the test cell that uses it, so no released cell
offers a student a function that passes the graded task. This module finds the references (the
imports of hidden-test blocks) and checks a notebook against the rule twice:

- statically, :func:`imported_references`: a released cell imports a reference by name;
- at run time, :func:`probe_cell` / :func:`offered_references`: after the released cells have run,
  a global name is bound to a reference object, directly or as an attribute of a module of the
  course (a re-export such as ``common.segmentation.rle_encode`` is the same object as
  ``common.io.rle.rle_encode``).

Example:
    >>> refs = hidden_references(read_notebook("solutions/lab04_segmentation/lab04_segmentation.ipynb"))
    >>> [r.qualname for r in refs][:2]
    ['monai.metrics.compute_dice', 'monai.metrics.compute_iou']
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

from .notebook import is_test_cell

__all__ = ["Reference", "hidden_references", "hidden_names", "imported_references",
           "imports_for_tests_only", "probe_cell", "offered_references", "PROBE_TAG"]

#: tag of the probe cells the course check inserts (never part of a lab).
PROBE_TAG = "dlmia-reference-probe"
_PREFIX = "DLMIA_OFFERED_REFERENCES="
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)
_OUTSIDE = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", re.S)


@dataclass(frozen=True)
class Reference:
    """One import of a hidden-test block.

    Attributes:
        module: the module imported from (``"monai.metrics"``), or the module imported.
        name: the imported attribute (``"compute_dice"``), ``""`` for ``import module``.
        grade_id: the test cell that imports it.
    """

    module: str
    name: str
    grade_id: str

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


def _parse(code: str) -> ast.Module | None:
    """Parse cell code; IPython magics (``%``/``!`` lines) are blanked first."""
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in code.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _imports(code: str) -> list[tuple[str, str, str]]:
    """``(module, name, bound name)`` of every import statement in ``code``."""
    tree = _parse(code)
    found = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Import):
            for a in node.names:
                found.append((a.name, "", a.asname or a.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                found.append((node.module, a.name, a.asname or a.name))
    return found


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def hidden_references(nb: NotebookNode) -> list[Reference]:
    """Every import inside a hidden-test block of ``nb`` (the source notebook), in cell order."""
    refs = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for block in _HIDDEN.findall(cell.source):
            for module, name, _ in _imports(block):
                refs.append(Reference(module, name, _grade_id(cell)))
    return refs


def hidden_names(nb: NotebookNode) -> set[str]:
    """Global names that hidden-test blocks bind (imports, assignments, loop targets)."""
    names: set[str] = set()
    for cell in nb.cells:
        for block in _HIDDEN.findall(cell.source) if cell.cell_type == "code" else ():
            tree = _parse(block)
            for node in ast.walk(tree) if tree else ():
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
            names |= {bound for _, _, bound in _imports(block)}
    return names


def imported_references(source: NotebookNode, release: NotebookNode) -> list[str]:
    """Problems: a released cell imports a reference by its own name (``from monai.metrics import
    compute_dice`` in the setup cell while a hidden block imports the same)."""
    refs = hidden_references(source)
    problems = []
    for i, cell in enumerate(release.cells):
        if cell.cell_type != "code":
            continue
        for module, name, _ in _imports(_OUTSIDE.sub("", cell.source)):
            qualname = f"{module}.{name}" if name else module
            for ref in refs:
                if qualname == ref.qualname:
                    problems.append(f"released cell {i} ({_grade_id(cell) or 'untitled'}) imports "
                                    f"{qualname}, the reference of test cell {ref.grade_id}; import it "
                                    f"only inside that cell's hidden-test block.")
    return problems


def _loaded_names(code: str) -> set[str]:
    tree = _parse(code)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} \
        if tree else set()


def imports_for_tests_only(source: NotebookNode) -> list[str]:
    """Problems: a cell other than a test imports a name that only test cells use.

    Such an import exists for a test (a reference to compare against, a checking tool), and it sits
    in the students' namespace; it belongs inside the test cell that needs it.
    """
    tests = {id(c) for c in source.cells if is_test_cell(c)}
    code = [c for c in source.cells if c.cell_type == "code"]
    used_by_tests = set().union(*(_loaded_names(c.source) for c in code if id(c) in tests))
    used_elsewhere = set().union(*(_loaded_names(c.source) for c in code if id(c) not in tests))
    problems = []
    for i, cell in enumerate(source.cells):
        if cell.cell_type != "code" or id(cell) in tests:
            continue
        for module, name, bound in _imports(_OUTSIDE.sub("", cell.source)):
            if bound in used_by_tests and bound not in used_elsewhere:
                what = f"{module}.{name}" if name else module
                problems.append(f"cell {i} ({_grade_id(cell) or 'untitled'}) imports {what} as "
                                f"{bound!r}, which only test cells use; import it inside the test "
                                f"cell that needs it (in its hidden block if it is a reference).")
    return problems


def probe_cell(refs: list[Reference], exclude: set[str] = frozenset(), label: str = "") -> NotebookNode:
    """A code cell that prints which global names hand out one of ``refs``.

    Args:
        refs: the references to look for.
        exclude: global names to ignore (those the hidden tests bind themselves).
        label: where the probe sits, for the report.
    """
    wanted = sorted({(r.module, r.name) for r in refs})
    code = f"""\
def _dlmia_probe():
    import importlib, json, types
    refs = {{}}
    for module, name in {wanted!r}:
        try:
            obj = importlib.import_module(module)
            refs[f"{{module}}.{{name}}" if name else module] = getattr(obj, name) if name else obj
        except Exception:
            pass
    found = []
    for key, value in list(globals().items()):
        if key in {sorted(exclude)!r} or key.startswith("_dlmia"):
            continue
        for qual, ref in refs.items():
            if value is ref:
                found.append(f"{{key}} is {{qual}}")
            elif (isinstance(value, types.ModuleType) and value.__name__.split(".")[0] == "common"
                  and any(v is ref for v in vars(value).values())):
                found.append(f"{{key}} (module {{value.__name__}}) hands out {{qual}}")
    print({_PREFIX!r} + json.dumps({{"label": {label!r}, "found": found}}))


_dlmia_probe()
del _dlmia_probe
"""
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["tags"] = [PROBE_TAG]
    return cell


def offered_references(executed: NotebookNode) -> list[str]:
    """Problems reported by the probe cells of an executed notebook."""
    problems = []
    for cell in executed.cells:
        if PROBE_TAG not in cell.metadata.get("tags", []):
            continue
        text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                       if o.get("output_type") == "stream")
        line = next((ln for ln in text.splitlines() if ln.startswith(_PREFIX)), None)
        if line is None:
            problems.append("a reference probe did not run; the notebook stopped before it.")
            continue
        report = json.loads(line[len(_PREFIX):])
        for item in report["found"]:
            problems.append(f"{report['label']}: the students' namespace offers a reference: {item}; "
                            f"import it only inside the hidden-test block that needs it.")
    return problems
