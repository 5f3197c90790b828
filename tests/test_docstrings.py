"""Every example in the library's docstrings runs and prints what it shows (doctest),
and every public function and class has a docstring with an example."""

import doctest
import importlib
import inspect
import pkgutil

import matplotlib
import pytest

import initlib

MODULES = sorted(m.name for m in pkgutil.walk_packages(initlib.__path__, "initlib.")
                 if m.name != "initlib.__main__")


@pytest.mark.parametrize("name", ["initlib", *MODULES])
def test_docstring_examples_run(name):
    matplotlib.use("Agg")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def _public(module):
    for attr, obj in vars(module).items():
        if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield attr, obj


@pytest.mark.parametrize("name", MODULES)
def test_public_functions_and_classes_are_documented(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    undocumented = [attr for attr, obj in _public(module) if not inspect.getdoc(obj)]
    assert not undocumented, f"{name}: no docstring for {undocumented}"
