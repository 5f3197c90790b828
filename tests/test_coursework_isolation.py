"""The graded tests run outside the student's kernel: the sandbox that runs a student's
answer cell keeps the library, files and processes out of reach, and a verdict depends
only on the values the answer returns."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "coursework"))
spec = importlib.util.spec_from_file_location("isolation", ROOT / "coursework" / "isolation.py")
isolation = importlib.util.module_from_spec(spec)
sys.modules.setdefault("isolation", isolation)
spec.loader.exec_module(isolation)

TEST = '''assert callable(relu_variance_factor)
### BEGIN HIDDEN TESTS
for a in (0.5, 2.0, 3.0):
    want = 1 / (1 + a * a)
    got = relu_variance_factor(a)
    assert abs(got - want) <= 1e-6 * want, f"wrong value at a = {a}"
### END HIDDEN TESTS'''

RIGHT = "def relu_variance_factor(a):\n    return 1 / (1 + a * a)\n"
LIBRARY_FILE = str(ROOT / "initlib" / "course" / "exercises" / "feedback.py")


def grade(cell, preamble=("import numpy as np",), timeout=10.0, test=TEST):
    return isolation.grade(test, list(preamble), [cell], timeout)


def test_a_right_answer_passes_and_prints_are_harmless():
    assert grade("print('hello')\n" + RIGHT)[0]
    assert grade("def relu_variance_factor(a):\n    print(a)\n    return 1 / (1 + a * a)")[0]


def test_the_notebooks_imports_are_there_and_numpy_and_scipy_work():
    assert grade("def relu_variance_factor(a):\n    return np.float64(1) / (1 + a * a)")[0]
    assert grade("from scipy import special\n\n\ndef relu_variance_factor(a):\n"
                 "    return float(special.expit(0) * 2) / (1 + a * a)")[0]
    # without the notebook's import, np is undefined: the message says why
    passed, kind, message = grade("def relu_variance_factor(a):\n    return np.float64(1)",
                                  preamble=())
    assert not passed and "NameError" in message and "on their own" in message


@pytest.mark.parametrize("cell, fragment", [
    ("import initlib\n\n\ndef relu_variance_factor(a):\n"
     "    return initlib.calculate_gain('leaky_relu', a) ** 2 / 2", "NameError"),
    ("def relu_variance_factor(a):\n    import importlib\n"
     "    m = importlib.import_module('initlib')\n"
     "    return m.calculate_gain('leaky_relu', a) ** 2 / 2", "may not read"),
    ("def relu_variance_factor(a):\n    import keras\n    return 1.0", "not available"),
    (f"def relu_variance_factor(a):\n    open({LIBRARY_FILE!r}).read()\n    return 1.0",
     "may not read"),
    ("def relu_variance_factor(a):\n    open('notes.txt', 'w')\n    return 1.0",
     "may not write"),
    ("import subprocess\n\n\ndef relu_variance_factor(a):\n"
     "    return float(subprocess.check_output(['echo', '1']))", "subprocess"),
    ("import os\n\n\ndef relu_variance_factor(a):\n    os.system('true')\n    return 1.0",
     "os.system"),
    ("import socket\n\n\ndef relu_variance_factor(a):\n"
     "    socket.create_connection(('127.0.0.1', 9))\n    return 1.0", "socket"),
])
def test_the_library_files_and_processes_are_out_of_reach(cell, fragment):
    passed, kind, message = grade(cell)
    assert not passed and fragment in message, message


@pytest.mark.parametrize("cell, fragment", [
    ("import os\nos._exit(0)\n" + RIGHT, "ended the process"),
    ("def relu_variance_factor(a):\n    while True:\n        pass", "no answer within"),
    ("def relu_variance_factor(a):\n    raise NotImplementedError()", "NotImplementedError"),
    ("def relu_variance_factor(a):\n    return 'one'", "TypeError"),
    ("def relu_variance_factor(a):\n    return object()", "not a number"),
    # a float whose subtraction always gives 0: the parent only ever sees a plain float
    ("class Zero(float):\n    def __sub__(self, other):\n        return 0.0\n\n\n"
     "def relu_variance_factor(a):\n    return Zero(5)", "wrong value at a = 0.5"),
    # a forged reply on the sandbox's answer pipe replaces nothing the parent trusts
    ("import os\nfor fd in range(3, 10):\n    try:\n        os.write(fd, b'{\"ok\": 1}\\n')\n"
     "    except OSError:\n        pass\n\n\n" + RIGHT.replace("1 / (1 + a * a)", "0.0"), ""),
    ("def something_else(a):\n    return 1.0", "NameError"),
])
def test_broken_or_tricky_answers_fail_with_a_message(cell, fragment):
    passed, kind, message = grade(cell, timeout=3.0)
    assert not passed and fragment in f"{kind}: {message}", message


def test_returned_values_keep_their_kind():
    test = ("got = pair(3)\nassert got == (3, 9.0) and type(got[0]) is int, got\n"
            "assert isinstance(vector(2), list) and vector(2) == [0.0, 1.0]\n"
            "assert flag() is True and name() == 'he' and nothing() is None")
    cell = ("import numpy as np\n\n\n"
            "def pair(n):\n    return (np.int64(n), np.float32(n * n))\n\n\n"
            "def vector(n):\n    return np.arange(n, dtype=float)\n\n\n"
            "def flag():\n    return np.bool_(True)\n\n\ndef name():\n    return 'he'\n\n\n"
            "def nothing():\n    return None\n")
    passed, kind, message = grade(cell, test=test)
    assert passed, message


def test_hidden_part_and_template_names():
    assert isolation.visible_part(TEST) == "assert callable(relu_variance_factor)"
    for gid, prefix in [("nb07_ex1_test", "nb07_ex1_"), ("nb07_ex12_test_torch", "nb07_ex12_"),
                        ("nb07_ex1_answer", None), ("ex07_1_check", None)]:
        cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": gid}}}
        assert isolation.isolated_prefix(cell) == prefix


def test_exercise_sources_take_the_imports_and_the_exercises_own_answer():
    def code(source, **nbgrader):
        return {"cell_type": "code", "source": source,
                "metadata": {"nbgrader": nbgrader} if nbgrader else {}}

    cells = [code("import numpy as np\nx = 1\n%matplotlib inline\nfrom math import sqrt"),
             code("def f(a):\n    return a", solution=True, grade_id="nb01_ex1_answer"),
             code("def g(a):\n    return a", solution=True, grade_id="nb01_ex2_answer"),
             code("import scipy"),
             code("assert callable(g)", grade=True, grade_id="nb01_ex2_test")]
    preamble, answers = isolation.exercise_sources(cells, 4, "nb01_ex2_")
    assert preamble == ["import numpy as np", "from math import sqrt"]
    assert answers == ["def g(a):\n    return a\n"] or answers == ["def g(a):\n    return a"]


def test_the_verdict_is_what_nbgrader_scores():
    from nbgrader.utils import determine_grade

    for outcome, points in [((True, "", ""), 2.0), ((False, "AssertionError", "wrong"), 0.0)]:
        cell = json.loads(json.dumps({"cell_type": "code", "source": "", "metadata": {
            "nbgrader": {"grade": True, "solution": False, "points": 2, "grade_id": "x"}}}))
        from nbformat import from_dict

        cell = from_dict(cell)
        cell.outputs = isolation.verdict_outputs(*outcome)
        assert determine_grade(cell)[0] == points
