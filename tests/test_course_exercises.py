"""The exercise checkers: a right answer is confirmed, each typical wrong answer gets its
own feedback, an unanswered exercise and a malformed answer get clear messages."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from initlib.course import exercises as E

RELU_MEAN = 1 / math.sqrt(2 * math.pi)  # the mean of relu(z) for a standard normal z

# checker, its parameters (as in the notebooks), the right answer, and typical wrong
# answers with a fragment of the feedback each must get
CASES = [
    (E.check_forward_gain, dict(fan_in=512, std=0.05, activation="relu"), 0.64, [
        (1.28, "gain of a linear layer"),
        (2.56, "the 2 goes the other way"),
        (12.8, "standard deviation where equation (1) has the variance"),
        (0.8, "gain of the standard deviation"),
        (0.00125, "multiply by fan_in"),
        (1 / 0.64, "inverse"),
        (-0.64, "sign is wrong"),
    ]),
    (E.check_glorot_variance, dict(fan_in=300, fan_out=100), 0.005, [
        (1 / 400, "half of Glorot's variance"),
        (math.sqrt(0.005), "that is the standard deviation"),
        (math.sqrt(6 / 400), "limit a of Glorot's *uniform* version"),
        (6 / 400, "that is a² for Glorot's uniform"),
        (1 / 300, "LeCun's variance"),
        (1 / 100, "only fan_out"),
        (2 / 300, "He's variance"),
        (2 / 30000, "added, not multiplied"),
        (200, "inverse"),
    ]),
    (E.check_preserving_std, dict(fan_in=512, activation="tanh"), math.sqrt(1 / 512), [
        (1 / 512, "that is the variance"),
        (math.sqrt(2 / 512), "He's std for ReLU"),
        (5 / 3 / math.sqrt(512), "PyTorch's tanh gain 5/3"),
        (math.sqrt(3 / 512), "limit a of a uniform"),
        (math.sqrt(512), "inverse"),
    ]),
    (E.check_preserving_std, dict(fan_in=256, activation="relu"), math.sqrt(2 / 256), [
        (math.sqrt(1 / 256), "Var[W] needs a factor 2"),
        (2 / 16, "under the square root"),
        (2 / 256, "that is the variance"),
    ]),
    (E.check_overflow_layer, dict(fan_in=256), 32, [
        (31, "last layer whose std still fits"),
        (33, "one layer too late"),
        (16, "the variance, not the std"),
        (256, "float64"),
        (37, "other activation's factor"),
        (31.99, "round up"),
        (30.5, "whole number"),
    ]),
    (E.check_overflow_layer, dict(fan_in=256, activation="relu"), 37, [
        (32, "other activation's factor"),
        (36, "last layer whose std still fits"),
    ]),
    (E.check_uniform_gain, dict(fan_in=1024, limit=0.05, activation="relu"), 1024 * 0.0025 / 6, [
        (1024 * 0.0025 / 3, "factor of a linear layer"),
        (1024 * 0.0025 / 2, "a² as the variance"),
        (1024 * 0.0025 / 24, "interval of length a"),
        (1024 * 0.05 / 6, "used a where the variance needs a²"),
        (math.sqrt(1024 * 0.0025 / 6), "factor of the standard deviation"),
        (6 / (1024 * 0.0025), "inverse"),
    ]),
    (E.check_he_uniform_limit, dict(fan_in=256), math.sqrt(6 / 256), [
        (math.sqrt(2 / 256), "std of He's *normal* version"),
        (6 / 256, "that is a²"),
        (2 / 256, "variance 2 / fan_in"),
        (math.sqrt(3 / 256), "LeCun's limit"),
        (math.sqrt(2 / 768), "do not divide"),
        (math.sqrt(24 / 256), "interval of length a"),
        (1.0, "article's large range"),
    ]),
    (E.check_mean_offset, dict(fan_in=256, weight_mean=0.01, input_mean=RELU_MEAN),
     2.56 * RELU_MEAN, [
        (0, "zero would need zero-mean weights"),
        (0.01 * RELU_MEAN, "mean of one term"),
        (2.56, "the inputs' mean enters too"),
        (1.28, "fraction of positive pre-activations"),
        (-2.56 * RELU_MEAN, "positive weight mean give a positive offset"),
    ]),
    (E.check_glorot_uniform_limit, dict(fan_in=300, fan_out=500), math.sqrt(6 / 800), [
        (math.sqrt(2 / 800), "std of Glorot's *normal* version"),
        (6 / 800, "that is a²"),
        (2 / 800, "that is Glorot's variance"),
        (math.sqrt(3 / 800), "half of Glorot's variance"),
        (math.sqrt(6 / 300), "fan_in only (He's"),
        (math.sqrt(3 / 300), "LeCun's uniform limit"),
        (math.sqrt(6 / 500), "fan_out only"),
        (math.sqrt(2 / 2400), "do not divide"),
        (math.sqrt(24 / 800), "interval of length a"),
    ]),
    (E.check_glorot_factors, dict(fan_in=64, fan_out=256), (0.4, 1.6), [
        ((1.6, 0.4), "swapped"),
        ((1, 1), "only when fan_in = fan_out"),
        ((math.sqrt(0.4), math.sqrt(1.6)), "standard deviations"),
        ((0.2, 0.8), "belongs to a ReLU"),
        ((0.4, 1.0), "not within"),
    ]),
    (E.check_he_std, dict(shape=(128, 784), layout="torch"), math.sqrt(2 / 784), [
        (math.sqrt(2 / 128), "PyTorch stores a dense weight as (out, in)"),
        (2 / 784, "that is the variance"),
        (math.sqrt(1 / 784), "LeCun's std"),
        (2 / 28, "under the square root"),
        (math.sqrt(6 / 784), "*uniform* version"),
        (math.sqrt(2 / 912), "Glorot's std"),
    ]),
    (E.check_he_std, dict(shape=(784, 128)), math.sqrt(2 / 784), [
        (math.sqrt(2 / 128), "Keras stores a dense kernel as (in, out)"),
    ]),
    (E.check_fans, dict(shape=(3, 3, 64, 128)), (576, 1152), [
        ((1152, 576), "swapped"),
        ((3 * 8192, 3 * 8192), "torch layout"),
        ((64, 128), "receptive field"),
        ((3, 3), "article's mistake"),
    ]),
    (E.check_fans, dict(shape=(128, 784), layout="torch"), (784, 128), [
        ((128, 784), "swapped"),
    ]),
    (E.check_clipped_std, dict(c=2.0), 0.9594461556733254, [
        (0.8796256610342398, "*truncated* normal"),
        (0.9594461556733254 ** 2, "ratio of the variances"),
        (0.9545, "fraction of weights inside"),
        (0.0455, "fraction of weights that get clipped"),
        (1.0, "does change the std"),
    ]),
    (E.check_selu_scale, {}, 1.0, [
        (2.0, "He's scale"),
        (0.75, "calculate_gain('selu')"),
        (0.5625, "squared"),
        (1.0507009873554805 ** 2, "lambda is already inside SELU"),
        (1 / 3, "nn.Linear default"),
    ]),
    (E.check_jacobian_mean_square, dict(depth=16), 1.0, [
        (0.0, "a few grow"),
        (16.0, "multiply, they do not add"),
        (1 / 16, "each is 1"),
        (2.0 ** 16, "He's variance"),
        (2.0 ** -16, "halves the variance"),
    ]),
    (E.check_tanh_edge, {}, 1.0, [
        (math.sqrt(2), "He's gain"),
        (5 / 3, "tanh gain 5/3"),
        (math.sqrt(1.761), "edge for sigma_b² = 0.05"),
        (1.761, "and a variance"),
        (2.0, "He's variance scale"),
    ]),
]
IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("check, params, right, wrongs", CASES, ids=IDS)
def test_right_answer_is_confirmed(check, params, right, wrongs, capsys):
    assert check(right, **params) is True
    out = capsys.readouterr().out
    assert out.startswith("Correct: ") and out.count("\n") == 1
    # as a NumPy scalar, a 0-d array, or a list/array for the pairs
    if isinstance(right, tuple):
        assert check(list(right), **params) and check(np.array(right), **params)
    else:
        assert check(np.float32(right), **params) and check(np.array(right), **params)


@pytest.mark.parametrize("check, params, right, wrongs", CASES, ids=IDS)
def test_each_typical_mistake_gets_its_own_feedback(check, params, right, wrongs, capsys):
    for wrong, fragment in wrongs:
        with pytest.raises(AssertionError, match="^Not correct: ") as err:
            check(wrong, **params)
        assert fragment in str(err.value), (wrong, str(err.value))
    assert "Correct" not in capsys.readouterr().out


@pytest.mark.parametrize("check, params, right, wrongs", CASES, ids=IDS)
def test_unanswered_and_malformed_answers(check, params, right, wrongs):
    with pytest.raises(AssertionError, match="^Not answered yet: .*NotImplementedError"):
        check(None, **params)
    bad_type = [("0.5", TypeError), (True, TypeError)]
    if isinstance(right, tuple):
        bad_type += [((1.0, 2.0, 3.0), ValueError), (5.0, TypeError),
                     ((1.0, "x"), TypeError), ((1.0, math.nan), ValueError)]
    else:
        bad_type += [(np.array([1.0, 2.0]), ValueError), (math.inf, ValueError),
                     (math.nan, ValueError), ([right], TypeError), (1j, TypeError)]
    for answer, exc in bad_type:
        with pytest.raises(exc, match=r"answer(\[\d\])? must be"):
            check(answer, **params)


def test_an_unrecognised_wrong_answer_gets_a_hint_not_the_value():
    with pytest.raises(AssertionError) as err:
        E.check_glorot_variance(0.0123, fan_in=300, fan_out=100)
    message = str(err.value)
    assert "not within 1.0%" in message and "Average the forward and backward" in message
    assert "0.005" not in message


def test_tolerance():
    assert E.check_glorot_variance(0.00502, fan_in=300, fan_out=100)   # rounded answer
    with pytest.raises(AssertionError):
        E.check_glorot_variance(0.0052, fan_in=300, fan_out=100)
    assert E.check_glorot_variance(0.0052, fan_in=300, fan_out=100, rtol=0.05)
    # a measured clipping ratio on 10^6 weights is within the 0.3 % tolerance
    w = np.random.default_rng(0).standard_normal((1000, 1000))
    assert E.check_clipped_std(np.clip(w, -2, 2).std() / w.std())


@pytest.mark.parametrize("call, exc, match", [
    (lambda: E.check_forward_gain(1.0, fan_in=0, std=0.1), ValueError, "fan_in"),
    (lambda: E.check_forward_gain(1.0, fan_in=10.5, std=0.1), ValueError, "fan_in"),
    (lambda: E.check_forward_gain(1.0, fan_in=10, std=-1), ValueError, "std"),
    (lambda: E.check_forward_gain(1.0, fan_in=10, std=0.1, activation="gelu"), ValueError,
     "activation"),
    (lambda: E.check_glorot_variance(1.0, fan_in=10, fan_out=True), ValueError, "fan_out"),
    (lambda: E.check_overflow_layer(1, fan_in=4, std=0.1), ValueError, "does not grow"),
    (lambda: E.check_overflow_layer(1, fan_in=256, dtype="int8"), TypeError, "dtype"),
    (lambda: E.check_uniform_gain(1.0, fan_in=10, limit=0), ValueError, "limit"),
    (lambda: E.check_mean_offset(1.0, fan_in=10, weight_mean="a", input_mean=1), TypeError,
     "weight_mean"),
    (lambda: E.check_mean_offset(1.0, fan_in=10, weight_mean=0.1, input_mean=math.inf),
     ValueError, "input_mean"),
    (lambda: E.check_he_std(1.0, shape=(784,), layout="torch"), ValueError, "layout='torch'"),
    (lambda: E.check_he_std(1.0, shape=(784, 128), layout="jax"), ValueError, "layout"),
    (lambda: E.check_he_std(1.0, shape=(0, 128)), ValueError, "positive fans"),
    (lambda: E.check_fans((1, 1), shape=784), TypeError, "shape"),
    (lambda: E.check_clipped_std(1.0, c=0), ValueError, "c must be"),
    (lambda: E.check_gradient_ratio(1.0, runs="runs"), TypeError, "runs must be"),
    (lambda: E.check_gradient_ratio(1.0, runs=[object()]), TypeError, "runs must be"),
])
def test_bad_exercise_parameters_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- the gradient ratio of notebook 08, on runs made up for the test --------------------

def fake_runs():
    """He's and Glorot's runs at depths 3 and 30 with ReLU and tanh, three seeds each;
    grad_norms of shape (epochs + 1, layers), random, He's first layer far larger."""
    rng = np.random.default_rng(1)
    runs = []
    for depth in (3, 30):
        for act in ("relu", "tanh"):
            for seed in range(3):
                for strategy in ("he_normal", "glorot_normal"):
                    g = rng.lognormal(size=(3, depth + 1))
                    if strategy == "he_normal":
                        g[0, 0] *= 1e4
                    runs.append(SimpleNamespace(strategy=strategy, depth=depth,
                                                activation=act, seed=seed, grad_norms=g))
    return runs


