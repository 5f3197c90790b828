"""Scripted students for the coursework check: what each one hands in, built from the
instructor's version of a notebook (for the answers) and the student version (what they
start from).

Honest ones:

* ``instructor``: the worked solutions, written into the student version (full marks);
* ``mistaken``: the worked solutions with a typical mistake in every other graded
  function (the variance returned where the std is asked for: the value squared), so
  partial credit;
* ``blank``: the student version untouched (zero).

Cheating ones, each of which gave full marks somewhere before the graded tests moved out
of the kernel; every one must score zero on the graded functions:

* ``patch_checker``: replaces the formative checkers and their engine so that every
  feedback cell says "Correct", and returns a constant;
* ``hide_failures``: an IPython exception handler that swallows every error and a
  ``showtraceback`` that shows nothing, so that no test cell shows an error;
* ``rewrite_tests``: an IPython input transformer that turns every cell with an
  ``assert`` or a check into ``pass`` before it runs;
* ``intercept``: spies on the checker to catch the function it compares with, and
  returns what that function returns (the library computing the answer);
* ``library``: imports the checker's module inside the answer and calls its reference
  there; ``library_file``: reads the module's source file and runs it;
* ``brute_force``: the values the checker accepts at its visible cases (what a loop
  over candidate numbers finds), pasted into a lookup table;
* ``copy_text``: a constant copied from the notebook's text and outputs (the number
  closest to the answer at the checker's first case);
* ``tracebacks``: numbers read off what a failing check shows.

Only exercises that follow the coursework template (``nbNN_exK_answer``,
``nbNN_exK_feedback``, ``nbNN_exK_test_*``) get exercise-specific answers; the kernel-wide
attacks (``patch_checker``, ``hide_failures``, ``rewrite_tests``) are also aimed at every
other graded cell.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import importlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HONEST = ("instructor", "mistaken", "blank")
CHEATERS = ("patch_checker", "hide_failures", "rewrite_tests", "intercept", "library",
            "library_file", "brute_force", "copy_text", "tracebacks")
STUDENTS = HONEST + CHEATERS
TEMPLATE_ID = re.compile(r"^nb(\d\d)_ex(\d+)_(answer|feedback|test(?:_\w+)?|open)$")
MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")
NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?|(?<![\w.])\d+[eE][-+]?\d+")


def text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_text(source: str) -> str:
    """An answer cell of the instructor's version as a student who got it right writes
    it: nbgrader's solution markers removed.

    >>> solution_text("def f(x):\\n    ### BEGIN SOLUTION\\n    return x\\n    ### END SOLUTION")
    'def f(x):\\n    return x'
    """
    return "\n".join(line for line in source.splitlines() if not MARKER.match(line))


@dataclass
class Exercise:
    """A graded function exercise of the template, read off the instructor's version."""

    prefix: str                    # nbNN_exK_
    function: str                  # the function's name
    parameters: list[str]          # its parameters, in order
    solution: str                  # the worked answer cell, markers removed
    module: str | None = None      # initlib.course.exercises.nbNN
    checker: str | None = None     # check_...
    tests: list[str] = field(default_factory=list)  # grade_ids of its test cells

    def right(self, source_nb: dict):
        """The instructor's worked function, defined after the notebook's imports (in
        this process: it is the instructor's code)."""
        from isolation import exercise_sources

        cells = source_nb["cells"]
        index = next(i for i, c in enumerate(cells)
                     if meta(c).get("grade_id") == self.prefix + "answer")
        preamble, _ = exercise_sources(cells, index, self.prefix)
        namespace: dict = {}
        for line in preamble:
            try:
                exec(line, namespace)  # noqa: S102
            except ImportError:
                pass
        exec(self.solution, namespace)  # noqa: S102
        return namespace[self.function]

    def visible_cases(self, source_nb: dict) -> list[tuple[tuple, dict, object]]:
        """``(args, kwargs, right value)`` of every call the checker makes, found by
        giving it the instructor's function with a recorder around it (what a student
        who loops over candidate numbers against the checker could find out)."""
        if not (self.module and self.checker):
            return []
        right, calls = self.right(source_nb), []

        def recorder(*args, **kwargs):
            value = right(*args, **kwargs)
            calls.append((args, kwargs, value))
            return value

        check = getattr(importlib.import_module(self.module), self.checker)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                check(recorder)
        except Exception:  # noqa: BLE001  (what was recorded before a failure is kept)
            pass
        return calls

    def spy(self) -> tuple[object, list[dict]] | None:
        """(the checker's reference, its cases), caught by calling the checker with a
        spy in place of its engine; None if it has no checker of the template's kind."""
        if not (self.module and self.checker):
            return None
        module = importlib.import_module(self.module)
        caught = {}

        def spy(answer, reference, cases, **kwargs):
            caught.update(reference=reference, cases=[dict(c) for c in cases])
            return True

        original = getattr(module, "check_function", None)
        if original is None:
            return None
        module.check_function = spy
        try:
            getattr(module, self.checker)(lambda *a, **k: 0.0)
        except Exception:  # noqa: BLE001  (a checker of another shape)
            return None
        finally:
            module.check_function = original
        return (caught["reference"], caught["cases"]) if caught else None


