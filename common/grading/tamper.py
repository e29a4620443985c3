"""A static scan of a submission's own cells for code that no honest solution contains.

Student code runs in the same kernel as the tests, before them: it can rebind ``np.allclose``,
patch a library, register an IPython hook, edit ``sys.modules``, end the kernel, or read the
gradebook. nbgrader's checksums see none of this, since only locked cells are checked. This scan
reads (never runs) every code cell that nbgrader does not restore from the source (solution
cells and cells the student added) and returns one sentence per suspicious construct, with the
cell and line, for a person to review. A flag is not a verdict: nothing is scored from it.

What is flagged:

* assigning or deleting an attribute or item of an imported module or class (``np.allclose =``,
  ``torch.testing.assert_close =``, ``os.environ[...] =``), ``setattr``/``delattr`` on one, its
  ``__dict__`` or ``vars()``;
* rebinding at top level a name the course's cells import, or a builtin the tests call;
* ``builtins``/``__builtins__``, ``globals()``, ``sys.modules`` and other interpreter hooks
  (``sys.settrace``, ``sys.excepthook``, ``sys.path``, ``sys._getframe``);
* IPython hooks (``input_transformers_post``, ``set_custom_exc``, ``events.register``,
  ``ast_transformers``, ``user_ns``) and shell escapes or magics that run other code;
* ending the kernel (``os._exit``, ``sys.exit``, ``exit()``, ``raise SystemExit``, ``os.kill``);
* frame and object-graph tricks (``gc``, ``inspect``, ``ctypes``, ``f_back``, ``__code__``,
  ``__globals__``, ``__subclasses__``), comparison dunders that can make any check pass
  (``__eq__``, ``__bool__``, ``__instancecheck__``);
* paths outside the submission's folder (absolute, ``~``, ``..``) or course files
  (``gradebook.db``, ``solutions``, ``answer_keys``, ``autograded``, ``submitted``);
* ``exec``/``eval``/``compile``/``__import__``, ``importlib``, ``unittest.mock``, processes,
  sockets and threads.

Example:
    >>> flags = scan_submission(read_notebook("labs/lab01/lab01.ipynb"),
    ...                         read_notebook("submitted/eve/lab01/lab01.ipynb"))
    >>> print(flags[0])
    cell prepare_data, line 19: assigns `np.allclose`, which belongs to the imported `numpy` that
    the tests share.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from nbformat import NotebookNode

from ..errors import CourseError
from .notebook import nbgrader_meta as _meta
from .notebook import read_notebook

__all__ = ["scan_submission", "scan_source", "scan_course", "Flag"]

_BUILTINS = frozenset(dir(builtins))

#: Modules whose mere import no solution needs, with why a reviewer should look.
_MODULES = {
    "builtins": "reaches the builtins every test uses",
    "__builtin__": "reaches the builtins every test uses",
    "gc": "can find and change the tests' objects through the garbage collector",
    "inspect": "can read or change the calling test's frame",
    "ctypes": "can change interpreter memory",
    "importlib": "can reload or replace modules the tests use",
    "unittest.mock": "can patch functions the tests call",
    "mock": "can patch functions the tests call",
    "subprocess": "runs other programs",
    "pty": "runs other programs",
    "socket": "opens network connections",
    "signal": "can interrupt or end the kernel",
    "atexit": "runs code when the kernel ends",
    "threading": "can change objects while the tests run",
    "_thread": "can change objects while the tests run",
    "multiprocessing": "runs other processes",
    "sys": "reaches interpreter hooks",
}
#: ``sys`` attributes that touch the interpreter's machinery.
_SYS_ATTRS = {
    **dict.fromkeys(("modules", "meta_path", "path_hooks", "path_importer_cache"),
                    "can replace the modules the tests import"),
    "path": "changes where modules are imported from",
    **dict.fromkeys(("settrace", "setprofile", "addaudithook", "_getframe", "_current_frames"),
                    "can watch or change the tests' frames"),
    **dict.fromkeys(("excepthook", "displayhook", "stdout", "stderr", "__stderr__"),
                    "can hide or replace what the tests report"),
    "exit": "ends the kernel and zeroes every later test",
    "__dict__": "reaches the interpreter's state",
}
#: ``os`` functions that end, replace or leave the process, or change its folder.
_OS_CALLS = {
    **dict.fromkeys(("_exit", "abort", "kill", "killpg"), "ends the kernel and zeroes every "
                    "later test"),
    **dict.fromkeys(("system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execlp",
                     "execvp", "spawnl", "spawnv", "posix_spawn"), "runs other programs"),
    "chdir": "moves the kernel out of the submission's folder",
    **dict.fromkeys(("remove", "unlink", "rmdir", "removedirs", "rename", "replace"),
                    "deletes or moves files"),
}
#: Attributes that belong to IPython's hooks and the interpreter's frames and code objects.
_ATTRS = {
    "input_transformers_post": "registers an IPython input transformer that rewrites later cells",
    "input_transformers_cleanup": "registers an IPython input transformer that rewrites later cells",
    "input_transformer_manager": "reaches IPython's input transformers that rewrite later cells",
    "ast_transformers": "registers an IPython AST transformer that rewrites later cells",
    "set_custom_exc": "installs an IPython exception handler that can hide test failures",
    "set_hook": "installs an IPython hook",
    "user_ns": "edits the notebook's namespace through IPython",
    "user_global_ns": "edits the notebook's namespace through IPython",
    "showtraceback": "reaches IPython's error display",
    "run_cell": "runs code through IPython",
    "MonkeyPatch": "patches functions the tests call",
    "f_back": "reads the calling frame",
    "f_globals": "reads a frame's globals",
    "f_locals": "reads a frame's locals",
    "f_builtins": "reads a frame's builtins",
    "tb_frame": "reads a traceback's frame",
    "gi_frame": "reads a generator's frame",
    "__code__": "reads or replaces a function's code",
    "__globals__": "reaches a function's globals",
    "__closure__": "reaches a function's closure",
    "__subclasses__": "walks the class hierarchy",
    "__builtins__": "reaches the builtins every test uses",
    "__mro__": "walks the class hierarchy",
}
#: Methods that decide comparisons, truth and type checks: overriding them can make any assert
#: pass.
_DUNDERS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__abs__",
            "__instancecheck__", "__subclasscheck__", "__class_getitem__"}
#: Magics that run code or shell commands, change the environment or the namespace.
_MAGICS = {"bash", "sh", "script", "system", "sx", "run", "load", "load_ext", "reload_ext",
           "env", "set_env", "cd", "alias", "reset", "reset_selective", "store", "writefile",
           "autoreload", "aimport", "xdel", "js", "javascript", "html", "perl", "ruby", "python",
           "python3", "pypy", "file"}
#: Honest settings of library state.
_ALLOWED_TARGETS = ("torch.backends.", "pd.options.", "pandas.options.", "plt.rcParams",
                    "matplotlib.rcParams", "mpl.rcParams")
#: Paths the grader keeps: anywhere in a string.
_COURSE_FILES = re.compile(r"gradebook|answer_keys|nbgrader_config|(^|[/\\])\.\.([/\\]|$)|"
                           r"(^|[/\\])(solutions|autograded|submitted)([/\\]|$)")
#: Paths outside the submission's folder: at the start of a string.
_OUTSIDE = re.compile(r"^(/[A-Za-z0-9_.~-]|~|[A-Za-z]:[/\\]|\\\\)")


@dataclass(frozen=True)
class Flag:
    """One suspicious construct: where it is and why a reviewer should look."""

    cell: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.cell}, line {self.line}: {self.reason}."


def _python(source: str) -> str:
    """``source`` with IPython syntax (magics, ``!`` shell escapes) turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _root(node: ast.AST) -> ast.AST:
    """The innermost value of an attribute/item/call chain (``x`` in ``x.a[1].b()``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _imports(tree: ast.AST) -> dict[str, str]:
    """Names bound by the imports anywhere in ``tree``: name → imported path."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    names[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"
    return names


