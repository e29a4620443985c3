"""Names of the course's phantoms and lazy access to their generator modules."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import DataError

__all__ = ["PHANTOM_NAMES", "get_phantom", "available_phantoms"]

#: Every phantom the course knows, in build order, with the labs that use it.
PHANTOM_NAMES: dict[str, str] = {
    "ct_volumes": "lab02, lab03",
    "seg2d": "lab04",
    "cxr": "lab05",
    "spine_mr": "lab06",
    "knee_ct": "lab07",
}


def get_phantom(name: str) -> ModuleType:
    """Import and return the generator module of phantom ``name``.

    Raises:
        DataError: when the name is unknown or its generator is not part of this checkout.
    """
    if name not in PHANTOM_NAMES:
        raise DataError(
            f"There is no phantom called {name!r}; choose one of {', '.join(PHANTOM_NAMES)}."
        )
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__package__}.{name}":
            raise DataError(
                f"The {name} phantom generator is not part of this version of the course; "
                f"update the repository."
            ) from None
        raise


def available_phantoms() -> list[str]:
    """Names of the phantoms whose generator modules exist in this checkout."""
    found = []
    for name in PHANTOM_NAMES:
        try:
            importlib.util.find_spec(f"{__package__}.{name}")
        except ModuleNotFoundError:
            continue
        if importlib.util.find_spec(f"{__package__}.{name}") is not None:
            found.append(name)
    return found
