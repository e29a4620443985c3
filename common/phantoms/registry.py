"""The course's phantoms: each name with its generator module and the labs that read it."""

from __future__ import annotations

from types import ModuleType

from ..errors import DataError
from ..labs import labs_using
from . import ct_volumes, cxr, knee_ct, seg2d, spine_mr

__all__ = ["PHANTOMS", "PHANTOM_NAMES", "get_phantom", "available_phantoms"]

#: Every phantom generator of the course, in build order.
PHANTOMS: dict[str, ModuleType] = {
    "ct_volumes": ct_volumes,
    "seg2d": seg2d,
    "cxr": cxr,
    "spine_mr": spine_mr,
    "knee_ct": knee_ct,
}

#: Every phantom, in build order, with the labs that read it (``"lab02, lab03"``), from the
#: catalogue :data:`common.labs.LABS`.
PHANTOM_NAMES: dict[str, str] = {
    name: ", ".join(lab.split("_")[0] for lab in labs_using(name)) for name in PHANTOMS
}


def get_phantom(name: str) -> ModuleType:
    """The generator module of phantom ``name``.

    Args:
        name: a key of :data:`PHANTOMS` (``"seg2d"``).

    Returns:
        The module, with ``NAME``, ``DESCRIPTION``, ``VERSION`` and ``build(out_dir, seed)``.

    Raises:
        DataError: when the name is unknown.
    """
    if name not in PHANTOMS:
        raise DataError(
            f"There is no phantom called {name!r}; choose one of {', '.join(PHANTOMS)}."
        )
    return PHANTOMS[name]


def available_phantoms() -> list[str]:
    """Names of every phantom the course can build, in build order."""
    return list(PHANTOMS)
