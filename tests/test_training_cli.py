"""The command line, python -m initlib.training.experiment (initlib.training.cli)."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from initlib.training import cli
from initlib.training import results as R

PROG = [sys.executable, "-m", "initlib.training.experiment"]


def _usage_error(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m initlib.training.experiment")
    assert "Traceback" not in err
    return err


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for action in cli.parser()._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, action.dest
    for needle in ["--strategies NAME", "(default: 0.01)", "(default: 5.0)",
                   "{cosine,constant}", "(default: 30)", "--table FILE",
                   "relu, tanh, sigmoid, selu, linear, leaky_relu", "{digits,fashion_mnist}",
                   "--workers N", "--scheduler ADDRESS", "--threads N", "--results FILE",
                   "(default: runs.csv)", "examples:", "dask-jobqueue", "dask-kubernetes",
                   "Coiled", "Dask Gateway", "--depths 3 10 30 --seeds 10 --workers 2",
                   "seeds reaching", "(default: zeros)"]:
        assert needle in text, needle


def test_out_is_the_earlier_name_of_summary():
    assert cli.parser().parse_args(["--out", "grid.csv"]).summary == "grid.csv"
    assert cli.parser().parse_args(["--summary", "grid.csv"]).summary == "grid.csv"


@pytest.mark.parametrize("argv, needle", [
    (["--strategies", "he_normal", "hee_normal"],
     "argument --strategies: unknown initializer 'hee_normal'; did you mean 'he_normal'"),
    (["--depths", "0"], "argument --depths: 0 is below 1"),
    (["--depths", "three"], "argument --depths: 'three' is not an integer"),
    (["--activations", "swish"], "argument --activations: invalid choice: 'swish'"),
    (["--learning-rate", "-1"], "argument --learning-rate: '-1' is not a positive"),
    (["--momentum", "1"], "argument --momentum: '1' is not in [0, 1)"),
    (["--target", "80"], "argument --target: target is a validation accuracy in (0, 1]"),
    (["--output", "zeroes"], "argument --output: unknown initializer 'zeroes'"),
    (["--workers", "2", "--scheduler", "tcp://x:1"], "not allowed with argument"),
    (["--data", "mnist"], "argument --data: invalid choice: 'mnist'"),
    (["--results", "/no/such/folder/r.csv"], "argument --results: folder '/no/such/folder'"),
])
def test_bad_values_give_usage_errors(capsys, argv, needle):
    assert needle in _usage_error(capsys, argv)


def test_a_foreign_results_file_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    assert "not a results file" in _usage_error(capsys, ["--results", str(path)])


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["head -n 2", "true"])
def test_piping_the_help_into_head_prints_no_traceback(reader):
    """`true` exits before reading anything: every write after it meets a closed pipe."""
    out = subprocess.run(" ".join(PROG) + f" --help | {reader}", shell=True,
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.startswith("usage:" if reader != "true" else "")
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr, out.stderr


@pytest.mark.slow
def test_command_line_trains_resumes_and_writes_the_summary(tmp_path, capsys):
    results, summary = tmp_path / "runs.csv", tmp_path / "summary.csv"
    argv = ["--strategies", "he_normal", "lsuv", "--depths", "2", "--activations", "relu",
            "--seeds", "2", "--epochs", "1", "--width", "16", "--results", str(results),
            "--summary", str(summary), "--no-progress", "--target", "0.5"]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "he_normal" in printed and "lsuv" in printed and "seeds reaching 0.50" in printed
    assert "4 runs: 0 already in" in printed and "4 trained on this process" in printed
    table = pd.read_csv(summary)
    assert list(table.strategy) == ["he_normal", "lsuv"] and (table.seeds == 2).all()
    assert len(R.ResultsFile(results).records()) == 4
    assert cli.main(argv) == 0                                 # resumed: nothing to train
    assert "4 runs: 4 already in" in capsys.readouterr().out
    more = argv[:argv.index("--seeds") + 1] + ["3"] + argv[argv.index("--seeds") + 2:]
    assert cli.main(more) == 0
    assert "3 runs" not in (out := capsys.readouterr().out) and "6 runs: 4 already in" in out


@pytest.mark.slow
def test_piping_a_table_into_head_prints_no_traceback(tmp_path):
    cmd = (" ".join(PROG) + f" --strategies he_normal --depths 1 --activations relu --seeds 1"
           f" --epochs 1 --width 4 --no-progress --results {tmp_path / 'r.csv'} | true")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env,
                         timeout=600)
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr, out.stderr
