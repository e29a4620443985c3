"""Grading processes forked from a preloaded server behave as if started afresh."""

from __future__ import annotations

import os
import sys

from common.grading.launcher import launch


def test_a_forked_command_gets_its_cwd_env_tmpdir_output_and_exit_code(tmp_path):
    work, scratch = tmp_path / "work", tmp_path / "scratch"
    work.mkdir()
    scratch.mkdir()
    code = ("import os, sys, tempfile\n"
            "print(os.getcwd(), os.environ.get('ONLY'), os.environ.get('HOME_SET'), "
            "tempfile.gettempdir(), sys.argv[1:])\n"
            "print('to stderr', file=sys.stderr)\n"
            "sys.exit(3)")
    env = {"ONLY": "here", "TMPDIR": str(scratch), "PATH": os.environ["PATH"]}
    proc = launch([sys.executable, "-c", code, "a", "b"], work, env, tmp_path / "log.txt")
    assert proc.wait() == 3
    log = (tmp_path / "log.txt").read_text()
    assert f"{work} here None {scratch} ['a', 'b']" in log
    assert "to stderr" in log


def test_a_module_runs_as_main_and_an_exception_is_logged(tmp_path):
    env = {"PATH": os.environ["PATH"]}
    ok = launch([sys.executable, "-m", "json.tool", "--help"], tmp_path, env, tmp_path / "ok.txt")
    assert ok.wait() == 0 and "usage" in (tmp_path / "ok.txt").read_text()
    bad = launch([sys.executable, "-c", "raise ValueError('boom')"], tmp_path, env,
                 tmp_path / "bad.txt")
    assert bad.wait() == 1 and "ValueError: boom" in (tmp_path / "bad.txt").read_text()
