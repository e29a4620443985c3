"""What a dataset check finds: every problem (one sentence each, naming the file) and a summary.

A check never stops at the first problem: each file is read on its own through
:mod:`common.io`, and a reader's :class:`~common.errors.DataError` becomes one line of the report.
Nothing is written into the checked folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from ..errors import CourseError

__all__ = ["CheckReport", "attempt", "grid_difference", "loose_table", "listed", "relative", "visible_files"]

T = TypeVar("T")

#: geometry tolerances: relative on spacing, mm on the origin, absolute on direction cosines.
_SPACING_RTOL, _ORIGIN_MM, _DIRECTION_ATOL = 1e-3, 1e-2, 1e-4
#: how many examples a sentence lists before "and N more".
EXAMPLES = 5


@dataclass
class CheckReport:
    """The outcome of checking one dataset folder.

    Attributes:
        name: the dataset (``"cxr"``).
        folder: the folder checked.
        layout: which layout variant was found (``"VinDr-CXR"``, ``"DICOM series"``).
        problems: every problem found, one sentence each, naming the file and the fix.
        summary: what was found, in order (``{"patients": 32, "images": 32}``).
        notes: warnings the libraries gave while reading files that were read all the same
            (``{warning: [files]}``), shown once each instead of once per file.
    """

    name: str
    folder: Path
    layout: str = ""
    problems: list[str] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the folder passed: no problem found."""
        return not self.problems

    def add(self, message: str) -> None:
        """Record one problem (a sentence naming the file and the fix)."""
        self.problems.append(message)

    def note_lines(self, limit: int = 10) -> list[str]:
        """One line per distinct library warning: ``warning (N file(s), e.g. name)``."""
        lines = [f"{text} ({len(files)} file(s), e.g. {Path(files[0]).name})"
                 for text, files in list(self.notes.items())[:limit]]
        if len(self.notes) > limit:
            lines.append(f"and {len(self.notes) - limit} other warning(s)")
        return lines

    def summary_line(self) -> str:
        """``name (layout): key value, key value`` for a clean folder."""
        counts = ", ".join(f"{key} {value}" for key, value in self.summary.items())
        layout = f" ({self.layout})" if self.layout else ""
        return f"{self.name}{layout} in {self.folder}: {counts}"


def attempt(report: CheckReport, call: Callable[..., T], *args, **kwargs) -> T | None:
    """``call(*args, **kwargs)``, or ``None`` with its course error recorded as a problem.

    The readers of :mod:`common.io` raise only :class:`~common.errors.DataError` sentences; any
    other exception is recorded too (with the file named by the caller), so that one bad file
    never hides the others. Warnings raised while a file is read are kept in ``report.notes``
    (with the file, ``args[0]``) instead of being printed once per file.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call(*args, **kwargs)
        for warning in caught:
            text = str(warning.message).splitlines()[0][:200] if str(warning.message) else ""
            text = f"{warning.category.__name__}: {text}"
            report.notes.setdefault(text, []).append(str(args[0]) if args else "")
        return result
    except CourseError as exc:
        report.add(str(exc))
    except Exception as exc:  # a reader let a library error through: still one line, go on
        what = args[0] if args else "a file"
        report.add(f"{what} cannot be checked ({exc.__class__.__name__}); replace it with a "
                   f"complete copy.")
    return None


def loose_table(path: Path) -> pd.DataFrame | None:
    """A CSV read as plain text (every value a string), or ``None`` when even that fails.

    Used after the strict reader refused a table, to still compare its ids with the files.
    """
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False,
                           encoding="utf-8-sig")
    except Exception:  # the strict reader has already said why
        return None


def listed(items: Iterable[object], limit: int = EXAMPLES) -> str:
    """``a, b, c and 4 more``."""
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def relative(path: Path, folder: Path) -> str:
    """``path`` relative to the dataset folder (as written in the dataset card)."""
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def visible_files(folder: Path) -> list[Path]:
    """The files and folders of ``folder``, sorted, without hidden ones (``.name``)."""
    try:
        return sorted(p for p in Path(folder).iterdir() if not p.name.startswith("."))
    except OSError:
        return []


def grid_difference(image_meta: dict, mask_meta: dict) -> str | None:
    """Why a mask's grid differs from its image's (the ``meta`` of
    :func:`common.io.read_volume`), or ``None`` when spacing, origin and direction agree."""
    if not np.allclose(image_meta["spacing"], mask_meta["spacing"], rtol=_SPACING_RTOL):
        return f"spacing {mask_meta['spacing']} mm where the image has {image_meta['spacing']}"
    if not np.allclose(image_meta["origin"], mask_meta["origin"], atol=_ORIGIN_MM):
        return f"origin {mask_meta['origin']} where the image has {image_meta['origin']}"
    if not np.allclose(image_meta["direction"], mask_meta["direction"], atol=_DIRECTION_ATOL):
        return "direction cosines that differ from the image's"
    return None
