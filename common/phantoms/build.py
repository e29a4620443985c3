"""Build phantoms into the data root: idempotent, checksummed, with a manifest.

``build_phantom("seg2d")`` writes ``$DLMIA_DATA/seg2d/`` and records every file's SHA-256 in
``$DLMIA_DATA/manifest.json``. A second call returns at once when the generator version, the
seed and every file's checksum are unchanged; ``force=True`` rebuilds. Builders that share a
data root take turns (a lock file, ``.build.lock``), so two commands started at once neither race
on a folder nor lose a manifest entry: the second finds the first's build and skips it.

``hidden_seed`` (the instructor's secret, ``dlmia data build --hidden-seed`` or
``$DLMIA_HIDDEN_SEED``) draws the hidden test split of each leaderboard dataset
(:data:`HIDDEN_SPLIT_PHANTOMS`) from a generator seeded by the secret, so rerunning a generator
with the public seed does not give the hidden labels; the other splits stay byte-identical. The
manifest records that a secret was used (``"hidden_seed": true``), never the secret. A build with
a secret always runs (nothing on disk tells whether the secret changed); a build without one
leaves a current secret build in place (``force=True`` replaces it with the public one).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import DataError
from ..paths import data_root
from .registry import PHANTOMS, get_phantom

__all__ = ["ForeignFolderError", "build_phantom", "build_all", "ensure_dataset", "is_phantom_folder",
           "sha256_of", "manifest_path", "hidden_seed_entropy", "HIDDEN_SPLIT_PHANTOMS",
           "MARKER_NAME"]

#: lock file in the data root that serialises builders.
LOCK_NAME = ".build.lock"
#: seconds a builder waits for another one before giving up.
LOCK_TIMEOUT_S = 600
#: the file in a built folder that names it as the builder's own, with the files it wrote.
MARKER_NAME = ".dlmia-phantom.json"
#: the phantoms whose hidden test split a secret can draw (the leaderboard datasets).
HIDDEN_SPLIT_PHANTOMS = ("ct_volumes", "seg2d", "cxr", "spine_mr")


class ForeignFolderError(DataError):
    """A dataset folder holds files the builder did not write, so it is left as it is."""


def hidden_seed_entropy(secret: str) -> int:
    """The integer a generator seeds its hidden split with, derived from the instructor's secret.

    Args:
        secret: any non-empty text.

    Returns:
        A 128-bit integer from the secret's SHA-256 (the secret itself reaches no generator).

    Raises:
        DataError: when the secret is empty.
    """
    if not secret:
        raise DataError("The hidden seed is empty; give a non-empty secret with --hidden-seed or "
                        "$DLMIA_HIDDEN_SEED.")
    digest = hashlib.sha256(b"dlmia hidden split\0" + secret.encode("utf-8")).digest()
    return int.from_bytes(digest[:16], "big")


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_path(root: Path | None = None) -> Path:
    """Path of the manifest of built data."""
    return Path(root or data_root()) / "manifest.json"


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder`` but the marker (symbolic links count as files)."""
    return [p for p in sorted(folder.rglob("*"))
            if (p.is_file() or p.is_symlink()) and p.relative_to(folder).as_posix() != MARKER_NAME]


def _checksums(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256_of(p) for p in _files(folder)
            if p.is_file()}


def _marker_files(folder: Path) -> set[str]:
    try:
        marker = json.loads((folder / MARKER_NAME).read_text())
        return {str(f) for f in marker.get("files", [])}
    except (OSError, ValueError, AttributeError, TypeError):
        return set()


def is_phantom_folder(folder: Path, manifest_entry: dict | None = None) -> bool:
    """Whether every file in ``folder`` is one a phantom build wrote.

    Args:
        folder: a dataset folder (``<data root>/<name>``).
        manifest_entry: the manifest's entry for it, whose file list also counts as the
            builder's own (builds made before folders carried a marker).

    Returns:
        ``True`` when the folder carries a marker or a manifest entry and holds no other file.
    """
    folder = Path(folder)
    owned = _marker_files(folder) | set((manifest_entry or {}).get("files", {}))
    if not owned:
        return False
    return all(p.relative_to(folder).as_posix() in owned for p in _files(folder))


def _foreign_files(folder: Path, manifest_entry: dict | None) -> list[str]:
    owned = _marker_files(folder) | set((manifest_entry or {}).get("files", {}))
    return [p.relative_to(folder).as_posix() for p in _files(folder)
            if p.relative_to(folder).as_posix() not in owned]


def _read_manifest(root: Path) -> dict:
    path = manifest_path(root)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}


def build_phantom(name: str, root: Path | None = None, force: bool = False, seed: int = 0,
                  verbose: bool = True, hidden_seed: str | None = None) -> dict:
    """Build one phantom into ``<root>/<name>`` unless an identical build is already there.

    Args:
        name: a key of :data:`common.phantoms.registry.PHANTOMS`.
        root: the data root (default :func:`common.paths.data_root`).
        force: rebuild even when the manifest says the build is current.
        seed: generator seed; the same seed gives byte-identical files.
        verbose: print one line with the outcome and the time.
        hidden_seed: the instructor's secret; draws the hidden test split of a phantom in
            :data:`HIDDEN_SPLIT_PHANTOMS` (others build as without it). ``None``: the public
            build, or a current secret build left in place.

    Returns:
        The manifest entry: ``{"version", "seed", "seconds", "files": {relpath: sha256}}``, plus
        ``"hidden_seed": True`` when a secret drew the hidden split.

    Raises:
        DataError: when the name is unknown, the secret is empty, or another builder holds the
            lock too long.
    """
    module = get_phantom(name)
    hidden = None
    if hidden_seed is not None:
        entropy = hidden_seed_entropy(hidden_seed)   # an empty secret is refused for any phantom
        hidden = entropy if name in HIDDEN_SPLIT_PHANTOMS else None
    root = Path(root or data_root())
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / LOCK_NAME, timeout=LOCK_TIMEOUT_S)
    try:
        with lock:
            return _build_locked(module, name, root, force, seed, verbose, hidden)
    except Timeout:
        raise DataError(f"Another `dlmia data build` has held {root / LOCK_NAME} for "
                        f"{LOCK_TIMEOUT_S} s; wait for it to finish, or delete that file if no "
                        "build is running.") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _readable(folder: Path) -> None:
    """Give a built folder the mode of a folder made by ``mkdir`` (``mkdtemp`` makes it 0700), so
    that other users, such as the sandbox's unprivileged grading user, can read the data."""
    folder.chmod(0o777 & ~_umask())


