"""The ``dlmia`` command line: build data, run labs, and grade.

Every failure the course foresees is one sentence on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .env import DATA_ENV, HIDDEN_SEED_ENV
from .errors import CourseError

__all__ = ["main", "build_parser"]


def _data_build(args) -> int:
    from .phantoms.build import build_all
    from .phantoms.registry import PHANTOM_NAMES, available_phantoms

    if args.all and args.names:
        raise CourseError("Give either dataset names or --all, not both.")
    if not args.all and not args.names:
        raise CourseError(f"Name a dataset to build ({', '.join(PHANTOM_NAMES)}) or pass --all.")
    names = available_phantoms() if args.all else args.names
    start = time.perf_counter()
    hidden_seed = args.hidden_seed if args.hidden_seed is not None else os.environ.get(HIDDEN_SEED_ENV)
    done = build_all(root=args.root, force=args.force, seed=args.seed, names=names,
                     hidden_seed=hidden_seed, skip_foreign=True)
    skipped = [n for n, entry in done.items() if "skipped" in entry]
    print(f"built {len(names) - len(skipped)} dataset(s) in {time.perf_counter() - start:.1f} s"
          + (f"; left {len(skipped)} untouched ({', '.join(skipped)})" if skipped else ""))
    return 0


def _data_list(args) -> int:
    from .paths import data_root
    from .phantoms.registry import PHANTOM_NAMES

    root = Path(args.root or data_root())
    for name, labs in PHANTOM_NAMES.items():
        state = "built" if (root / name).is_dir() else "available"
        print(f"{name:12s} {labs:14s} {state}")
    print(f"data root: {root}")
    return 0


def _data_check(args) -> int:
    from .data_check import check_dataset

    report = check_dataset(args.name, args.path, quick=args.quick)
    for problem in report.problems:
        print(f"problem: {problem}")
    for note in report.note_lines():
        print(f"note: {note}")
    if report.problems:
        print(f"{args.name}: {len(report.problems)} problem(s) in {report.folder}")
        return 1
    print(f"ok: {report.summary_line()}")
    return 0


def _run(args) -> int:
    from .labs import lab_ids
    from .runner import run_lab

    labs = lab_ids() if args.all else args.labs
    if not labs:
        raise CourseError("Name a lab to run or pass --all.")
    failed = []
    for lab in labs:
        print(f"running {lab}{' (smoke)' if args.smoke else ''} ...", flush=True)
        try:
            m = run_lab(lab, smoke=args.smoke, out=args.out / lab if args.out else None)
        except CourseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(lab)
            continue
        print(f"{lab}: " + ", ".join(f"{k}={v}" for k, v in sorted(m.items())), flush=True)
    if failed:
        raise CourseError(f"{len(failed)} lab(s) failed: {', '.join(failed)}.")
    return 0


def _results(args) -> int:
    from .results import results_table, update_readme

    if args.readme:
        print(f"updated {update_readme()}")
    else:
        print(results_table())
    return 0


def _grade_release(args) -> int:
    from .grading.release import update_release

    for lab in update_release(args.labs or None):
        print(f"released labs/{lab}")
    return 0


def _grade_check(args) -> int:
    from .grading.course_check import check_lab
    from .grading.release import release_differences
    from .labs import lab_ids

    labs = args.labs or lab_ids()
    problems = []
    if not args.no_sync:
        problems += release_differences(labs)
    for lab in labs:
        report = check_lab(lab, run=not args.no_run)
        if report.solution:
            got = sum(s.points for s in report.solution.values())
            total = sum(s.max_points for s in report.solution.values())
            blank = sum(s.points for s in report.blank.values())
            print(f"{lab}: solution {got:g}/{total:g} autograded points, blank {blank:g}")
        problems += report.problems
        if args.nbgrader and not args.no_run:
            from .grading.nbgrader_check import check_lab_with_nbgrader

            found = check_lab_with_nbgrader(lab)
            print(f"{lab}: through nbgrader " + ("full marks, blank zero" if not found else
                                                  f"{len(found)} problem(s)"))
            problems += found
    for p in problems:
        print(f"problem: {p}")
    print("course check: " + ("passed" if not problems else f"{len(problems)} problem(s)"))
    return 0 if not problems else 1


def _validate_csv(args) -> int:
    from .submissions import validate_submission

    problems = validate_submission(args.lab, args.file, args.name, max_mb=args.max_mb)
    for p in problems:
        print(p)
    print("valid" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


def _score_csv(args) -> int:
    from .submissions import score_submission, spec_for, specs_for

    several = len(specs_for(args.lab)) > 1
    spec = spec_for(args.lab, args.name or (Path(args.file).name if several else None))
    score = score_submission(args.lab, args.file, spec.filename, max_mb=args.max_mb)
    print(f"{spec.metric}: {score:.6f}")
    return 0


def _bench_csv(args) -> int:
    from .submissions.bench import bench_csv

    results = bench_csv(args.labs or None, mb=args.mb,
                        folder=Path(args.folder) if args.folder else None)
    failed = [r for r in results if "error" in r]
    return 1 if failed else 0


def _bench_autograde(args) -> int:
    from .grading.bench import bench_autograde

    bench_autograde(args.lab, students=args.students, jobs=args.jobs, full=args.full)
    return 0


def _autograde(args) -> int:
    from .grading.autograde import autograde_all, export_grades

    if args.no_sandbox:
        print("warning: grading without a sandbox: student code can read and change everything "
              "this user can.", file=sys.stderr)
    table = autograde_all(args.lab, Path(args.course), args.students or None, jobs=args.jobs,
                          cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                          memory_mb=args.memory_mb, sandbox=not args.no_sandbox)
    print(table.drop(columns="tamper_flags").to_string(index=False))
    for student, flags in table[["student", "tamper_flags"]].itertuples(index=False):
        if flags:
            print(f"tamper scan, {student} (for a person to review): {flags}")
    if args.export:
        grades = export_grades(Path(args.course), lab=args.lab, table=table)
        print(f"exported {len(grades)} grade rows to {Path(args.course) / 'grades.csv'}")
    return 0


def _feedback(args) -> int:
    from .grading.feedback import generate_feedback

    pages = generate_feedback(args.lab, Path(args.course), args.students or None)
    for page in pages:
        print(f"wrote {page}")
    print(f"{len(pages)} feedback page(s), hidden tests and their traceback lines removed")
    return 0


def _tamper_scan(args) -> int:
    from .grading.tamper import scan_course

    table = scan_course(args.lab, Path(args.course), args.students or None)
    for row in table.itertuples(index=False):
        print(f"{row.student}/{row.notebook}: {row.flag}")
    students = table["student"].nunique()
    print(f"{len(table)} flag(s) in {students} submission(s) for a person to review"
          if len(table) else "no flags")
    return 0


def _leaderboard(args) -> int:
    from .submissions.leaderboard import write_leaderboard

    max_bytes = None if args.max_mb is None else int(args.max_mb * 2**20)
    table = write_leaderboard(Path(args.submitted), Path(args.out), args.labs or None,
                              max_bytes=max_bytes)
    print(table.to_string(index=False))
    print(f"wrote {Path(args.out) / 'leaderboard.csv'} and leaderboard.html")
    return 0


def _grade_bundle(args) -> int:
    from .grading.bundle import write_bundle

    out = write_bundle(args.out)
    print(f"wrote the students' copy to {out} (no solutions, tests, grading tools or answer keys)")
    return 0


def _max_mb(text: str) -> float:
    """``--max-mb`` value: a positive number of MiB."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--max-mb takes a positive number of MiB, not {text!r}")
    return value


