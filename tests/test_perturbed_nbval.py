"""The perturbed run (.ci/perturbed_nbval.py): which settings it picks on which machine,
and how it hands nbval another environment's kernel."""

import importlib.util
import json
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("ci_perturbed_nbval",
                                              ROOT / ".ci/perturbed_nbval.py")
perturbed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(perturbed)


@pytest.mark.parametrize(("machine", "arch", "dispatch", "expected"), [
    ("x86_64", "SkylakeX", ["X86_V3", "X86_V4"], "Haswell"),     # AVX-512: an older kernel
    ("x86_64", "Zen", ["AVX2", "FMA3", "AVX512F"], "Haswell"),   # NumPy < 2.4 names
    ("x86_64", "Haswell", ["X86_V3"], "Prescott"),               # already Haswell's
    ("x86_64", "Sandybridge", [], "Prescott"),                   # no AVX2: no Haswell
    ("aarch64", "NEOVERSEN1", ["ASIMDHP"], "ARMV8"),
    ("ppc64le", "POWER9", [], None),
])
def test_an_older_blas_kernel_than_the_one_in_use(monkeypatch, machine, arch, dispatch,
                                                  expected):
    monkeypatch.setattr(perturbed.platform, "machine", lambda: machine)
    blas = [{"internal_api": "openblas", "architecture": arch, "num_threads": 2}]
    assert perturbed.older_coretype(blas, dispatch) == expected


def test_the_perturbed_environment(monkeypatch):
    seen = {}

    def fake_probe(env, tensorflow, python):
        seen.update(env)
        return {"dispatch": ["X86_V3", "AVX512_ICL"],
                "blas": [{"internal_api": "openblas", "architecture": "SkylakeX",
                          "num_threads": 2}]}

    monkeypatch.setattr(perturbed, "probe", fake_probe)
    monkeypatch.setattr(perturbed.platform, "machine", lambda: "x86_64")
    base = {"PATH": "/bin", "NPY_DISABLE_CPU_FEATURES": "AVX2", "OPENBLAS_CORETYPE": "Zen"}
    env = perturbed.perturbed_env(base)
    # the machine's own choice is read without an earlier override
    assert "NPY_DISABLE_CPU_FEATURES" not in seen and "OPENBLAS_CORETYPE" not in seen
    assert env == {"PATH": "/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                   "TF_NUM_INTRAOP_THREADS": "1", "NPY_DISABLE_CPU_FEATURES": "X86_V3 AVX512_ICL",
                   "OPENBLAS_CORETYPE": "Haswell", "ONEDNN_MAX_CPU_ISA": "SSE41"}


def test_a_setting_that_does_not_take_effect_is_reported(monkeypatch):
    monkeypatch.setattr(perturbed, "has_tensorflow", lambda python: True)
    monkeypatch.setattr(perturbed, "probe", lambda env, tensorflow, python: {
        "dispatch": ["X86_V3"], "onednn": ["isa:Intel AVX2"], "tf_threads": 2,
        "blas": [{"internal_api": "openblas", "architecture": "Zen", "num_threads": 2}]})
    problems = perturbed.check({"OPENBLAS_CORETYPE": "Haswell", "ONEDNN_MAX_CPU_ISA": "SSE41"})
    assert problems == ["NumPy still dispatches to ['X86_V3']", "openblas runs 2 threads",
                        "OpenBLAS runs Zen, not Haswell",
                        "TensorFlow ran a matmul on 2 threads, not 1",
                        "oneDNN: ['isa:Intel AVX2'], not limited to SSE4.1"]


def test_nbval_gets_the_other_environment_s_kernel(tmp_path):
    options = shlex.split(perturbed.addopts_with_kernel(kernel=True))
    assert "--nbval" in options and "--nbval-current-env" not in options
    assert f"--nbval-kernel-name={perturbed.KERNEL_NAME}" in options
    plain = shlex.split(perturbed.addopts_with_kernel(kernel=False))
    assert plain.count("--nbval-current-env") == 1
    assert options == [*plain[:1], *plain[2:], f"--nbval-kernel-name={perturbed.KERNEL_NAME}"]
    folder = perturbed.kernel_spec(tmp_path, "/env/bin/python")
    spec = json.loads((folder / "kernels" / perturbed.KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"] == ["/env/bin/python", "-m", "ipykernel_launcher", "-f",
                            "{connection_file}"]
