"""The bubblewrap sandbox itself, without nbgrader: what a process inside can see, write and do.

A fake course folder holds a gradebook, solutions, another student's folder and ``runs/``; a data
root holds an answer key. A small Python program runs in the sandbox as the kernel would.
"""

import os
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest

from common.grading.sandbox import INSTALL_HINT, SandboxSpec, sandbox_command, sandbox_problem

SECRET = "s3cret-hidden-test-text"


def require_sandbox():
    """Fail (never skip) with the one-sentence install hint when bwrap cannot run here."""
    problem = sandbox_problem()
    if problem is not None:
        pytest.fail(problem)


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    work = root / "autograded" / "ada" / "lab01"
    work.mkdir(parents=True)
    (work / "lab01.ipynb").write_text("{}")
    (root / "gradebook.db").write_text(SECRET)
    (root / "solutions" / "lab01").mkdir(parents=True)
    (root / "solutions" / "lab01" / "lab01.ipynb").write_text(SECRET)
    (root / "submitted" / "bob" / "lab01").mkdir(parents=True)
    (root / "submitted" / "bob" / "lab01" / "lab01.ipynb").write_text("bob's work")
    (root / "runs" / "lab01").mkdir(parents=True)
    data = tmp_path / "data"
    (data / "answer_keys" / "digits").mkdir(parents=True)
    (data / "answer_keys" / "digits" / "test.csv").write_text(SECRET)
    (data / "digits").mkdir()
    (data / "digits" / "images.txt").write_text("pixels")
    copy = tmp_path / "copy"
    shutil.copytree(work, copy)
    ipc = tmp_path / "ipc"
    ipc.mkdir()
    if os.geteuid() == 0:
        from common.grading.sandbox import sandbox_uid
        for p in (copy, *copy.rglob("*"), ipc):
            os.chown(p, sandbox_uid(), sandbox_uid())
    spec = SandboxSpec(workdir=work, copy=copy, ipc_dir=ipc, data_root=data, memory_mb=2000,
                       max_procs=64, max_file_mb=4, scratch_mb=16,
                       env={"DLMIA_SMOKE": "1", "SECRET_TOKEN": SECRET})
    return root, data, spec


def run_in_sandbox(spec, code, timeout=60):
    cmd = sandbox_command([sys.executable, "-c", textwrap.dedent(code)], spec)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def test_install_hint_is_one_sentence():
    assert INSTALL_HINT.count(". ") == 0 and INSTALL_HINT.endswith(".")
    assert "apt-get install bubblewrap" in INSTALL_HINT


def test_secrets_other_students_and_runs_are_out_of_reach(course):
    require_sandbox()
    root, data, spec = course
    code = f"""
        import os, pathlib, shutil
        root, data = pathlib.Path({str(root)!r}), pathlib.Path({str(data)!r})
        for p in [root / "gradebook.db", root / "solutions" / "lab01" / "lab01.ipynb",
                  data / "answer_keys" / "digits" / "test.csv", pathlib.Path("../../../gradebook.db")]:
            try:
                print("READ", p.read_text())
            except OSError as exc:
                print("DENIED", p, type(exc).__name__)
        for p in [root / "submitted" / "bob", root / "runs"]:
            try:
                shutil.rmtree(p)
                print("DELETED", p)
            except OSError as exc:
                print("DENIED", p, type(exc).__name__)
        for p in [root / "runs" / "lab01" / "x.txt", data / "digits" / "x.txt"]:
            try:
                p.write_text("x")
                print("WROTE", p)
            except OSError as exc:
                print("DENIED", p, type(exc).__name__)
        print("DATA", (data / "digits" / "images.txt").read_text())
        print("ENV", sorted(k for k in os.environ if "SECRET" in k), os.environ["DLMIA_RUN_DIR"])
        pathlib.Path("result.txt").write_text("mine")
        pathlib.Path("/tmp/scratch").write_text("tmp")
        pathlib.Path("/dev/shm/scratch").write_text("shm")
    """
    proc = run_in_sandbox(spec, code)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert SECRET not in out and "READ" not in out and "DELETED" not in out and "WROTE" not in out
    assert out.count("DENIED") == 8
    assert "DATA pixels" in out                                   # the data it needs, read-only
    assert f"ENV [] {spec.workdir / 'runs'}" in out               # no stray variables
    assert (root / "submitted" / "bob" / "lab01" / "lab01.ipynb").read_text() == "bob's work"
    assert not (root / "runs" / "lab01" / "x.txt").exists()
    assert (spec.copy / "result.txt").read_text() == "mine"       # writes go to the copy
    assert not (spec.workdir / "result.txt").exists()


def test_no_network(course):
    require_sandbox()
    _, _, spec = course
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    code = f"""
        import socket
        for host in [("127.0.0.1", {port}), ("1.1.1.1", 53)]:
            try:
                socket.create_connection(host, timeout=3).close()
                print("CONNECTED", host)
            except OSError as exc:
                print("DENIED", host, type(exc).__name__)
    """
    try:
        proc = run_in_sandbox(spec, code)
    finally:
        server.close()
    assert "CONNECTED" not in proc.stdout and proc.stdout.count("DENIED") == 2, proc.stderr


def test_process_memory_and_disk_limits(course):
    require_sandbox()
    _, _, spec = course
    code = """
        import os, subprocess, time
        bomb = subprocess.Popen(["sh", "-c", "while :; do sleep 60 & done"],
                                start_new_session=True, stderr=subprocess.DEVNULL)
        time.sleep(3)
        print("PROCS", sum(1 for p in os.listdir("/proc") if p.isdigit()))
        os.killpg(bomb.pid, 9)
        try:
            x = bytearray(8 * 2**30)
            print("ALLOCATED")
        except MemoryError:
            print("MEMORY-DENIED")
        for path in ["big.bin", "/tmp/big.bin"]:
            try:
                with open(path, "wb") as f:
                    for _ in range(32):
                        f.write(bytes(2**20))
                print("WROTE", path)
            except OSError as exc:
                print("DISK-DENIED", path, exc.errno)
    """
    proc = run_in_sandbox(spec, code)
    procs = int(proc.stdout.split("PROCS ")[1].split()[0])
    assert spec.max_procs - 10 < procs <= spec.max_procs + 2, proc.stdout   # bounded at the limit
    assert "MEMORY-DENIED" in proc.stdout, proc.stdout + proc.stderr
    assert "WROTE" not in proc.stdout and proc.stdout.count("DISK-DENIED") == 2, proc.stdout


def test_the_hidden_split_secret_never_reaches_student_code(tmp_path, monkeypatch):
    """The instructor's DLMIA_HIDDEN_SEED is dropped from the kernel's and the grader's environment."""
    from common.env import HIDDEN_SEED_ENV
    from common.grading.nbgrader_cli import nbgrader_env

    monkeypatch.setenv(HIDDEN_SEED_ENV, "instructor secret")
    spec = SandboxSpec(workdir=tmp_path, copy=tmp_path / "copy", ipc_dir=tmp_path / "ipc", env=dict(os.environ))
    command = sandbox_command([sys.executable, "-c", "pass"], spec)
    assert "instructor secret" not in " ".join(command) and HIDDEN_SEED_ENV not in command
    assert HIDDEN_SEED_ENV not in nbgrader_env({HIDDEN_SEED_ENV: None})