def _course_command(gsub, name: str, help_text: str, func) -> argparse.ArgumentParser:
    """A ``dlmia grade`` command over one lab's submissions in an nbgrader course folder."""
    cmd = gsub.add_parser(name, help=help_text)
    cmd.add_argument("lab")
    cmd.add_argument("--course", default=".", help="nbgrader course folder (default: .)")
    cmd.add_argument("--students", nargs="*", help="only these students")
    cmd.set_defaults(func=func)
    return cmd


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every verb has ``--help``)."""
    p = argparse.ArgumentParser(prog="dlmia", description="Deep Learning in Medical Image "
                                "Analysis: build data, run the labs, grade.")
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build or list the course's datasets")
    dsub = data.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help=f"build phantoms into ${DATA_ENV} (default datasets/)")
    b.add_argument("names", nargs="*", help="datasets to build (ct_volumes, seg2d, cxr, ...)")
    b.add_argument("--all", action="store_true", help="build every dataset")
    b.add_argument("--force", action="store_true", help="rebuild even if up to date")
    b.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    b.add_argument("--root", type=Path, default=None, help=f"data root (default ${DATA_ENV})")
    b.add_argument("--hidden-seed", default=None, metavar="SECRET",
                   help=f"instructor's secret that draws the hidden test splits (default "
                   f"${HIDDEN_SEED_ENV}, which stays out of shell history; never written to disk)")
    b.set_defaults(func=_data_build)
    ls = dsub.add_parser("list", help="list datasets and whether they are built")
    ls.add_argument("--root", type=Path, default=None, help=f"data root (default ${DATA_ENV})")
    ls.set_defaults(func=_data_list)
    ck = dsub.add_parser("check", help="check a dataset folder (a phantom or a real download) "
                         "against its card; list every problem")
    ck.add_argument("name", help="dataset (ct_volumes, seg2d, cxr, spine_mr, knee_ct)")
    ck.add_argument("path", nargs="?", type=Path, default=None,
                    help=f"the dataset folder (default ${DATA_ENV}/NAME)")
    ck.add_argument("--quick", action="store_true", help="check DICOM radiographs (cxr) from "
                    "their headers without decoding the pixels (full-size downloads)")
    ck.set_defaults(func=_data_check)

    r = sub.add_parser("run", help="run labs' reference solutions headless into runs/LAB/")
    r.add_argument("labs", nargs="*", help="lab ids, e.g. lab01_digits_mlp")
    r.add_argument("--all", action="store_true", help="run every lab")
    r.add_argument("--smoke", action="store_true", help="seconds-long smoke configuration")
    r.add_argument("--out", type=Path, default=None,
                   help="write OUT/LAB/ instead of runs/LAB/ (the results table reads runs/)")
    r.set_defaults(func=_run)

    res = sub.add_parser("results", help="print the results table from runs/*/metrics.json")
    res.add_argument("--readme", action="store_true", help="write it into README.md")
    res.set_defaults(func=_results)

    g = sub.add_parser("grade", help="release, check, autograde, score CSVs, leaderboard")
    gsub = g.add_subparsers(dest="grade_command", required=True)
    rel = gsub.add_parser("release", help="regenerate labs/ from solutions/ with nbgrader")
    rel.add_argument("labs", nargs="*", help="lab ids (default: all)")
    rel.set_defaults(func=_grade_release)
    chk = gsub.add_parser("check", help="solutions full marks, blanks zero, release in sync, "
                          "no leaks")
    chk.add_argument("labs", nargs="*", help="lab ids (default: all)")
    chk.add_argument("--no-run", action="store_true", help="skip executing the notebooks")
    chk.add_argument("--no-sync", action="store_true", help="skip the release comparison")
    chk.add_argument("--nbgrader", action="store_true", help="also grade the completed and the "
                     "blank release through real nbgrader (sandboxed)")
    chk.set_defaults(func=_grade_check)
    for name, help_text, func in (
            ("validate-csv", "check a submission CSV against its schema", _validate_csv),
            ("score-csv", "validate and score a submission CSV", _score_csv)):
        csv_cmd = gsub.add_parser(name, help=help_text)
        csv_cmd.add_argument("lab")
        csv_cmd.add_argument("file", type=Path)
        csv_cmd.add_argument("--name", default=None, help="submission name if the file was renamed")
        csv_cmd.add_argument("--max-mb", type=_max_mb, default=None,
                             help="file-size limit in MiB (default: the submission's own)")
        csv_cmd.set_defaults(func=func)
    bc = gsub.add_parser("bench-csv", help="print time and memory of refusing oversize CSVs and "
                         "of checking and scoring the largest valid ones")
    bc.add_argument("labs", nargs="*", help="lab ids (default: all with submissions)")
    bc.add_argument("--mb", type=_max_mb, default=200.0,
                    help="size of the oversize files in MiB (default 200)")
    bc.add_argument("--folder", default=None, help="where to build the files (default: a "
                    "temporary folder)")
    bc.set_defaults(func=_bench_csv)
    a = _course_command(gsub, "autograde", "autograde all submissions in parallel, each in a "
                        "sandbox with limits", _autograde)
    a.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    a.add_argument("--cell-timeout", type=int, default=300, help="seconds per cell (default 300)")
    a.add_argument("--notebook-timeout", type=float, default=1800,
                   help="seconds per notebook (default 1800): the cell running then is "
                   "interrupted, later cells score 0, the points before are kept")
    a.add_argument("--memory-mb", type=float, default=6000, help="memory per notebook, MB")
    a.add_argument("--export", action="store_true",
                   help="then export grades.csv (with each student's status and message)")
    a.add_argument("--no-sandbox", action="store_true",
                   help="run student code without the bubblewrap sandbox (trusted code only)")
    ba = gsub.add_parser("bench-autograde", help="time plain serial nbgrader against sandboxed "
                         "parallel autograding, and the sandbox's cost per notebook")
    ba.add_argument("lab", nargs="?", default="lab01_digits_mlp")
    ba.add_argument("--students", type=int, default=8, help="submissions to grade (default 8)")
    ba.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    ba.add_argument("--full", action="store_true", help="the lab's full configuration, not smoke")
    ba.set_defaults(func=_bench_autograde)
    _course_command(gsub, "feedback", "feedback HTML per student without hidden-test text "
                    "(tracebacks included)", _feedback)
    _course_command(gsub, "tamper-scan", "flag code in submissions that patches the tests' "
                    "libraries, hooks the kernel or reads grading files", _tamper_scan)
    lb = gsub.add_parser("leaderboard", help="score all students' CSVs, write CSV and HTML")
    lb.add_argument("labs", nargs="*", help="lab ids (default: all with submissions)")
    lb.add_argument("--submitted", default="submitted", help="folder <student>/<lab>/<file>.csv")
    lb.add_argument("--out", default="leaderboard", help="output folder (only leaderboard.csv "
                    "and leaderboard.html are written there)")
    lb.add_argument("--max-mb", type=_max_mb, default=None,
                    help="file-size limit in MiB (default: each submission's own)")
    lb.set_defaults(func=_leaderboard)
    bun = gsub.add_parser("bundle", help="write the students' copy: common/ without grading tools "
                          "or answer keys, labs/, dataset cards, a README")
    bun.add_argument("out", type=Path, help="a new or empty folder")
    bun.set_defaults(func=_grade_bundle)
    from .leaderboard_server.commands import add_parser as add_leaderboard_parser
    add_leaderboard_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``dlmia``."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith(f"{__package__}.grading"):
            raise
        print("error: this copy of the course has no grading tools; run grading commands in the "
              "instructor's copy.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
