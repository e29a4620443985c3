import subprocess
import sys

import pytest

from common.cli import build_parser, main

VERBS = [[], ["data"], ["data", "build"], ["data", "list"], ["run"], ["results"], ["grade"],
         ["grade", "release"], ["grade", "check"], ["grade", "validate-csv"],
         ["grade", "score-csv"], ["grade", "autograde"], ["grade", "leaderboard"]]


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v) or "dlmia")
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*verb, "--help"])
    assert exit_info.value.code == 0
    assert "usage: dlmia" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["data", "build", "nonsense"], "no phantom called 'nonsense'"),
    (["data", "build"], "or pass --all"),
    (["run", "lab99_nope"], "Unknown lab"),
    (["grade", "validate-csv", "lab99_nope", "x.csv"], "No submission is declared"),
    (["grade", "release", "lab99_nope"], "Unknown lab"),
])
def test_errors_are_one_sentence_without_traceback(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.startswith("error: ")


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "common.cli", "data", "list"], capture_output=True,
                         text=True, check=True).stdout
    assert "data root" in out