def _parse(source: str) -> ast.AST | None:
    try:
        return ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return None


def _top_level_bindings(tree: ast.Module) -> list[tuple[str, int]]:
    """Names a cell binds in the notebook's namespace (not by import), with their line."""
    bound = []
    declared_global = {n for node in ast.walk(tree) if isinstance(node, ast.Global)
                       for n in node.names}

    def targets(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                bound.append((sub.id, sub.lineno))

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.append((stmt.name, stmt.lineno))
                continue
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                for t in getattr(stmt, "targets", None) or [stmt.target]:
                    targets(t)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                targets(stmt.target)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, field, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)

    visit(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.NamedExpr):
            bound.append((node.target.id, node.lineno))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and declared_global:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) \
                        and sub.id in declared_global:
                    bound.append((sub.id, sub.lineno))
    return bound


class _Scanner(ast.NodeVisitor):
    """Collects (line, reason) pairs for one cell."""

    def __init__(self, imported: dict[str, str]) -> None:
        self.imported = dict(imported)
        self.ipython: set[str] = set()
        self.found: list[tuple[int, str]] = []

    def flag(self, node: ast.AST, reason: str) -> None:
        self.found.append((getattr(node, "lineno", 1), reason))

    def _library(self, node: ast.AST) -> str | None:
        """The imported module or class that ``node`` (an attribute/item chain) belongs to."""
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.imported:
            return self.imported[node.id]
        if isinstance(node, ast.Name) and node.id == "__builtins__":
            return "builtins"
        return None

    def _module_of(self, node: ast.AST) -> str | None:
        """``os``, ``sys``, ... when ``node`` is an attribute of that imported module."""
        owner = self._library(node)
        for module in ("os", "sys", "importlib", "unittest.mock", "mock"):
            if owner is not None and (owner == module or owner.startswith(module + ".")):
                return module
        return None

    # imports -------------------------------------------------------------------------------
    def _module(self, node: ast.AST, module: str) -> None:
        for name in (module, module.split(".")[0]):
            if name in _MODULES and name != "sys":
                self.flag(node, f"imports `{module}`, which {_MODULES[name]}")
                return

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
            name = alias.asname or alias.name.split(".")[0]
            self.imported[name] = alias.name if alias.asname else name
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            if module not in _MODULES:
                self._module(node, f"{module}.{alias.name}")
            self.imported[alias.asname or alias.name] = f"{module}.{alias.name}"
            if module == "sys" and alias.name in _SYS_ATTRS:
                self.flag(node, f"imports `sys.{alias.name}`, which {_SYS_ATTRS[alias.name]}")
            if module == "os" and alias.name in _OS_CALLS:
                self.flag(node, f"imports `os.{alias.name}`, which {_OS_CALLS[alias.name]}")
        self.generic_visit(node)

    # assignments to library state --------------------------------------------------------------
    def _target(self, node: ast.AST, verb: str) -> None:
        if not isinstance(node, (ast.Attribute, ast.Subscript)):
            return
        text = ast.unparse(node)
        owner = self._library(node)
        if owner is not None and not text.startswith(_ALLOWED_TARGETS):
            self.flag(node, f"{verb} `{text}`, which belongs to the imported `{owner}` that the "
                            f"tests share")
            return
        for call in _chain_calls(node):
            if call in ("type", "vars", "globals", "getattr", "__import__"):
                self.flag(node, f"{verb} `{text}` through `{call}()`, reaching a shared "
                                f"class or namespace")
                return

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            for sub in ast.walk(t):
                if isinstance(sub, (ast.Attribute, ast.Subscript)) \
                        and isinstance(sub.ctx, ast.Store):
                    self._target(sub, "assigns")
        owner = self._library(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) \
            else None
        is_ipython = isinstance(node.value, ast.Call) and \
            (_dotted(node.value.func) or "").endswith("get_ipython")
        for t in node.targets:
            if isinstance(t, ast.Name) and owner:
                self.imported[t.id] = owner
            if isinstance(t, ast.Name) and is_ipython:
                self.ipython.add(t.id)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target, "changes")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self._target(t, "deletes")
        self.generic_visit(node)

    # calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1]
        first = node.args[0] if node.args else None
        base = _root(node.func)
        if name in ("setattr", "delattr") and first is not None:
            owner = self._library(first)
            calls = [c for c in _chain_calls(first)
                     if c in ("type", "vars", "globals", "getattr", "__import__")]
            fixed = len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
            if owner is not None or calls:
                self.flag(node, f"calls `{name}` on `{ast.unparse(first)}`, "
                                + (f"part of the imported `{owner}` that the tests share"
                                   if owner else f"reached through `{calls[0]}()`"))
            elif fixed and not (isinstance(first, ast.Name) and first.id in ("self", "cls")):
                self.flag(node, f"calls `{ast.unparse(node)[:80]}` with a fixed name where an "
                                f"assignment would do, which hides what object it changes")
        elif name in ("exec", "eval", "compile", "__import__"):
            self.flag(node, f"calls `{name}`, which runs or imports code chosen at run time")
        elif name == "globals":
            self.flag(node, "calls `globals()`, which can rebind the names the tests use")
        elif name == "vars" and first is not None and self._library(first):
            self.flag(node, f"calls `vars({ast.unparse(first)})` on an imported module or class")
        elif name in ("exit", "quit"):
            self.flag(node, f"calls `{name}()`, which ends the kernel and zeroes every later test")
        elif isinstance(base, ast.Name) and isinstance(node.func, ast.Attribute) and \
                (base.id == "get_ipython" or base.id in self.ipython):
            self._ipython_call(node, node.func.attr)
        elif last in ("reload", "import_module", "invalidate_caches") and \
                (self._module_of(node.func) == "importlib" or name == "reload"):
            self.flag(node, f"calls `{name}`, which can reload or replace modules the tests use")
        elif last in ("patch", "object", "dict", "multiple", "MagicMock", "Mock") and \
                self._module_of(node.func) in ("unittest.mock", "mock"):
            self.flag(node, f"calls `{name}`, which patches functions the tests call")
        self.generic_visit(node)

    def _ipython_call(self, node: ast.Call, method: str) -> None:
        magic = node.args[0].value if (node.args and isinstance(node.args[0], ast.Constant)
                                       and isinstance(node.args[0].value, str)) else ""
        if method in ("run_line_magic", "run_cell_magic", "magic"):
            if magic.lstrip("%").split(" ")[0] in _MAGICS:
                self.flag(node, f"runs the `%{magic}` magic, which runs code or changes the "
                                f"kernel outside the cell")
        elif method in ("system", "getoutput", "ex", "ev", "push", "del_var", "reset",
                        "register_magic_function", "run_code", "safe_execfile"):
            self.flag(node, f"calls IPython's `{method}`, which runs a shell command or changes "
                            f"the notebook's namespace")

    # attributes and names -------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        module = self._module_of(node) if isinstance(node.value, ast.Name) else None
        if node.attr in _ATTRS:
            self.flag(node, f"uses `.{node.attr}`, which {_ATTRS[node.attr]}")
        elif node.attr in ("register", "unregister") and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "events":
            self.flag(node, "registers an IPython event callback that runs around later cells")
        elif node.attr == "__dict__" and self._library(node.value):
            self.flag(node, f"uses `{ast.unparse(node)}`, the namespace of an imported module "
                            f"or class")
        elif module == "sys" and node.attr in _SYS_ATTRS:
            self.flag(node, f"uses `sys.{node.attr}`, which {_SYS_ATTRS[node.attr]}")
        elif module == "os" and node.attr in _OS_CALLS:
            self.flag(node, f"uses `os.{node.attr}`, which {_OS_CALLS[node.attr]}")
        elif node.attr == "mock" and self._library(node) == "unittest":
            self.flag(node, "uses `unittest.mock`, which can patch functions the tests call")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.flag(node, "uses `__builtins__`, which reaches the builtins every test uses")
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(exc, ast.Name) and exc.id in ("SystemExit", "KeyboardInterrupt"):
            self.flag(node, f"raises `{exc.id}`, which stops the kernel's run")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in _DUNDERS:
            self.flag(node, f"defines `{node.name}`, which can make a test's comparison or type "
                            f"check pass whatever the value")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    # paths ---------------------------------------------------------------------------------
    def _path(self, node: ast.AST, value, leading: bool = True) -> bool:
        if isinstance(value, str) and "\n" not in value and len(value) < 300:
            text = value.strip()
            if (leading and _OUTSIDE.match(text)) or _COURSE_FILES.search(text):
                self.flag(node, f"names the path {text!r}, outside the submission's folder or "
                                f"among the course's grading files")
                return True
        return False

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):  # a docstring or bare string runs nothing
            return
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        self._path(node, node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # Only the leading text of an f-string can make a path absolute; any part can name a
        # course file.
        for i, value in enumerate(node.values):
            if isinstance(value, ast.Constant):
                if self._path(node, value.value, leading=i == 0):
                    break
            else:
                self.visit(value)


def _chain_calls(node: ast.AST) -> list[str]:
    """Names of the functions called along an attribute/item chain (``type`` in
    ``type(x).__eq__``)."""
    calls = []
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(node, ast.Call):
            calls.append(_dotted(node.func) or "")
            node = node.func
        else:
            node = node.value
    return calls


def _cell_label(nb: NotebookNode, index: int) -> str:
    gid = _meta(nb.cells[index]).get("grade_id")
    return f"cell {gid}" if gid else f"cell {index + 1}"


def _test_names(source_nb: NotebookNode) -> set[str]:
    """Names the test cells of the source read."""
    names = set()
    for cell in source_nb.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            tree = _parse(cell.source)
            if tree is not None:
                names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names


def _restored_ids(source_nb: NotebookNode) -> set[str]:
    """grade_ids of cells that nbgrader puts back from the source (locked or test cells)."""
    return {m["grade_id"] for m in map(_meta, source_nb.cells)
            if m.get("grade_id") and (m.get("locked") or (m.get("grade") and not m.get("solution")))}


def scan_source(source: str, imported: dict[str, str] | None = None,
                protected: set[str] | None = None, label: str = "cell") -> list[Flag]:
    """Flags for one cell's source.

    Args:
        source: the cell's code (IPython syntax allowed); code that does not parse is not flagged.
        imported: names the notebook's other cells import (name → module path).
        protected: names whose top-level rebinding is flagged (imports of the setup cells and
            the builtins the tests call).
        label: how the flags name the cell.

    Returns:
        The flags, by line.
    """
    tree = _parse(source)
    if tree is None:
        return []
    scanner = _Scanner(imported or {})
    scanner.visit(tree)
    found = set(scanner.found)
    for name, line in _top_level_bindings(tree):
        if name in (protected or set()):
            what = ("a builtin the tests call" if name in _BUILTINS
                    else "a name the course's own cells import")
            found.add((line, f"rebinds `{name}`, {what}"))
    return [Flag(label, line, reason) for line, reason in sorted(found)]


def scan_submission(source_nb: NotebookNode, submitted_nb: NotebookNode) -> list[str]:
    """Flags for every cell of a submission that nbgrader does not restore before grading.

    Cells whose ``grade_id`` names a locked or test cell of the source are replaced by nbgrader
    (edits there are :func:`common.grading.autograde.edited_locked_cells`' business) and are
    skipped; solution cells and cells the student added are scanned.

    Args:
        source_nb: the nbgrader source notebook or the student release (its cell metadata says
            which cells are restored; the source's hidden tests also tell which names tests use).
        submitted_nb: the student's notebook.

    Returns:
        One sentence per suspicious construct, ``"cell <grade_id>, line N: ..."`` (``cell K``,
        counted from 1, for a cell without a grade_id); empty when nothing is suspicious.
    """
    restored = _restored_ids(source_nb)
    setup_imports: dict[str, str] = {}
    for cell in source_nb.cells:
        if cell.cell_type == "code" and not _meta(cell).get("solution"):
            tree = _parse(cell.source)
            if tree is not None:
                setup_imports.update(_imports(tree))
    used = _test_names(source_nb)
    protected = set(setup_imports) | {n for n in used if n in _BUILTINS}
    flags: list[str] = []
    for index, cell in enumerate(submitted_nb.cells):
        if cell.cell_type != "code" or _meta(cell).get("grade_id") in restored:
            continue
        for flag in scan_source(cell.source, setup_imports, protected,
                                _cell_label(submitted_nb, index)):
            flags.append(str(flag))
    return flags


def scan_course(lab: str, course_dir: Path, students: list[str] | None = None) -> pd.DataFrame:
    """:func:`scan_submission` for every submission of ``lab`` in an nbgrader course folder.

    The source notebook is ``<course>/solutions/<lab>/<lab>.ipynb`` when present, else the
    release ``<course>/labs/<lab>/<lab>.ipynb``.

    Args:
        lab: the assignment.
        course_dir: the course folder with ``submitted/<student>/<lab>/``.
        students: only these students (default: all who submitted ``lab``).

    Returns:
        One row per flag: ``student, notebook, flag`` (no row for a clean submission).

    Raises:
        CourseError: when the source or the submissions are missing.
    """
    course_dir = Path(course_dir)
    candidates = [course_dir / "solutions" / lab / f"{lab}.ipynb",
                  course_dir / "labs" / lab / f"{lab}.ipynb"]
    source = next((p for p in candidates if p.exists()), None)
    if source is None:
        raise CourseError(f"Neither {candidates[0]} nor {candidates[1]} exists; scan from the "
                          f"course folder that holds the source or the release of {lab}.")
    submitted = course_dir / "submitted"
    if students is None:
        students = sorted(p.parent.name for p in submitted.glob(f"*/{lab}") if p.is_dir())
    if not students:
        raise CourseError(f"No submissions of {lab} in {submitted}; collect them first.")
    source_nb = read_notebook(source)
    rows = []
    for student in students:
        folder = submitted / student / lab
        notebooks = sorted(folder.glob("*.ipynb"))
        if not notebooks:
            raise CourseError(f"{folder} holds no notebook; check the student's submission.")
        for path in notebooks:
            for flag in scan_submission(source_nb, read_notebook(path)):
                rows.append({"student": student, "notebook": path.name, "flag": flag})
    return pd.DataFrame(rows, columns=["student", "notebook", "flag"])
