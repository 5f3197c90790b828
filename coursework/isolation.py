"""Grade the graded-function exercises away from the student's kernel.

A test cell that nbgrader runs in the student's kernel can be defeated from any earlier
cell: a custom exception handler or a patched ``showtraceback`` hides every failure, an
input transformer rewrites the test before it runs, a library function kept in a default
argument survives any guard the test sets up. So :class:`IsolatedExecute`, which takes
the place of nbgrader's ``Execute`` in ``nbgrader autograde`` (``nbgrader_config.py``):

1. runs the notebook in the kernel as usual, but with the hidden part of every isolated
   test cell removed (the kernel never sees the hidden tests);
2. grades each isolated test cell here, in nbgrader's own process, which no student code
   ever ran in: the test's source runs with the exercise's names bound to stand-ins that
   call the student's functions in a :mod:`sandbox` (a fresh Python process that ran only
   the exercise's answer cell, where ``initlib``, Keras and files are out of reach) and
   hand back plain numbers;
3. replaces the cell's outputs with the verdict, which nbgrader then scores as usual (an
   error: no points; otherwise the cell's points).

An isolated test cell is a grade cell whose ``grade_id`` is ``nbNN_exK_test`` or
``nbNN_exK_test_<part>``; its answer cells are the code solution cells whose ``grade_id``
starts with ``nbNN_exK_`` (the template in the coursework guide).

>>> bool(ISOLATED.match("nb07_ex1_test_keras")), bool(ISOLATED.match("ex07_1_check"))
(True, False)
"""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import io
import json
import os
import pickle
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Float

HERE = Path(__file__).resolve().parent
SANDBOX = HERE / "sandbox.py"
ISOLATED = re.compile(r"^(nb\d\d_ex\d+_)test(_\w+)?$")
BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NOTE = "graded with your answer cell alone, where initlib and files are out of reach"
ALONE = ("Graded answers run on their own: define or import everything your function uses "
         "in its answer cell.")
MAX_LINE = 1 << 20


class AnswerFailed(Exception):
    """The student's function raised, timed out, ended the sandbox or returned something
    that is not plain data."""


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def isolated_prefix(cell) -> str | None:
    """``nbNN_exK_`` for an isolated test cell, else None."""
    m = meta(cell)
    if cell.get("cell_type") != "code" or not m.get("grade") or m.get("solution"):
        return None
    match = ISOLATED.match(str(m.get("grade_id", "")))
    return match[1] if match else None


def visible_part(source: str) -> str:
    """``source`` without its hidden-test region (what the student version shows)."""
    lines, hidden = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            hidden = True
        elif END in line:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


