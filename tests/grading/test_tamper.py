"""The tamper scan: planted cheats are flagged with their cell and line; honest code is not."""

import copy

import nbformat
import pytest
from wrong_answers import WRONG_ANSWERS

from common.cli import main
from common.grading.notebook import read_notebook, replace_solution, write_clean
from common.grading.tamper import scan_course, scan_source, scan_submission
from common.labs import lab_ids
from common.paths import repo_root

LAB = "lab01_digits_mlp"
CELL = "prepare_data"

#: (kind, cheat appended to the solution cell, 1-based line of the cheat that must be flagged,
#: a word the flag must contain)
CHEATS = [
    ("rebind np.allclose", "np.allclose = lambda *a, **k: True", 1, "np.allclose"),
    ("rebind np.array_equal", "np.array_equal = lambda a, b: True", 1, "np.array_equal"),
    ("patch torch.testing", "torch.testing.assert_close = lambda *a, **k: None", 1,
     "torch.testing.assert_close"),
    ("patch a library class", "StandardScaler.transform = lambda self, X: X", 1,
     "StandardScaler.transform"),
    ("alias then patch", "_n = np\n_n.allclose = lambda *a, **k: True", 2, "_n.allclose"),
    ("setattr on a module", "setattr(np, 'allclose', lambda *a, **k: True)", 1, "setattr"),
    ("setattr through a parameter", "(lambda m: setattr(m, 'allclose', print))(np)", 1,
     "fixed name"),
    ("import builtins", "import builtins\nbuiltins.isinstance = lambda *a: True", 1, "builtins"),
    ("__builtins__", "__builtins__.__dict__['abs'] = lambda x: 0", 1, "__builtins__"),
    ("rebind a builtin the tests use", "isinstance = lambda *a: True", 1, "isinstance"),
    ("rebind a setup import", "def train_test_split(*a, **k):\n    return a", 1,
     "train_test_split"),
    ("global rebinding in a function",
     "def _f():\n    global np\n    np = None\n_f()", 3, "`np`"),
    ("IPython input transformer", "get_ipython().input_transformers_post.append(lambda ls: [])",
     1, "input_transformers_post"),
    ("IPython custom exception handler",
     "get_ipython().set_custom_exc((AssertionError,), lambda *a, **k: None)", 1,
     "set_custom_exc"),
    ("IPython event", "_ip = get_ipython()\n_ip.events.register('post_run_cell', print)", 2,
     "event"),
    ("sys.modules edit", "import sys\nsys.modules['sklearn.metrics'] = None", 2, "sys.modules"),
    ("os._exit", "import os\nos._exit(0)", 2, "os._exit"),
    ("sys.exit", "import sys\nsys.exit(0)", 2, "sys.exit"),
    ("raise SystemExit", "raise SystemExit", 1, "SystemExit"),
    ("gc", "import gc\n_objs = gc.get_objects()", 1, "gc"),
    ("frame trick", "import inspect\ninspect.currentframe().f_back.f_globals['_X'] = 0", 1,
     "inspect"),
    ("sys._getframe", "import sys\nsys._getframe(1).f_globals['_X'] = 0", 2, "_getframe"),
    ("absolute path", "_db = open('/srv/course/gradebook.db', 'rb').read()", 1, "gradebook.db"),
    ("parent folders", "_nb = open('../../../solutions/lab01/lab01.ipynb').read()", 1, "../"),
    ("answer keys", "_k = pd.read_csv(f'{_root}/answer_keys/digits/test.csv')", 1, "answer_keys"),
    ("exec of a string", "exec('np.allclose = lambda *a, **k: True')", 1, "exec"),
    ("eval of a string", "_v = eval('1 + 1')", 1, "eval"),
    ("compile", "_c = compile('x = 1', 'x', 'exec')", 1, "compile"),
    ("importlib.reload", "import importlib\nimportlib.reload(np)", 2, "reload"),
    ("unittest.mock", "from unittest import mock\nmock.patch('numpy.allclose').start()", 1,
     "unittest.mock"),
    ("mock.patch call", "from unittest import mock\nmock.patch('numpy.allclose').start()", 2,
     "patch"),
    ("always-equal object", "class _Any:\n    def __eq__(self, other):\n        return True",
     2, "__eq__"),
    ("type() dunder patch", "type(np.zeros(1)).__eq__ = lambda a, b: True", 1, "type"),
    ("globals()", "globals()['np'] = None", 1, "globals"),
    ("os.environ", "import os\nos.environ['DLMIA_SMOKE'] = '0'", 2, "os.environ"),
    ("shell escape", "!cat /etc/passwd", 1, "shell"),
    ("env magic", "%env DLMIA_SMOKE=0", 1, "%env"),
    ("subprocess", "import subprocess\nsubprocess.run(['rm', '-rf', '../other'])", 1,
     "subprocess"),
]


