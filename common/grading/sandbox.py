"""Run each graded notebook's kernel inside a bubblewrap sandbox.

nbgrader executes a submission through nbclient, which starts a Jupyter kernel and talks to it over
ZeroMQ. Here only the kernel (the process that runs student code) is moved into a sandbox made by
bubblewrap (``bwrap``); nbgrader, nbclient and the gradebook stay in the grader's own process.
The kernel and the grader talk over ZeroMQ IPC sockets in a private folder bind-mounted into the
sandbox, since the sandbox has no network at all.

What the kernel sees:

* the system (``/usr``, ``/etc``, ...), the Python installation and the course package,
  read-only;
* the data root read-only, without its ``answer_keys/`` folder;
* a throw-away writable copy of its own ``autograded/<student>/<lab>/`` folder (its working
  directory; ``$DLMIA_RUN_DIR`` points at ``runs/`` inside it), an empty ``/tmp``;
* nothing else: no course folder (``gradebook.db``, ``solutions/``, other students,
  ``runs/``), no home folder, no network.

Limits: memory of each process (``RLIMIT_DATA``: an allocation past it raises ``MemoryError`` in
the student's cell), process count (``RLIMIT_NPROC``: when the grader is root the kernel runs as
an unprivileged user id of its own, one per grading process, since the limit never binds root)
and, optionally, CPU time (``RLIMIT_CPU``); the notebook's wall-clock limit is kept cell by cell
by :class:`KeepGoingExecute`, and the memory of the whole process tree is watched by
:mod:`common.grading.autograde`. A cell that runs past its time limit is interrupted over the
kernel's control channel (a signal would stop at ``bwrap``).

Example:
    >>> problem = sandbox_problem()          # None when bwrap works here
    >>> cmd = sandbox_command(["python", "-m", "ipykernel_launcher", "-f", "k.json"],
    ...                       SandboxSpec(workdir=Path("/c/autograded/ada/lab01"),
    ...                                   copy=Path("/tmp/x"), ipc_dir=Path("/tmp/k")))
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, Unicode

from ..env import DATA_ENV, HIDDEN_SEED_ENV, RUN_DIR_ENV
from .notebook import is_test_cell

__all__ = ["SandboxSpec", "sandbox_command", "sandbox_problem", "INSTALL_HINT",
           "SandboxKernelManager", "SandboxExecute", "KeepGoingExecute", "KERNEL_DIED",
           "TIME_UP", "sandbox_uid"]

#: How to get the sandbox tool, in one sentence.
INSTALL_HINT = ("bubblewrap (bwrap) is needed to sandbox graded notebooks: install it with "
                "`sudo apt-get install bubblewrap` (or your system's package), or pass "
                "--no-sandbox to grade without isolation.")

#: ``ename`` of the error output given to cells that could not run because the kernel died.
KERNEL_DIED = "KernelDied"
#: ``ename`` of the error output given to code cells that did not run because the notebook's time
#: limit had passed.
TIME_UP = "NotebookTimeLimit"

#: First of the user ids a root grader gives its sandboxes: one per grading process, so that the
#: process limit of one sandbox is not shared with another's.
_UID_BASE = 2_000_000
#: Environment variables passed from the grader to the sandboxed kernel (names or prefixes).
#: never passed to student code: the instructor's secret that draws the hidden splits.
_ENV_SECRET = (HIDDEN_SEED_ENV,)
_ENV_KEEP = ("DLMIA_", "NBGRADER_", "OMP_", "MKL_", "OPENBLAS_", "MPLBACKEND", "LANG", "LC_",
             "TZ", "PYTHONHASHSEED", "TORCH_HOME", "HF_HOME", "JPY_")


def _system_dirs() -> list[Path]:
    """Read-only system folders the kernel needs (those that exist here)."""
    names = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt"]
    return [Path(n) for n in names if Path(n).exists()]


def _outermost(dirs: list[Path]) -> list[Path]:
    """``dirs`` without those inside another one of them, in a stable order."""
    dirs = sorted(set(dirs))
    return [d for d in dirs if not any(o != d and d.is_relative_to(o) for o in dirs)]


def _python_dirs() -> list[Path]:
    """The interpreter, its standard library, the virtualenv and the course package."""
    from ..paths import repo_root

    dirs = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
            Path(sys.executable).resolve().parent, (repo_root() / "common").resolve()}
    torch_home = os.environ.get("TORCH_HOME") or Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "torch"
    hf_home = os.environ.get("HF_HOME") or Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    dirs |= {Path(p).resolve() for p in (torch_home, hf_home) if Path(p).is_dir()}
    return sorted(dirs)


@dataclass
class SandboxSpec:
    """Where one sandboxed kernel lives and what it may use.

    Attributes:
        workdir: the kernel's working directory as the grader sees it
            (``autograded/<student>/<lab>``); the sandbox shows ``copy`` there.
        copy: throw-away writable copy of ``workdir``.
        ipc_dir: private folder of the connection file and the ZeroMQ IPC sockets.
        data_root: data folder shown read-only, without ``answer_keys/``.
        memory_mb: address-space (data segment) limit of each kernel process.
        max_procs: most processes (and threads) the kernel's user may run.
        cpu_seconds: CPU-time limit of each process (0: none).
        max_file_mb: largest file a kernel process may write (``RLIMIT_FSIZE``).
        scratch_mb: size of each of the memory-backed ``/tmp`` and ``/dev/shm``.
        env: environment of the kernel (filtered by :data:`_ENV_KEEP`).
    """

    workdir: Path
    copy: Path
    ipc_dir: Path
    data_root: Path | None = None
    memory_mb: float = 6000
    max_procs: int = 256
    cpu_seconds: int = 0
    max_file_mb: float = 2048
    scratch_mb: float = 1024
    env: dict = field(default_factory=dict)


def sandbox_problem() -> str | None:
    """None when a bubblewrap sandbox can be made here, else one sentence saying why not."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return INSTALL_HINT
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent",
                            "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return (f"bubblewrap cannot create a sandbox here ({detail}); enable unprivileged user "
                f"namespaces (sysctl kernel.unprivileged_userns_clone=1) or pass --no-sandbox.")
    return None


