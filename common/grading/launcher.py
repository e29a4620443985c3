"""Start a grading process without paying for its imports again: fork it from a server process.

``nbgrader autograde --student X`` is one process per student, so that a student's hang, crash or
memory bomb is killed alone. Started as ``python -m nbgrader``, each such process spends seconds
of CPU importing nbgrader, nbconvert, jsonschema and SQLAlchemy before it grades anything (3.7 s
on a 2-core laptop, against 16 s for a whole lab01 notebook). Here a
:mod:`multiprocessing` *forkserver* imports those modules once; each grading process is a fresh
fork of it, with its own working directory, environment, output file and process tree, which the
caller watches and kills as it would a ``subprocess.Popen``.

A command is given as it would be run: ``[python, "-m", module, *args]`` runs the module as
``__main__``, ``[python, "-c", code, *args]`` runs the code; anything else is ``exec``-ed in the
fork.

Example:
    >>> proc = launch([sys.executable, "-m", "nbgrader", "--version"], cwd=Path("."),
    ...               env=dict(os.environ), log=Path("/tmp/nbgrader.log"))
    >>> proc.wait()
    0
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import sys
import tempfile
from pathlib import Path

__all__ = ["launch", "Launched", "PRELOAD"]

#: modules the server imports once, before it forks a grading process.
PRELOAD = ["nbgrader.apps.nbgraderapp", "nbgrader.preprocessors", "nbclient",
           "common.grading.sandbox"]

_context = None


def _fork_context():
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _context = ctx
    return _context


def _child(cmd: list[str], cwd: str, env: dict, log: str) -> None:
    """Body of the forked process: become ``cmd`` run in ``cwd`` with ``env``, output to ``log``."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None          # the server may have cached its own TMPDIR
    code = 0
    try:
        if len(cmd) >= 3 and cmd[0] == sys.executable and cmd[1] == "-m":
            sys.argv = [cmd[2], *cmd[3:]]
            runpy.run_module(cmd[2], run_name="__main__", alter_sys=True)
        elif len(cmd) >= 3 and cmd[0] == sys.executable and cmd[1] == "-c":
            sys.argv = ["-c", *cmd[3:]]
            exec(compile(cmd[2], "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
        else:
            os.execvpe(cmd[0], cmd, env)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report it in the log as Python would, then exit 1
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream has nothing left to write
                pass
    os._exit(code)


class Launched:
    """A started grading process: its ``pid``, ``poll()`` and ``wait()`` as with ``Popen``."""

    def __init__(self, process: multiprocessing.Process) -> None:
        self._process = process
        self.pid = process.pid

    def poll(self) -> int | None:
        """The exit code, or None while it runs."""
        return self._process.exitcode

    def wait(self) -> int:
        """Wait for the end and return the exit code (negative: killed by that signal)."""
        self._process.join()
        return self._process.exitcode

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode


def launch(cmd: list[str], cwd: Path, env: dict, log: Path) -> Launched:
    """Start ``cmd`` in ``cwd`` with exactly the environment ``env``; stdout and stderr go to
    ``log``.

    Returns:
        The running process.
    """
    process = _fork_context().Process(target=_child, args=(list(cmd), str(cwd), dict(env),
                                                           str(log)), daemon=False)
    process.start()
    return Launched(process)