def python_source(source: str) -> str:
    """A cell's source as plain Python (IPython's magics turned into calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001  (left as is; the sandbox reports the syntax error)
        return source


def imports(source: str) -> list[str]:
    """The top-level ``import`` statements of a cell."""
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return []
    return [ast.unparse(node) for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))]


def exercise_sources(cells: list, index: int, prefix: str) -> tuple[list[str], list[str]]:
    """(the import lines before the exercise's first answer cell, the answer cells) for
    the isolated test cell ``cells[index]``."""
    answers = [i for i, c in enumerate(cells[:index])
               if c.get("cell_type") == "code" and meta(c).get("solution")
               and str(meta(c).get("grade_id", "")).startswith(prefix)]
    first = answers[0] if answers else index
    preamble = [line for c in cells[:first] if c.get("cell_type") == "code"
                for line in imports(_text(c))]
    return preamble, [python_source(_text(cells[i])) for i in answers]


def _text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


# --------------------------------------------------------------------------- the sandbox

def _decode(value):
    """JSON from the sandbox back to Python: only numbers, str, bool, None, lists and
    ``{"tuple": [...]}``; anything else is refused."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict) and set(value) == {"tuple"} and isinstance(value["tuple"], list):
        return tuple(_decode(v) for v in value["tuple"])
    raise AnswerFailed("the answer returned something that is not plain data")


class Sandbox:
    """A fresh Python process running :mod:`sandbox` with one exercise's answer cells.

    ``timeout`` bounds the set-up and each call, in seconds."""

    def __init__(self, preamble: list[str], cells: list[str], timeout: float = 10.0):
        self.timeout = timeout
        self.workdir = tempfile.TemporaryDirectory(prefix="sandbox-")
        self.stderr = tempfile.TemporaryFile()
        env = {"PATH": os.defpath, "HOME": self.workdir.name, "LANG": "C.UTF-8",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(SANDBOX)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, cwd=self.workdir.name, env=env,
            start_new_session=True)
        self.buffer = b""
        self._send({"preamble": preamble, "cells": cells})
        reply = self._receive()
        self.errors = [str(e) for e in reply.get("errors", [])][:20]
        names = reply.get("names", {})
        if not isinstance(names, dict):
            raise AnswerFailed("the answer cell broke the sandbox")
        self.names = {}
        for name, kind in names.items():
            if not isinstance(name, str) or not name.isidentifier():
                continue
            if kind == "function":
                self.names[name] = Answer(self, name)
            elif isinstance(kind, dict) and "value" in kind:
                self.names[name] = _decode(kind["value"])

    def _send(self, message: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise AnswerFailed("the answer ended the process it ran in") from None

    def _receive(self) -> dict:
        deadline = time.monotonic() + self.timeout
        out = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise AnswerFailed(f"no answer within {self.timeout:g} s")
            ready, _, _ = select.select([out], [], [], left)
            if not ready:
                continue
            chunk = os.read(out, 65536)
            if not chunk:
                raise AnswerFailed("the answer ended the process it ran in")
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE:
                self.close()
                raise AnswerFailed("the answer returned too much")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            raise AnswerFailed("the answer broke the sandbox's replies") from None
        if not isinstance(message, dict):
            raise AnswerFailed("the answer broke the sandbox's replies")
        return message

    def call(self, name: str, args: tuple, kwargs: dict):
        self._send({"call": name,
                    "args": base64.b64encode(pickle.dumps((args, kwargs))).decode()})
        reply = self._receive()
        if "ok" in reply:
            return _decode(reply["ok"])
        raise AnswerFailed(str(reply.get("error", "the answer failed"))[:2000])

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.stderr.close()
        self.workdir.cleanup()


class Answer:
    """Stands for one of the student's functions: calls it in the sandbox."""

    def __init__(self, sandbox: Sandbox, name: str):
        self.sandbox, self.name = sandbox, name

    def __call__(self, *args, **kwargs):
        shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        try:
            return self.sandbox.call(self.name, args, kwargs)
        except AnswerFailed as err:
            raise AnswerFailed(f"{self.name}({shown}): {err}") from None

    def __repr__(self):
        return f"<your function {self.name}>"


# --------------------------------------------------------------------------- grading

def grade(test_source: str, preamble: list[str], cells: list[str],
          timeout: float = 10.0) -> tuple[bool, str, str]:
    """Run one test cell's source (hidden tests included) against the answer cells.

    Returns ``(passed, kind, message)``; ``kind`` and ``message`` describe the failure
    (the exception's type and message; the hidden test's source is never shown)."""
    printed = io.StringIO()
    sandbox = None
    try:
        sandbox = Sandbox(preamble, cells, timeout)
        namespace = {"__name__": "__main__", "__builtins__": builtins, **sandbox.names}
        with contextlib.redirect_stdout(printed):
            exec(compile(test_source, "<test cell>", "exec"), namespace)  # noqa: S102
    except NameError as err:
        errors = f" Your answer cell raised: {sandbox.errors[0]}" if sandbox and \
            sandbox.errors else ""
        return False, "NameError", f"{err}. {ALONE}{errors}"
    except AnswerFailed as err:
        hint = f" {ALONE}" if "NameError" in str(err) or "not available" in str(err) else ""
        return False, "AnswerFailed", f"{err}{hint}"
    except Exception as err:  # noqa: BLE001  (a failed test: an assert, or the answer's value)
        message = str(err) or "a hidden test failed"
        return False, type(err).__name__, message
    finally:
        if sandbox is not None:
            sandbox.close()
    return True, "", printed.getvalue()


def verdict_outputs(passed: bool, kind: str, message: str) -> list[NotebookNode]:
    """The outputs nbgrader scores: an error output (no points) or a line of text."""
    if passed:
        return [NotebookNode(output_type="stream", name="stdout",
                             text=f"{message}Passed ({NOTE}).\n")]
    return [NotebookNode(output_type="error", ename=kind, evalue=message,
                         traceback=[f"{kind}: {message}", f"({NOTE})"])]


class IsolatedExecute(Execute):
    """nbgrader's ``Execute`` for ``nbgrader autograde``, with the isolated test cells
    graded outside the kernel (see the module's docstring)."""

    sandbox_timeout = Float(
        10.0, help="Seconds an answer cell may take to run in the sandbox, and each call "
                   "of the student's function.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        tests = {i: prefix for i, cell in enumerate(nb.cells)
                 if (prefix := isolated_prefix(cell))}
        full = {i: nb.cells[i].source for i in tests}
        for i in tests:
            nb.cells[i].source = visible_part(full[i])
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            for i, source in full.items():
                nb.cells[i].source = source
        for i, prefix in tests.items():
            preamble, cells = exercise_sources(nb.cells, i, prefix)
            outcome = grade(full[i], preamble, cells, self.sandbox_timeout)
            nb.cells[i].outputs = verdict_outputs(*outcome)
            self.log.info("isolated test %s: %s", meta(nb.cells[i]).get("grade_id"),
                          "passed" if outcome[0] else f"{outcome[1]}: {outcome[2]}"[:200])
        return nb, resources
