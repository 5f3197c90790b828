import numpy as np
import pytest

from initlib.diagnostics import linear as L


def test_orthogonal_layers_are_isometric_at_any_depth():
    for depth in (1, 8, 64):
        sv = L.jacobian_singular_values("orthogonal", depth=depth, width=32, seed=depth)
        np.testing.assert_allclose(sv, 1.0, atol=1e-10)


def test_gaussian_product_keeps_mean_square_but_spreads():
    """E[sigma^2] of a product of variance-1/n Gaussian layers stays 1 (the trace of
    J J^T is preserved in expectation); the condition number grows with depth."""
    sq = [np.mean(L.jacobian_singular_values("lecun_normal", depth=4, width=64,
                                             seed=k) ** 2) for k in range(40)]
    assert abs(np.mean(sq) - 1) < 4 * np.std(sq) / np.sqrt(len(sq))
    cond = [L.jacobian_singular_values("lecun_normal", depth=d, width=64, seed=0)
            for d in (1, 4, 16)]
    ratios = [s[0] / s[-1] for s in cond]
    assert ratios[0] < ratios[1] < ratios[2] and ratios[2] > 1e6


def test_single_layer_gradient_descent_matches_closed_form():
    """Depth 1 is linear least squares: the loss after one step equals the loss of
    W - lr * grad computed directly."""
    run = L.train_deep_linear("orthogonal", depth=1, width=4, steps=1, learning_rate=0.1,
                              n_samples=16, seed=3)
    from initlib._checks import spawn_seeds

    data_seed, layer_seed = spawn_seeds(3, 2)
    rng = np.random.default_rng(data_seed)
    x = rng.standard_normal((16, 4))
    y = x @ (rng.standard_normal((4, 4)) / 2)
    scale = np.mean(np.sum(y**2, axis=1))
    import initlib

    w = initlib.orthogonal((4, 4), seed=layer_seed, dtype="float64")
    loss = lambda w: 0.5 * np.mean(np.sum((x @ w - y) ** 2, axis=1)) / scale  # noqa: E731
    grad = x.T @ (x @ w - y) / (16 * scale)
    np.testing.assert_allclose(run.loss, [loss(w), loss(w - 0.1 * grad)], rtol=1e-12)


def test_orthogonal_learns_faster_than_gaussian_when_deep():
    kw = dict(depth=8, width=32, steps=600, learning_rate=0.3, seed=0)
    ortho = L.train_deep_linear("orthogonal", **kw)
    gauss = L.train_deep_linear("lecun_normal", **kw)
    assert ortho.steps_to(0.01) is not None and gauss.steps_to(0.01) is None
    assert gauss.loss[-1] > 5 * ortho.loss[-1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        L.jacobian_singular_values(depth=0)
    with pytest.raises(TypeError, match="width"):
        L.train_deep_linear(width=2.5)
    with pytest.raises(ValueError, match="steps"):
        L.train_deep_linear(steps=0)
    with pytest.raises(ValueError, match="learning_rate"):
        L.train_deep_linear(learning_rate=-1)
    with pytest.raises(ValueError, match="unknown"):
        L.jacobian_singular_values("orthogonall")
    run = L.train_deep_linear("lecun_normal", depth=3, width=8, steps=20, learning_rate=1e6)
    assert not np.isfinite(run.loss[-1]) and run.steps_to(0.01) is None


def test_covariance_form_matches_backpropagation_over_the_samples():
    """train_deep_linear works on width x width matrices (the inputs' covariance); it
    must take the same steps as back-propagating every sample through the layers."""
    import initlib
    from initlib._checks import spawn_seeds

    depth, width, n, lr, steps, seed = 4, 6, 40, 0.2, 30, 7
    run = L.train_deep_linear("lecun_normal", depth=depth, width=width, steps=steps,
                              learning_rate=lr, n_samples=n, seed=seed)
    data_seed, *layer_seeds = spawn_seeds(seed, depth + 1)
    rng = np.random.default_rng(data_seed)
    x = rng.standard_normal((n, width))
    y = x @ (rng.standard_normal((width, width)) / np.sqrt(width))
    scale = np.mean(np.sum(y**2, axis=1))
    ws = [initlib.lecun_normal((width, width), seed=s, dtype="float64") for s in layer_seeds]
    want = []
    for _ in range(steps + 1):
        acts = [x]
        for w in ws:
            acts.append(acts[-1] @ w)
        err = acts[-1] - y
        want.append(0.5 * np.mean(np.sum(err**2, axis=1)) / scale)
        delta = err / (n * scale)
        grads = []
        for layer in range(depth - 1, -1, -1):
            grads.append(acts[layer].T @ delta)
            delta = delta @ ws[layer].T
        for layer, grad in zip(range(depth - 1, -1, -1), grads, strict=True):
            ws[layer] -= lr * grad
    np.testing.assert_allclose(run.loss, want, rtol=1e-9)
    assert want[-1] < 0.5 * want[0]              # the comparison covers real progress
