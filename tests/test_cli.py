import subprocess
import sys

import pandas as pd
import pytest

from common.answer_keys import write_answer_key
from common.cli import build_parser, main
from common.digits import digits_answer_key

VERBS = [[], ["data"], ["data", "build"], ["data", "list"], ["data", "check"], ["run"], ["results"],
         ["grade"],
         ["grade", "release"], ["grade", "check"], ["grade", "validate-csv"],
         ["grade", "score-csv"], ["grade", "autograde"], ["grade", "leaderboard"],
         ["grade", "bench-csv"], ["grade", "bench-autograde"]]


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


def test_csv_verbs_print_one_sentence_for_bad_files(tmp_path, capsys):
    """The failures found by trying: a trailing comma, labels written as 3.0, --out on a file."""
    path = tmp_path / "Hw1_submission_Z.csv"
    path.write_text("ImageId,Label\n1,3,\n2,4\n")
    assert main(["grade", "validate-csv", "lab01_digits_mlp", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Line 2 of Hw1_submission_Z.csv has 3 cells" in out and "Traceback" not in out
    key = digits_answer_key()
    path.write_text("ImageId,Label\n" + "".join(f"{i},{y}.0\n" for i, y in key.values))
    assert main(["grade", "score-csv", "lab01_digits_mlp", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Column Label of Hw1_submission_Z.csv must hold a whole number")
    assert main(["grade", "validate-csv", "lab01_digits_mlp", str(path), "--max-mb", "0.001"]) == 1
    assert "more than the 1.0 KiB" in capsys.readouterr().out
    (tmp_path / "submitted").mkdir()
    assert main(["grade", "leaderboard", "--submitted", str(tmp_path / "submitted"),
                 "--out", str(path)]) == 1
    err = capsys.readouterr().err
    assert "is an existing file, not a folder" in err and "Traceback" not in err


def test_max_mb_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["grade", "validate-csv", "lab01_digits_mlp", "x.csv", "--max-mb", "-1"])
    assert "positive number of MiB" in capsys.readouterr().err


def test_bench_csv_runs_on_a_tiny_size(tmp_path, monkeypatch, capsys):
    """The benchmark's machinery works (no timing is asserted: it prints figures)."""
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "data"))
    write_answer_key("ct_volumes", "labels", pd.DataFrame(
        {"patient_id": ["P1", "P2", "P3", "P4"], "label": [0, 1, 1, 0]}), root=tmp_path / "data")
    assert main(["grade", "bench-csv", "lab02_slice_classification", "--mb", "0.01",
                 "--folder", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines()
             if line.startswith("lab02_slice_classification")}
    assert "more than the 4,194,304 bytes" in lines["oversize"]
    assert "longer than" in lines["huge"] and lines["validate"].endswith("valid")
    assert lines["score"].endswith("score 1.0000") and "target reject" in out
    assert [p.name for p in tmp_path.iterdir()] == ["data"]        # its files are removed


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_data_build_all_leaves_real_downloads_byte_for_byte(tmp_path, capsys):
    """A folder of files the builder did not write (a real download) is reported and skipped;
    the other datasets still build."""
    from common.phantoms.registry import available_phantoms

    names = available_phantoms()
    for name in names:
        real = tmp_path / name
        (real / "images").mkdir(parents=True)
        (real / "images" / "case_001.nii.gz").write_bytes(b"\x1f\x8b real bytes")
        (real / "labels.csv").write_text("patient_id,label\ncase_001,1\n")
    before = {name: _tree(tmp_path / name) for name in names}
    assert main(["data", "build", "--all", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"left {len(names)} untouched" in out
    assert all(f"{name}: skipped." in out for name in names)
    assert {name: _tree(tmp_path / name) for name in names} == before
    # one real folder among phantoms: the others build
    root = tmp_path / "mixed"
    (root / "knee_ct").mkdir(parents=True)
    (root / "knee_ct" / "scan.mha").write_bytes(b"ObjectType = Image\n")
    assert main(["data", "build", "knee_ct", "seg2d", "--root", str(root)]) == 0
    assert "left 1 untouched (knee_ct)" in capsys.readouterr().out
    assert _tree(root / "knee_ct") == {"scan.mha": b"ObjectType = Image\n"}
    assert (root / "seg2d" / ".dlmia-phantom.json").exists()
