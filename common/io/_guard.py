"""What every reader of :mod:`common.io` shares: the file must exist, and no library exception
escapes.

A reader opens its file with :func:`require_file` and runs the library calls inside
:func:`reading`, so that a user sees one :class:`~common.errors.DataError` sentence naming the file
and the fix, never a traceback from pydicom, nibabel, SimpleITK, Pillow, NumPy or pandas.

Example:
    >>> path = require_file(path, "volume", BUILD_HINT)
    >>> with reading(path, "volume", "replace it with a complete copy"):
    ...     image = sitk.ReadImage(str(path))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import CourseError, DataError

__all__ = ["BUILD_HINT", "require_file", "reading", "first_bad", "finite_or_raise"]

#: The fix for a missing course file.
BUILD_HINT = "check the path, or build the data with `dlmia data build` (or set DLMIA_DATA)"


def require_file(path: str | Path, kind: str, fix: str = BUILD_HINT) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it is a readable, non-empty file.

    Args:
        path: the file to read.
        kind: what the file is, for the message (``"volume"``, ``"DICOM file"``).
        fix: what to do when the file is missing.

    Returns:
        ``Path(path)``.

    Raises:
        DataError: when the path is missing, a folder, unreadable or empty.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"The {kind} {path} is a folder, not a file; point the reader at the file "
                        f"itself.")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(f"The {kind} {path} does not exist; {fix}.") from None
    except OSError as exc:
        raise DataError(f"The {kind} {path} cannot be opened ({exc.__class__.__name__}); check "
                        f"that the file is readable.") from None
    if size == 0:
        raise DataError(f"The {kind} {path} is empty (0 bytes); replace it with a complete copy.")
    return path


@contextmanager
def reading(path: str | Path, kind: str, fix: str = "replace it with a complete copy"
            ) -> Iterator[None]:
    """Turn any library exception raised inside the block into one :class:`DataError` sentence.

    Errors the course raises on purpose (:class:`~common.errors.CourseError`) pass unchanged.

    Args:
        path: the file being read, named in the message.
        kind: what the file is (``"DICOM file"``).
        fix: what to do about it.

    Raises:
        DataError: ``The <kind> <path> cannot be read (<exception class>); <fix>.``
    """
    try:
        yield
    except CourseError:
        raise
    except MemoryError:
        raise DataError(f"The {kind} {path} is too large to read into memory; read a smaller "
                        f"file or free memory.") from None
    except Exception as exc:  # the one place that catches them all: nothing escapes a reader
        raise DataError(f"The {kind} {path} cannot be read ({exc.__class__.__name__}); "
                        f"{fix}.") from None


def first_bad(mask: np.ndarray) -> int | None:
    """The index of the first ``True`` in a boolean vector, or ``None``."""
    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[0]) if hits.size else None


def finite_or_raise(array: np.ndarray, what: str,
                    fix: str = "replace them with numbers (e.g. the background value)") -> None:
    """Raise :class:`DataError` when a float or complex ``array`` holds NaN or infinity.

    Args:
        array: any array (integer arrays pass without a scan).
        what: the start of the sentence, naming the file (``"The volume v.nii.gz"``).
        fix: what to do about it.

    Raises:
        DataError: ``<what> holds <n> NaN or infinite value(s); <fix>.``
    """
    if array.dtype.kind not in "fc" or array.size == 0:
        return
    finite = np.isfinite(array)
    if not finite.all():
        bad = int(finite.size - np.count_nonzero(finite))
        raise DataError(f"{what} holds {bad} NaN or infinite value(s); {fix}.")