def _user_processes() -> int:
    """Number of processes of this real user (RLIMIT_NPROC counts them all)."""
    import psutil

    uid = os.getuid()
    return sum(1 for p in psutil.process_iter(["uids"])
               if p.info["uids"] is not None and p.info["uids"].real == uid)


def sandbox_uid() -> int:
    """User id the sandboxed kernel runs as when the grader is root (unique per grader process)."""
    return _UID_BASE + os.getpid()


def sandbox_command(cmd: list[str], spec: SandboxSpec) -> list[str]:
    """``cmd`` wrapped so that it runs in a bubblewrap sandbox described by ``spec``.

    Args:
        cmd: the kernel command (``python -m ipykernel_launcher -f CONNECTION_FILE``).
        spec: folders and limits of this kernel.

    Returns:
        The full command line: ``bwrap [options] [setpriv ...] prlimit ... -- cmd``.
    """
    root = os.geteuid() == 0
    args = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try"]
    if root:
        # Real root: no user namespace; keep only what is needed to become an unprivileged user
        # of its own below, so that the process limit counts this sandbox alone.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_SETPCAP"]
    else:
        args += ["--unshare-user"]
    made: set[Path] = {Path("/")}

    def mount(option: str, src: Path, dst: Path) -> None:
        # bwrap makes missing parents of a mount point 0700, which the kernel's user
        # could not cross.
        for parent in reversed(dst.parents):
            if parent not in made:
                args.extend(["--perms", "0755", "--dir", str(parent)])
                made.add(parent)
        args.extend([option, str(src), str(dst)])
        made.add(dst)

    # The scratch file systems first: a course, virtualenv or data root that lives under /tmp
    # (a CI clone, say) is then bound on top of the empty /tmp instead of hidden by it.
    tmpfs = str(int(spec.scratch_mb * 2**20))     # memory-backed: bounded
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", tmpfs, "--tmpfs",
             "/dev/shm", "--perms", "1777", "--size", tmpfs, "--tmpfs", "/tmp"]
    made |= {Path("/proc"), Path("/dev"), Path("/dev/shm"), Path("/tmp")}
    for d in _outermost(_system_dirs() + _python_dirs()):
        if d.is_symlink():           # merged-/usr systems: /lib -> usr/lib
            args += ["--symlink", os.readlink(d), str(d)]
        else:
            mount("--ro-bind", d, d)
    if spec.data_root is not None and Path(spec.data_root).is_dir():
        data = Path(spec.data_root).resolve()
        for child in sorted(data.iterdir()):
            if child.name != "answer_keys":
                mount("--ro-bind", child, data / child.name)
    mount("--bind", Path(spec.copy), Path(spec.workdir))
    mount("--bind", Path(spec.ipc_dir), Path(spec.ipc_dir))
    args += ["--chdir", str(spec.workdir), "--clearenv"]
    env = {k: v for k, v in spec.env.items() if k.startswith(_ENV_KEEP) and k not in _ENV_SECRET}
    env.update({"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                "HOME": "/tmp", "USER": "student", "LOGNAME": "student",
                "MPLCONFIGDIR": "/tmp/matplotlib", "MPLBACKEND": "Agg",
                "XDG_CACHE_HOME": "/tmp/cache",
                RUN_DIR_ENV: str(spec.workdir / "runs")})
    if spec.data_root is not None:
        env[DATA_ENV] = str(Path(spec.data_root).resolve())
    for k, v in sorted(env.items()):
        args += ["--setenv", k, v]
    args.append("--")
    if root:
        uid = sandbox_uid()
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        nproc = spec.max_procs
    else:
        nproc = spec.max_procs + _user_processes()
    limits = [f"--nproc={nproc}", f"--data={int(spec.memory_mb * 2**20)}",
              f"--fsize={int(spec.max_file_mb * 2**20)}"]
    if spec.cpu_seconds:
        limits.append(f"--cpu={int(spec.cpu_seconds)}")
    return args + ["prlimit", *limits, "--", *cmd]


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel in a bubblewrap sandbox over IPC sockets."""

    sandbox_data_root = Unicode("", help="data root shown read-only (without answer_keys)")
    sandbox_memory_mb = Float(6000, help="memory limit of each kernel process, MB")
    sandbox_max_procs = Integer(256, help="process limit of the sandbox")
    sandbox_cpu_seconds = Integer(0, help="CPU-time limit of each kernel process (0: none)")

    async def _async_pre_start_kernel(self, **kw):
        # A signal would reach bwrap, not the kernel: interrupt over the control channel.
        self.kernel_spec.interrupt_mode = "message"
        self._ipc_dir = Path(tempfile.mkdtemp(prefix="dlmia-kernel-"))
        self.transport = "ipc"
        self.ip = str(self._ipc_dir / "k")
        self.connection_file = str(self._ipc_dir / "kernel.json")
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        self._copy = Path(tempfile.mkdtemp(prefix="dlmia-work-"))
        shutil.copytree(workdir, self._copy, dirs_exist_ok=True)
        if os.geteuid() == 0:
            for path in [self._ipc_dir, *self._ipc_dir.rglob("*"), self._copy,
                         *self._copy.rglob("*")]:
                os.chown(path, sandbox_uid(), sandbox_uid())
        spec = SandboxSpec(workdir=workdir, copy=self._copy, ipc_dir=self._ipc_dir,
                           data_root=Path(self.sandbox_data_root) if self.sandbox_data_root
                           else None, memory_mb=self.sandbox_memory_mb,
                           max_procs=self.sandbox_max_procs, cpu_seconds=self.sandbox_cpu_seconds,
                           env=dict(kw.get("env") or os.environ))
        return sandbox_command(cmd, spec), kw

    def remove_folders(self) -> None:
        """Delete the IPC folder and the throw-away copy."""
        for d in (getattr(self, "_ipc_dir", None), getattr(self, "_copy", None)):
            if d is not None:
                shutil.rmtree(d, ignore_errors=True)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.remove_folders()


def _stderr_as_stdout(cell):
    """Show a graded test cell's stderr (a student's debug print, a library warning) as stdout.

    nbgrader scores a test cell with any stderr output as failed; only an error should fail a
    test, so the text stays visible, marked ``[stderr]``, on stdout.
    """
    if not is_test_cell(cell):
        return cell
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            out["name"] = "stdout"
            out["text"] = "".join(f"[stderr] {line}" for line in out["text"].splitlines(True))
    return cell


class KeepGoingExecute(Execute):
    """nbgrader's Execute that keeps the points earned before the kernel died or the notebook ran
    out of time, and whose test cells do not fail for writing to stderr.

    When the kernel dies (``os._exit``, a crash, a killed process) or a cell runs past its time
    limit and ignores the interrupt (the kernel is then stopped), the cell that was running and
    every later code cell get an error output named :data:`KERNEL_DIED` instead of ending the whole
    notebook with an exception, so nbgrader still saves the grades of the cells that ran.

    ``notebook_timeout`` bounds the whole notebook: each cell's time limit is cut to what is left
    of it, so the cell running when it passes is interrupted, and every later code cell gets an
    error output named :data:`TIME_UP` without running. The grades of the cells before are saved.
    """

    notebook_timeout = Float(0, help="seconds for the whole notebook (0: no limit)").tag(
        config=True)

    _dead = False
    _deadline: float | None = None

    def preprocess(self, nb, resources=None, km=None):
        self._dead = False
        self._deadline = (time.monotonic() + self.notebook_timeout
                          if self.notebook_timeout > 0 else None)
        if self._deadline is not None:
            self.timeout_func = self._time_left
        return super().preprocess(nb, resources, km)

    def _time_left(self, cell) -> int:
        """A cell's time limit: the per-cell limit, cut to what is left of the notebook's."""
        left = math.ceil(self._deadline - time.monotonic())
        return max(1, min(left, self.timeout) if self.timeout and self.timeout > 0 else left)

    def _time_is_up(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def preprocess_cell(self, cell, resources, index):
        reason = "the kernel died (os._exit, a crash or a limit) before this cell finished"
        ename = KERNEL_DIED
        if cell.cell_type == "code" and not self._dead and self._time_is_up():
            ename = TIME_UP
            reason = (f"not run: the notebook had used up its {self.notebook_timeout:.0f} s "
                      f"time limit")
        elif cell.cell_type != "code" or not self._dead:
            try:
                cell, resources = super().preprocess_cell(cell, resources, index)
                return _stderr_as_stdout(cell), resources
            except DeadKernelError:
                self._dead = True
            except CellTimeoutError:
                # the cell ignored the interrupt: stop the kernel, the later cells cannot run
                self._dead = True
                reason = "the cell ran past its time limit and ignored the interrupt"
                run_sync(self.km.shutdown_kernel)(now=True)
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output(
                "error", ename=ename, evalue=reason, traceback=[f"{ename}: {reason}"])]
        return cell, self.resources


class SandboxExecute(KeepGoingExecute):
    """:class:`KeepGoingExecute` whose kernel runs in a bubblewrap sandbox."""

    data_root = Unicode(os.environ.get(DATA_ENV, ""), help="data root for the kernel").tag(
        config=True)
    memory_mb = Float(6000, help="memory limit of each kernel process, MB").tag(config=True)
    max_procs = Integer(256, help="process limit of the sandbox").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._managers = []
        try:
            return super().preprocess(nb, resources, km)
        finally:     # also when the kernel never started
            for manager in self._managers:
                manager.remove_folders()

    def create_kernel_manager(self):
        self.kernel_manager_class = SandboxKernelManager
        km = super().create_kernel_manager()
        self._managers.append(km)
        km.sandbox_data_root = self.data_root
        km.sandbox_memory_mb = self.memory_mb
        km.sandbox_max_procs = self.max_procs
        return km

