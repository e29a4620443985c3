"""Feedback HTML for students that shows their scores and errors but no hidden-test text.

nbgrader's ``ClearHiddenTests`` removes hidden blocks from the cells' source, but the tracebacks
in the outputs still print the lines around a failing hidden assert (nbgrader #917, #1156).
:class:`HideHiddenTests` rewrites the outputs of an autograded notebook before it is rendered:

* a traceback frame in a test cell keeps its visible context lines and loses every line of a
  hidden block (the failing line included: the frame then says it failed in a hidden test);
* the exception type and message (an assert's message) stay;
* any output line that still contains a hidden-test line (a student's code printing the test's
  source, a frame of a helper defined in a hidden block) is replaced by a placeholder;
* then the hidden blocks themselves are removed from the source, as ``ClearHiddenTests`` does.

:func:`generate_feedback` runs ``nbgrader generate_feedback`` with this preprocessor and then
reads back every HTML file it wrote, refusing one that still shows a hidden-test line.

Example:
    >>> paths = generate_feedback("lab01_digits_mlp", course_dir=Path("course"))
    >>> paths[0]
    PosixPath('course/feedback/ada/lab01_digits_mlp/lab01_digits_mlp.html')
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from ..errors import CourseError
from .nbgrader_cli import nbgrader
from .notebook import (MIN_SECRET_CHARS, block_line_numbers, is_test_cell, read_notebook,
                       secret_lines)
from .notebook import nbgrader_meta as _meta

__all__ = ["HideHiddenTests", "hidden_test_lines", "hide_hidden_tests", "html_text",
           "leaked_hidden_lines", "generate_feedback", "PLACEHOLDER", "MIN_SECRET_CHARS"]

#: What replaces an output line that showed hidden-test text.
PLACEHOLDER = "[a line of a hidden test is not shown]"

# Output lines are searched for hidden lines at least MIN_SECRET_CHARS long (shorter ones occur
# by chance in ordinary output); traceback frames of test cells lose every hidden line whatever
# its length.

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: A frame's first line: ``Cell In[8], line 10`` (IPython 8 and later) or
#: ``<ipython-input-8-1a2b3c> in <module>`` (older IPython, which marks the line with an arrow).
_CELL_FRAME = re.compile(r"^\s*(?:Cell In\[(?P<count>\d+)\], line (?P<line>\d+)|"
                         r"<ipython-input-(?P<old>\d+)-\w+>)")
_CONTEXT = re.compile(r"^\s*(?P<arrow>-+>)?\s*(?P<number>\d+)(?:\s|$)")
_CARETS = re.compile(r"^[\s^~]+$")
_FEEDBACK_PREPROCESSORS = ("nbgrader.preprocessors.GetGrades",
                           "common.grading.feedback.HideHiddenTests",
                           "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor")


def _hidden_line_numbers(source: str) -> set[int]:
    """1-based numbers of the lines of hidden blocks in ``source``, markers included."""
    return block_line_numbers(source, ("HIDDEN TESTS",))


def hidden_test_lines(nb: NotebookNode, min_chars: int = MIN_SECRET_CHARS) -> list[str]:
    """Stripped lines of the hidden blocks of ``nb`` that appear nowhere outside them
    (:func:`~common.grading.notebook.secret_lines` of the hidden blocks only).

    Args:
        nb: a notebook that still has its hidden tests (the source, or an autograded
            notebook, where nbgrader has put them back).
        min_chars: shortest line returned.
    """
    return secret_lines(nb, ("HIDDEN TESTS",), min_chars)


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _shows_secret(line: str, secrets: list[str]) -> bool:
    plain = _plain(line)
    candidates = (plain, html.unescape(plain))
    return any(s in c for s in secrets for c in candidates)


def _scrub_text(text: str, secrets: list[str]) -> str:
    """``text`` with every line that contains a hidden line replaced by :data:`PLACEHOLDER`."""
    if not secrets or not _shows_secret(text, secrets):
        return text
    return "\n".join(PLACEHOLDER if _shows_secret(ln, secrets) else ln
                     for ln in text.split("\n"))


def _rewrite_test_frame(entry: str, cell, hidden: set[int]) -> str:
    """One traceback frame of a test cell without the lines of its hidden blocks."""
    lines = entry.split("\n")
    match = _CELL_FRAME.match(_plain(lines[0]))
    count = match["count"] or match["old"]
    arrows = [_CONTEXT.match(_plain(ln)) for ln in lines[1:]]
    arrow = next((int(a["number"]) for a in arrows if a and a["arrow"]), None)
    failing = int(match["line"]) if match["line"] else arrow
    gid = _meta(cell).get("grade_id", "?")
    if failing in hidden:
        head = (f"Cell In[{count}], line {failing}: failed in a hidden test of {gid} (its "
                f"source is not shown)")
    else:
        head = lines[0]
    kept, dropped = [head], False
    for line in lines[1:]:
        context = _CONTEXT.match(_plain(line))
        if context:
            dropped = int(context["number"]) in hidden
        elif not (dropped and _CARETS.match(_plain(line))):
            dropped = False
        if not dropped:
            kept.append(line)
    return "\n".join(kept)


def _rewrite_traceback(traceback: list[str], cells_by_count: dict, secrets: list[str]) -> list[str]:
    out = []
    for entry in traceback:
        match = _CELL_FRAME.match(_plain(entry.split("\n", 1)[0]))
        cell = cells_by_count.get(int(match["count"] or match["old"])) if match else None
        if cell is not None and is_test_cell(cell):
            entry = _rewrite_test_frame(entry, cell, _hidden_line_numbers(cell.source))
        out.append(_scrub_text(entry, secrets))
    return out


def hide_hidden_tests(nb: NotebookNode, secrets: list[str] | None = None) -> NotebookNode:
    """Rewrite the outputs of an autograded notebook so that no hidden-test text remains.

    Traceback frames of test cells lose their hidden lines; every output line that contains a
    hidden line is replaced by :data:`PLACEHOLDER`. Sources are left alone (remove the hidden
    blocks afterwards, as :class:`HideHiddenTests` does).

    Args:
        nb: an executed notebook with its hidden tests in place; modified in place.
        secrets: the hidden lines to search for (default: :func:`hidden_test_lines` of ``nb``).

    Returns:
        ``nb``.
    """
    secrets = hidden_test_lines(nb) if secrets is None else secrets
    cells_by_count = {c.execution_count: c for c in nb.cells
                      if c.cell_type == "code" and c.get("execution_count")}
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "error":
                out.traceback = _rewrite_traceback(list(out.get("traceback", [])),
                                                   cells_by_count, secrets)
                out.evalue = _scrub_text(str(out.get("evalue", "")), secrets)
            elif out.output_type == "stream":
                out.text = _scrub_text(out.text, secrets)
            elif "data" in out:
                for mime, value in list(out.data.items()):
                    if isinstance(value, str) and not mime.startswith("image/"):
                        out.data[mime] = _scrub_text(value, secrets)
    return nb


class HideHiddenTests(ClearHiddenTests):
    """nbgrader preprocessor: :func:`hide_hidden_tests`, then ``ClearHiddenTests``.

    Use it in place of ``ClearHiddenTests`` in ``GenerateFeedback.preprocessors``.
    """

    def preprocess(self, nb, resources):
        hide_hidden_tests(nb)
        return super().preprocess(nb, resources)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag) -> None:
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(page: str) -> str:
    """The text a reader sees in an HTML page.

    Args:
        page: the HTML source.

    Returns:
        Its text with tags, styles and scripts removed and entities decoded; syntax-highlighted
        code reads as its source lines.
    """
    parser = _TextOf()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


def leaked_hidden_lines(page: str, secrets: list[str]) -> list[str]:
    """The hidden lines that an HTML page shows, as text or in its markup.

    Args:
        page: the HTML source of a feedback page.
        secrets: hidden-test lines (:func:`hidden_test_lines`).

    Returns:
        The lines of ``secrets`` found inside a line of the page's text or markup, sorted.
    """
    text = html_text(page)
    lines = {ln.strip() for ln in text.splitlines()} | {ln.strip() for ln in page.splitlines()}
    return sorted(s for s in secrets if any(s in ln for ln in lines))


def generate_feedback(lab: str, course_dir: Path, students: list[str] | None = None,
                      timeout: float | None = None) -> list[Path]:
    """Write ``feedback/<student>/<lab>/*.html`` for autograded students, hidden tests hidden.

    Runs ``nbgrader generate_feedback`` (scores and comments from the gradebook) with
    :class:`HideHiddenTests`, then reads every page back and deletes one that still shows a line
    of a hidden test.

    Args:
        lab: the assignment, e.g. ``"lab01_digits_mlp"``.
        course_dir: the nbgrader course folder (with ``gradebook.db`` and ``autograded/``).
        students: only these students (default: every autograded student of ``lab``).
        timeout: seconds each nbgrader call may take (default: no limit).

    Returns:
        The feedback pages written, sorted.

    Raises:
        CourseError: when no student of ``lab`` is autograded, when nbgrader fails, or when a
            page still shows a hidden-test line (that page is deleted).
    """
    course_dir = Path(course_dir)
    autograded = course_dir / "autograded"
    found = sorted(p.parent.name for p in autograded.glob(f"*/{lab}") if p.is_dir())
    students = found if students is None else list(students)
    missing = sorted(set(students) - set(found))
    if not students or missing:
        who = ", ".join(missing) if missing else "no student"
        raise CourseError(f"{who} has no autograded {lab} in {autograded}; run `dlmia grade "
                          f"autograde {lab}` first.")
    flags = [f"--GenerateFeedback.preprocessors={pp}" for pp in _FEEDBACK_PREPROCESSORS]
    if students == found:
        nbgrader("generate_feedback", lab, "--force", *flags, cwd=course_dir, timeout=timeout)
    else:
        for student in students:
            nbgrader("generate_feedback", lab, "--force", "--student", student, *flags,
                     cwd=course_dir, timeout=timeout)
    pages, leaks = [], []
    for student in students:
        for path in sorted((course_dir / "feedback" / student / lab).glob("*.html")):
            source = autograded / student / lab / f"{path.stem}.ipynb"
            secrets = hidden_test_lines(read_notebook(source)) if source.exists() else []
            if leaked_hidden_lines(path.read_text(encoding="utf-8"), secrets):
                path.unlink()
                leaks.append(str(path))
            else:
                pages.append(path)
    if leaks:
        raise CourseError(f"{len(leaks)} feedback page(s) showed hidden-test lines and were "
                          f"deleted ({', '.join(leaks)}); do not release feedback for them until "
                          f"the traceback rewriting in common.grading.feedback covers their case.")
    return sorted(pages)
