"""The sandbox a graded answer runs in: a fresh Python process that has run nothing but
the exercise's answer cell (after the notebook's ``import`` lines) and then calls the
answer's functions on request. Started by :mod:`isolation`; never imported.

Before any student code runs, an audit hook (``sys.addaudithook``; it cannot be removed)

* refuses to import anything but the standard library, NumPy and SciPy (``initlib``,
  Keras, TensorFlow, PyTorch, JAX and the rest of the environment are out of reach);
* refuses to open a file outside the Python installation's standard library and those
  two packages, and to open any file for writing;
* refuses subprocesses, ``os.system``, forks, sockets and ``ctypes``.

Protocol (one JSON object per line). In: ``{"preamble": [source, ...], "cells": [source,
...]}``, then ``{"call": name, "args": base64(pickle((args, kwargs)))}`` per call. Out:
``{"names": {name: "function" | value}, "errors": [...]}``, then ``{"ok": value}`` or
``{"error": "Kind: message"}`` per call. What the answer prints goes to stderr.

The parent trusts nothing that comes back: it reads plain JSON only, and it computes the
expected values itself.
"""

import ast
import base64
import builtins
import importlib.util
import json
import numbers
import os
import pickle
import resource
import sys
import sysconfig

ALLOWED_PACKAGES = ("numpy", "scipy")
FORBIDDEN_EVENTS = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                    "os.fork", "os.forkpty", "pty.", "socket.", "ctypes.", "os.putenv",
                    "os.unsetenv", "os.remove", "os.rename", "os.rmdir", "os.mkdir",
                    "os.chmod", "os.chown", "os.truncate", "os.link", "os.symlink",
                    "shutil.", "urllib.", "webbrowser.", "sqlite3.", "mmap.")
MAX_TEXT = 10_000


def roots() -> list[str]:
    """Folders whose files an answer may read: the standard library, NumPy, SciPy."""
    paths = sysconfig.get_paths()
    found = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib") if paths.get(k)}
    for name in ALLOWED_PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            found.add(os.path.realpath(folder))
            libs = os.path.realpath(folder) + ".libs"  # vendored shared libraries
            if os.path.isdir(libs):
                found.add(libs)
    return sorted(found)


def install_guard() -> None:
    allowed_modules = set(sys.stdlib_module_names) | set(ALLOWED_PACKAGES)
    readable = tuple(r.rstrip(os.sep) + os.sep for r in roots())
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def guard(event, args):
        if event == "import":
            top = str(args[0]).split(".")[0]
            if top and top not in allowed_modules:
                raise ImportError(f"{args[0]} is not available to graded answers "
                                  "(the standard library, NumPy and SciPy are)")
        elif event == "open":
            path, mode, flags = (list(args) + [None, None])[:3]
            if isinstance(path, int):
                return
            mode, flags = str(mode or "r"), int(flags or 0)
            if any(ch in mode for ch in "wax+") or flags & writing:
                raise PermissionError("graded answers may not write files")
            real = os.path.realpath(os.fsdecode(path))
            if not (real + os.sep).startswith(readable):
                raise PermissionError(f"graded answers may not read {os.fsdecode(path)}")
        elif event.startswith(FORBIDDEN_EVENTS):
            raise PermissionError(f"graded answers may not use {event}")

    sys.addaudithook(guard)


def plain(value, depth: int = 0):
    """``value`` as JSON-ready data: numbers, str, bool, None, lists, {"tuple": [...]}."""
    if depth > 6:
        raise TypeError("nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    type_name = type(value).__module__.split(".")[0]
    if type_name == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray):
            return plain(value.tolist() if value.ndim else value.item(), depth + 1)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, tuple):
        return {"tuple": [plain(v, depth + 1) for v in value[:10_000]]}
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value[:10_000]]
    raise TypeError(f"returned a {type(value).__name__}, not a number, a string or a "
                    "tuple or list of them")


def failure(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:MAX_TEXT]


def run_statements(source: str, namespace: dict, errors: list) -> None:
    """Run ``source`` statement by statement: one that fails does not stop the others."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        errors.append(failure(err))
        return
    for node in tree.body:
        code = compile(ast.Module(body=[node], type_ignores=[]), "<answer cell>", "exec")
        try:
            exec(code, namespace)
        except BaseException as err:  # noqa: BLE001  (the answer's own failure)
            errors.append(failure(err))


def main() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (120, 120))
    reply = os.dup(1)
    os.dup2(2, 1)  # whatever the answer prints goes to stderr
    sys.stdout = sys.stderr
    requests = sys.stdin
    import numpy  # noqa: F401  (loaded before the guard; numpy.random and the like too)

    install_guard()

    def send(message: dict) -> None:
        data = (json.dumps(message, allow_nan=True) + "\n").encode()
        while data:
            data = data[os.write(reply, data):]

    setup = json.loads(requests.readline())
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    for statement in setup.get("preamble", []):
        run_statements(statement, namespace, [])
    before = {k: id(v) for k, v in namespace.items()}
    errors: list[str] = []
    for source in setup.get("cells", []):
        run_statements(source, namespace, errors)
    names = {}
    for key, value in namespace.items():
        if key.startswith("__") or before.get(key) == id(value):
            continue
        if type(value).__name__ == "module":
            continue
        if callable(value):
            names[key] = "function"
        else:
            try:
                names[key] = {"value": plain(value)}
            except (TypeError, ValueError):
                continue
    send({"names": names, "errors": errors[:20]})

    for line in requests:
        request = json.loads(line)
        try:
            args, kwargs = pickle.loads(base64.b64decode(request["args"]))
            result = plain(namespace[request["call"]](*args, **kwargs))
        except BaseException as err:  # noqa: BLE001
            send({"error": failure(err)})
        else:
            try:
                send({"ok": result})
            except ValueError as err:
                send({"error": failure(err)})


if __name__ == "__main__":
    main()
