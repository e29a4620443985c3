"""Grading tools: release generation, the course check, autograding, CSV scoring, leaderboard."""

from .course_check import LabCheck, check_lab, check_wrong_answers, leaked_lines
from .release import generate_release, release_differences, update_release

__all__ = ["LabCheck", "check_lab", "check_wrong_answers", "leaked_lines", "generate_release",
           "release_differences", "update_release"]
