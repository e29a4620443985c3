"""Errors that speak to a student: one sentence, what is wrong and what to do."""

from __future__ import annotations

__all__ = ["CourseError", "DataError", "SubmissionError", "ShapeError", "check_shape"]


class CourseError(Exception):
    """Base class of every error the course raises on purpose.

    The message is a complete sentence meant for a student; the command line prints it without
    a traceback.
    """


class DataError(CourseError):
    """A data folder or file is missing, unreadable or inconsistent."""


class SubmissionError(CourseError):
    """A submission CSV cannot be validated or scored."""


class ShapeError(CourseError, ValueError):
    """A student's function returned an array or tensor of the wrong shape."""


def check_shape(name: str, value, expected: tuple) -> None:
    """Raise :class:`ShapeError` unless ``value.shape`` matches ``expected``.

    Args:
        name: what the value is, as a student would call it (``"logits"``).
        value: an object with a ``shape`` attribute (numpy array or torch tensor).
        expected: the expected shape; ``None`` in a position accepts any size.

    Raises:
        ShapeError: when the shape differs, naming both shapes.
    """
    shape = tuple(getattr(value, "shape", ()))
    ok = len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected, shape))
    if not ok:
        want = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ShapeError(
            f"{name} has shape {shape} but should have shape {want}; check the layers or the "
            f"reshaping that produce it."
        )