def exercises(source_nb: dict) -> list[Exercise]:
    """The template exercises of an instructor notebook, in order."""
    found: dict[str, Exercise] = {}
    for cell in source_nb["cells"]:
        gid = str(meta(cell).get("grade_id", ""))
        match = TEMPLATE_ID.match(gid)
        if not match or cell["cell_type"] != "code":
            continue
        prefix, role = gid[: -len(match[3])], match[3]
        if role == "answer":
            body = solution_text(text(cell))
            try:
                tree = ast.parse(body)
            except SyntaxError:
                continue
            defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
            if defs:
                args = defs[0].args
                found[prefix] = Exercise(prefix, defs[0].name,
                                         [a.arg for a in [*args.posonlyargs, *args.args]],
                                         body)
        elif prefix in found and role == "feedback":
            call = re.search(r"\b(\w+)\.(check_\w+)\(", text(cell))
            if call:
                found[prefix].module = f"initlib.course.exercises.{call[1]}"
                found[prefix].checker = call[2]
        elif prefix in found:
            found[prefix].tests.append(gid)
    return list(found.values())


# --------------------------------------------------------------------------- answers

def _signature(ex: Exercise) -> str:
    return ", ".join(ex.parameters) if ex.parameters else "*args"


def _by_name(ex: Exercise) -> str:
    return "{" + ", ".join(f"{p!r}: {p}" for p in ex.parameters) + "}"


def _constant(ex: Exercise, value: float = 0.5) -> str:
    return f"def {ex.function}({_signature(ex)}):\n    return {value!r}\n"


KERNEL_ATTACKS = {
    "patch_checker": '''
import importlib as _importlib
import initlib.course.exercises.feedback as _fb


def _always_right(*args, **kwargs):
    print("Correct: (patched)")
    return True


_fb.check_function = _fb.check_value = _always_right
for _name in ["initlib.course.exercises"] + [
        f"initlib.course.exercises.nb{i:02d}" for i in range(1, 11)]:
    try:
        _module = _importlib.import_module(_name)
    except ImportError:
        continue
    for _attr in dir(_module):
        if _attr.startswith("check_"):
            setattr(_module, _attr, _always_right)
''',
    "hide_failures": '''
_ip = get_ipython()
_ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
_ip.showtraceback = lambda *args, **kwargs: None
''',
    "rewrite_tests": '''
def _blank_checks(lines):
    cell = "".join(lines)
    return ["pass\\n"] if ("assert" in cell or "check_" in cell) else lines


get_ipython().input_transformers_cleanup.append(_blank_checks)
''',
}


def _numbers(nb: dict) -> list[float]:
    """Every decimal number in a notebook's Markdown and stored text outputs."""
    found = []
    for cell in nb["cells"]:
        chunks = [text(cell)] if cell["cell_type"] == "markdown" else []
        for out in cell.get("outputs", []):
            chunks.append("".join(out.get("text", "")))
            chunks.append("".join(out.get("data", {}).get("text/plain", "")))
        for chunk in chunks:
            found += [float(n) for n in NUMBER.findall(chunk)]
    return found


def _plain(value):
    """A right value as a literal: floats, and tuples of them."""
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.5


def _closest(numbers: list[float], target) -> float:
    try:
        target = float(target)
    except (TypeError, ValueError):
        return numbers[0] if numbers else 0.5
    return min(numbers, key=lambda n: abs(n - target)) if numbers else 0.5


def _shown_numbers(ex: Exercise) -> list[float]:
    """Numbers in what the checker shows for a wrong and an unanswered answer (the
    message, which is all Jupyter shows of a Feedback)."""
    if not (ex.module and ex.checker):
        return []
    check = getattr(importlib.import_module(ex.module), ex.checker)
    shown = []

    def unanswered(*args, **kwargs):
        raise NotImplementedError

    for answer in (lambda *a, **k: 0.123, unanswered):
        try:
            check(answer)
        except Exception as err:  # noqa: BLE001
            lines = err._render_traceback_() if hasattr(err, "_render_traceback_") \
                else [str(err)]
            shown += [float(n) for line in lines for n in NUMBER.findall(line)]
    return shown