def _build_locked(module, name: str, root: Path, force: bool, seed: int, verbose: bool,
                  hidden: int | None) -> dict:
    target = root / name
    manifest = _read_manifest(root)
    entry = manifest.get(name)
    version = getattr(module, "VERSION", 1)
    if (not force and hidden is None and entry and entry.get("version") == version
            and entry.get("seed") == seed and target.is_dir()
            and _checksums(target) == entry.get("files")):
        if target.stat().st_mode & 0o077 == 0:   # built before folders were made readable
            _readable(target)
        if verbose:
            drawn = ", hidden split from a secret" if entry.get("hidden_seed") else ""
            print(f"{name}: up to date ({len(entry['files'])} files{drawn})")
        return entry
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ForeignFolderError(f"{target} is not a folder the phantom builder made; move it away, or "
                        "build elsewhere with DLMIA_DATA=<another folder>.")
    if target.is_dir():
        foreign = _foreign_files(target, entry)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                             else "")
            raise ForeignFolderError(f"{target} holds files the phantom builder did not write ({shown}), "
                            "so it is left untouched; if it is a real dataset use it as it is "
                            "(`dlmia data check " + name + "`), otherwise move those files "
                            "away or build elsewhere with DLMIA_DATA=<another folder>.")
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    old = None
    try:
        if hidden is None:
            module.build(tmp, seed=seed)
        else:
            module.build(tmp, seed=seed, hidden_seed=hidden)
        written = sorted(p.relative_to(tmp).as_posix() for p in _files(tmp))
        (tmp / MARKER_NAME).write_text(json.dumps(
            {"name": name, "version": getattr(module, "VERSION", 1), "seed": seed,
             "files": written}, indent=1) + "\n")
        _readable(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}-old-", dir=root))
            target.rename(old / name)   # swap: the old build leaves in one rename
        tmp.rename(target)
    except BaseException:
        if old is not None and (old / name).exists() and not target.exists():
            (old / name).rename(target)   # put the previous build back
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)   # only the builder's own files, checked above
    seconds = round(time.perf_counter() - start, 2)
    entry = {"version": version, "seed": seed, "seconds": seconds, "files": _checksums(target)}
    if hidden is not None:
        entry["hidden_seed"] = True
    manifest = _read_manifest(root)
    manifest[name] = entry
    partial = manifest_path(root).with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(partial, manifest_path(root))   # readers never see a half-written manifest
    if verbose:
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 2**20
        drawn = ", hidden split from a secret" if hidden is not None else ""
        print(f"{name}: built {len(entry['files'])} files, {size:.1f} MB in {seconds:.1f} s{drawn}")
    return entry


def ensure_dataset(name: str, root: Path | None = None) -> Path:
    """The folder of dataset ``name``, built as a phantom only when it is absent.

    What is there is used as it is: a real download placed where the dataset card says, or a
    phantom built earlier (``dlmia data build`` keeps phantoms current). Nothing is rebuilt,
    replaced or deleted.

    Args:
        name: a key of :data:`common.phantoms.registry.PHANTOMS`.
        root: the data root (default :func:`common.paths.data_root`).

    Returns:
        ``<root>/<name>``.

    Raises:
        DataError: when the name is unknown, or the path exists and is not a folder.
    """
    get_phantom(name)
    folder = Path(root or data_root()) / name
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder} is a file, not a dataset folder; move it away or point "
                        "DLMIA_DATA at the folder that holds the dataset.")
    if not folder.exists():
        build_phantom(name, root=root)
    return folder


def build_all(root: Path | None = None, force: bool = False, seed: int = 0,
              names: list[str] | None = None, hidden_seed: str | None = None,
              skip_foreign: bool = False) -> dict:
    """Build every phantom, or those named, with :func:`build_phantom`.

    Args:
        root: the data root (default :func:`common.paths.data_root`).
        force: rebuild even when a build is current.
        seed: generator seed.
        names: phantoms to build, in that order (default: all, in build order).
        hidden_seed: the instructor's secret for the hidden test splits (see
            :func:`build_phantom`).
        skip_foreign: print one line and go on when a folder holds files the builder did not
            write (a real download), instead of raising :class:`ForeignFolderError`.

    Returns:
        ``{name: manifest entry}`` for the datasets built or found current; a skipped one has
        ``{"skipped": reason}``.

    Raises:
        DataError: when a name is unknown, the secret is empty, or another builder holds the
            lock too long.
    """
    names = list(PHANTOMS) if names is None else names
    out = {}
    for n in names:
        try:
            out[n] = build_phantom(n, root=root, force=force, seed=seed, hidden_seed=hidden_seed)
        except ForeignFolderError as err:
            if not skip_foreign:
                raise
            print(f"{n}: skipped. {err}")
            out[n] = {"skipped": str(err)}
    return out
