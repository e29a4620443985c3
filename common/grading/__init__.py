"""Grading tools: release generation, the course check, autograding, feedback, the tamper scan,
CSV scoring, leaderboard."""

from .course_check import LabCheck, check_lab, check_wrong_answers, leaked_lines
from .feedback import HideHiddenTests, generate_feedback, hide_hidden_tests
from .release import generate_release, release_differences, update_release
from .tamper import scan_course, scan_submission

__all__ = ["LabCheck", "check_lab", "check_wrong_answers", "leaked_lines", "generate_release",
           "release_differences", "update_release", "HideHiddenTests", "generate_feedback",
           "hide_hidden_tests", "scan_course", "scan_submission"]