def answer(student: str, ex: Exercise, index: int, source_nb: dict) -> str:
    """The answer cell ``student`` writes for exercise ``ex`` (``index``: its position
    among the notebook's template exercises)."""
    name, params = ex.function, _signature(ex)
    if student == "instructor":
        return ex.solution
    if student == "mistaken":
        if index % 2 == 0:
            return ex.solution
        return (f"{ex.solution}\n\n\n_right_{name} = {name}\n\n\n"
                f"def {name}({params}):\n"
                f"    value = _right_{name}({params})  # the variance, not the std\n"
                f"    return value * value\n")
    if student in KERNEL_ATTACKS:
        return _constant(ex)
    spied = ex.spy()
    if student in ("intercept", "library", "library_file") and spied is None:
        return _constant(ex)
    if student == "intercept":
        return (f"import {ex.module} as _module\n_seen = {{}}\n\n\n"
                f"def _spy(answer, reference, cases, **kwargs):\n"
                f"    _seen['reference'] = reference\n    return True\n\n\n"
                f"_module.check_function = _spy\n"
                f"_module.{ex.checker}(lambda *args, **kwargs: 0.0)\n\n\n"
                f"def {name}({params}, _reference=_seen['reference']):\n"
                f"    return _reference(**{_by_name(ex)})\n")
    if student == "library":
        return (f"def {name}({params}):\n"
                f"    import importlib\n"
                f"    module = importlib.import_module({ex.module!r})\n"
                f"    seen = {{}}\n"
                f"    module.check_function = lambda answer, reference, cases, **kw: "
                f"seen.update(reference=reference)\n"
                f"    getattr(module, {ex.checker!r})(lambda *args, **kwargs: 0.0)\n"
                f"    return seen['reference'](**{_by_name(ex)})\n")
    if student == "library_file":
        path = importlib.import_module(ex.module).__file__
        return (f"def {name}({params}):\n"
                f"    namespace = {{'__name__': 'copied'}}\n"
                f"    source = open({path!r}).read().replace('from ...', 'from initlib.')"
                f".replace('from .feedback', 'from initlib.course.exercises.feedback')\n"
                f"    exec(source, namespace)\n"
                f"    seen = {{}}\n"
                f"    namespace['check_function'] = lambda answer, reference, cases, **kw: "
                f"seen.update(reference=reference)\n"
                f"    namespace[{ex.checker!r}](lambda *args, **kwargs: 0.0)\n"
                f"    return seen['reference'](**{_by_name(ex)})\n")
    if student == "brute_force":
        table = {}
        for args, kwargs, value in ex.visible_cases(source_nb):
            bound = dict(zip(ex.parameters, args, strict=False)) | kwargs
            table[tuple(sorted(bound.items()))] = _plain(value)
        return (f"_table = {table!r}\n\n\n"
                f"def {name}({params}):\n"
                f"    return _table.get(tuple(sorted({_by_name(ex)}.items())), 0.5)\n")
    if student == "copy_text":
        seen = ex.visible_cases(source_nb)
        target = seen[0][2] if seen else None
        if isinstance(target, (tuple, list)):
            copied = tuple(_closest(_numbers(source_nb), t) for t in target)
            return _constant(ex, copied)
        return _constant(ex, _closest(_numbers(source_nb), target))
    if student == "tracebacks":
        shown = _shown_numbers(ex)
        return _constant(ex, shown[0] if shown else 0.5)
    raise ValueError(f"unknown student {student!r}; known: {', '.join(STUDENTS)}")


def submission(student: str, source_nb: dict, release_nb: dict) -> dict:
    """The notebook ``student`` hands in, from the student version ``release_nb``."""
    if student not in STUDENTS:
        raise ValueError(f"unknown student {student!r}; known: {', '.join(STUDENTS)}")
    nb = copy.deepcopy(release_nb)
    if student == "blank":
        return nb
    solutions = {str(meta(c).get("grade_id")): c for c in source_nb["cells"]
                 if meta(c).get("solution")}
    template = {ex.prefix + "answer": (i, ex) for i, ex in enumerate(exercises(source_nb))}
    first_attack, others = True, 0
    for cell in nb["cells"]:
        gid = str(meta(cell).get("grade_id", ""))
        if not meta(cell).get("solution") or cell["cell_type"] != "code":
            continue
        if gid in template:
            i, ex = template[gid]
            source = answer(student, ex, i, source_nb)
        elif student in ("instructor", "mistaken") and gid in solutions:
            # an exercise outside the template (a value answer checked in the kernel)
            source = solution_text(text(solutions[gid]))
            variable = re.match(r"(\w+) = None", source)
            if student == "mistaken" and others % 2 and variable:
                source += f"\n{variable[1]} = {variable[1]} ** 2  # the variance, not the std"
            others += 1
        else:  # a cheater leaves the other exercises unanswered: only the attack works
            source = text(cell)
        if student in KERNEL_ATTACKS and first_attack:
            source = KERNEL_ATTACKS[student].strip() + "\n\n\n" + source
            first_attack = False
        cell["source"] = source
    return nb


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