@pytest.fixture(scope="module")
def source():
    return read_notebook(repo_root() / "solutions" / LAB / f"{LAB}.ipynb")


def _solution_source(nb, grade_id):
    return next(c.source for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize("kind, cheat, line, word", CHEATS, ids=[c[0] for c in CHEATS])
def test_planted_cheat_is_flagged_with_cell_and_line(source, kind, cheat, line, word):
    honest = _solution_source(source, CELL)
    submitted = replace_solution(source, CELL, honest + "\n" + cheat)
    flags = scan_submission(source, submitted)
    want = f"cell {CELL}, line {len(honest.splitlines()) + line}:"
    hits = [f for f in flags if f.startswith(want) and word in f]
    assert hits, f"{kind}: no flag at {want!r} mentioning {word!r} in {flags}"
    assert all(f.endswith(".") and f.count(". ") == 0 for f in flags), flags


def test_at_least_ten_kinds_of_cheat():
    assert len({c[0] for c in CHEATS}) >= 10


def test_a_cell_the_student_added_is_scanned(source):
    submitted = copy.deepcopy(source)
    submitted.cells.insert(3, nbformat.v4.new_code_cell("np.allclose = lambda *a, **k: True"))
    assert scan_submission(source, submitted) == [
        "cell 4, line 1: assigns `np.allclose`, which belongs to the imported `numpy` that the "
        "tests share."]


def test_cells_nbgrader_restores_are_not_scanned(source):
    # a locked test cell edited by the student is replaced before grading: no flag here
    submitted = replace_solution(source, "simple_nn_output", "np.allclose = lambda *a: True")
    assert scan_submission(source, submitted) == []


@pytest.mark.parametrize("lab", lab_ids())
def test_honest_solutions_and_blank_releases_are_not_flagged(lab):
    source = read_notebook(repo_root() / "solutions" / lab / f"{lab}.ipynb")
    release = read_notebook(repo_root() / "labs" / lab / f"{lab}.ipynb")
    assert scan_submission(source, source) == []
    assert scan_submission(source, release) == []


@pytest.mark.parametrize("lab", lab_ids())
def test_plausible_wrong_answers_are_not_flagged(lab):
    source = read_notebook(repo_root() / "solutions" / lab / f"{lab}.ipynb")
    for grade_id, wrongs in WRONG_ANSWERS[lab].items():
        for wrong, _ in wrongs:
            flags = scan_submission(source, replace_solution(source, grade_id, wrong))
            assert flags == [], (grade_id, flags)


@pytest.mark.parametrize("honest", [
    "torch.backends.cudnn.benchmark = True",
    "import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (4, 4)",
    "self_path = f'{folder}/images'",
    "model.fc = nn.Linear(4, 2)\nsetattr(parent, name, nn.Identity())",
    "import re\n_r = re.compile('a+')\nmodel.eval()",
    "'''Docstring that mentions ../ and /absolute paths.'''",
    "%matplotlib inline",
    "def f(:",
])
def test_honest_idioms_are_not_flagged(honest):
    assert scan_source(honest, {"np": "numpy", "torch": "torch", "nn": "torch.nn"}) == []


def test_scan_course_and_cli(tmp_path, source, capsys):
    (tmp_path / "solutions" / LAB).mkdir(parents=True)
    write_clean(source, tmp_path / "solutions" / LAB / f"{LAB}.ipynb")
    for student, extra in (("ada", ""), ("eve", "\nnp.allclose = lambda *a, **k: True")):
        folder = tmp_path / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nb = replace_solution(source, CELL, _solution_source(source, CELL) + extra)
        write_clean(nb, folder / f"{LAB}.ipynb")
    table = scan_course(LAB, tmp_path)
    assert table["student"].tolist() == ["eve"]
    assert main(["grade", "tamper-scan", LAB, "--course", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "eve" in out and "np.allclose" in out and "1 flag" in out
    assert main(["grade", "tamper-scan", LAB, "--course", str(tmp_path), "--students",
                 "ada"]) == 0
    assert "no flags" in capsys.readouterr().out
