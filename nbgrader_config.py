"""nbgrader configuration of the course (run nbgrader from the repository root)."""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader)

#: The seven assignments, in order. A folder in solutions/ is an assignment.
LABS = sorted(p.name for p in (Path(__file__).parent / "solutions").glob("lab*") if p.is_dir())

c.CourseDirectory.course_id = "dlmia"
c.CourseDirectory.root = str(Path(__file__).parent)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
# Notebooks only: data lives in the data root, never inside an assignment folder.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.csv",
                            "*.png", "*.npz", "*.pth"]

# Autograde through `dlmia grade autograde`: it runs each kernel in a bubblewrap sandbox
# (common/grading/sandbox.py) and keeps the points earned before a kernel dies; a plain
# `nbgrader autograde` runs student code unconfined.
# A cell may run for at most 5 minutes while grading (the smoke configuration needs far less).
c.ExecutePreprocessor.timeout = 300
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback shows scores and tracebacks but not the hidden tests' source, not even inside a
# traceback (ClearHiddenTests alone leaves the lines around a failing hidden assert).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "common.grading.feedback.HideHiddenTests",   # also rewrites tracebacks (nbgrader #917)
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