def test_gradient_ratio(capsys):
    runs = fake_runs()
    he = [r.grad_norms[0, 0] for r in runs if (r.strategy, r.depth, r.activation)
          == ("he_normal", 30, "relu")]
    gl = [r.grad_norms[0, 0] for r in runs if (r.strategy, r.depth, r.activation)
          == ("glorot_normal", 30, "relu")]
    right = np.median(he) / np.median(gl)
    assert E.check_gradient_ratio(right, runs=runs)
    assert capsys.readouterr().out.startswith("Correct: before any training")

    def column(strategy, row, col, depth=30, act="relu"):
        return [r.grad_norms[row, col] for r in runs
                if (r.strategy, r.depth, r.activation) == (strategy, depth, act)]

    def med(strategy, row=0, col=0, **kw):
        return np.median(column(strategy, row, col, **kw))

    wrongs = [
        (1 / right, "Glorot's over He's"),
        (med("he_normal", col=-1) / med("glorot_normal", col=-1), "output layer"),
        (med("he_normal", row=-1) / med("glorot_normal", row=-1), "after the last epoch"),
        (np.mean(he) / np.mean(gl), "mean over seeds"),
        (np.median(np.array(he) / np.array(gl)), "median of per-seed ratios"),
        (he[0] / gl[0], "that is one seed"),
        (med("he_normal", depth=3) / med("glorot_normal", depth=3), "depth 3 with relu"),
        (med("he_normal", act="tanh") / med("glorot_normal", act="tanh"),
         "depth 30 with tanh"),
    ]
    values = [w for w, _ in wrongs] + [right]
    assert len({round(v, 6) for v in values}) == len(values)  # the made-up runs tell all apart
    for wrong, fragment in wrongs:
        with pytest.raises(AssertionError, match=fragment):
            E.check_gradient_ratio(wrong, runs=runs)
    with pytest.raises(ValueError, match="no run of 'he_normal' at depth 10"):
        E.check_gradient_ratio(right, runs=runs, depth=10)
    runs[0].grad_norms = None
    with pytest.raises(ValueError, match="no grad_norms"):
        E.check_gradient_ratio(right, runs=runs, depth=3)


def test_every_checker_is_public_and_documented():
    names = [n for n in dir(E) if n.startswith("check_") and callable(getattr(E, n))]
    assert set(names) <= set(E.__all__), set(names) - set(E.__all__)
    assert {"check_function", "check_value", "check_he_std"} <= set(names)
    for name in names:
        doc = getattr(E, name).__doc__
        assert doc and "Raises" in doc.replace("raises", "Raises"), name
