"""train() learns a tiny task, is repeatable, shows progress when asked; run_seeds splits seeds."""

import numpy as np
import pytest

from lstm_magnifier.losses import accuracy, mse, softmax_cross_entropy
from lstm_magnifier.nn import RNN, CausalConv1d, Dense, SequenceModel
from lstm_magnifier.optim import SGD, Adam, grad_norm
from lstm_magnifier.training import evaluate, fit, run_seeds, split_seed, train

T, B = 5, 32


def sign_of_sum(rng, batch=B):
    """Is the sum of a sequence of numbers positive? x (T, B, 1), y (B,) in {0, 1}."""
    x = rng.normal(size=(T, batch, 1))
    return x, (x.sum(axis=(0, 2)) > 0).astype(np.int64)


def make_model(seed=0):
    return SequenceModel(RNN(1, 8, rng=seed), Dense(8, 2, rng=seed + 1))


def test_train_learns_a_tiny_task():
    model = make_model()
    opt = Adam(model.params, lr=0.03)
    losses = train(model, sign_of_sum, softmax_cross_entropy, opt, steps=150, progress=False, rng=0)
    assert len(losses) == 150 and all(isinstance(v, float) for v in losses)
    assert losses[0] == pytest.approx(np.log(2), abs=0.1)  # a guess between two classes
    assert np.mean(losses[-20:]) < 0.35 * np.mean(losses[:10])
    x, y = sign_of_sum(np.random.default_rng(123), batch=500)  # held-out data
    assert evaluate(model, x, y) > 0.85  # sums near 0 stay hard: it reaches about 0.9
    assert evaluate(model, x, y, metric=softmax_cross_entropy) < 0.35


def test_train_is_repeatable_for_a_seed():
    runs = []
    for _ in range(2):
        model = make_model(seed=3)
        opt = SGD(model.params, lr=0.1, momentum=0.9)
        losses = train(
            model, sign_of_sum, softmax_cross_entropy, opt, steps=30, progress=False, rng=7
        )
        runs.append((losses, model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for name, value in runs[0][1].items():
        np.testing.assert_array_equal(value, runs[1][1][name])
    model = make_model(seed=3)
    other = train(
        model,
        sign_of_sum,
        softmax_cross_entropy,
        SGD(model.params, lr=0.1, momentum=0.9),
        steps=30,
        progress=False,
        rng=8,
    )
    assert other != runs[0][0]  # another seed draws other batches


def test_train_with_mse_and_a_convolution():
    """Regression at every step: y_t = x_t + x_{t-1}, which a window of 2 can represent."""

    def batches(rng):
        x = rng.normal(size=(T, B, 1))
        y = x + np.concatenate([np.zeros((1, B, 1)), x[:-1]])
        return x, y

    model = SequenceModel(
        CausalConv1d(1, 8, 2, activation=None, rng=0), Dense(8, 1, rng=1), readout="all"
    )
    losses = train(model, batches, mse, Adam(model.params, lr=0.02), steps=300, progress=False)
    assert losses[-1] < 1e-3 * losses[0]


class RecordingSGD(SGD):
    """SGD that remembers the global norm of the gradients it was given."""

    def __init__(self, params, lr):
        super().__init__(params, lr)
        self.norms = []

    def step(self, grads):
        self.norms.append(grad_norm(grads))
        super().step(grads)


def test_clip_limits_the_gradient_norm_seen_by_the_optimizer():
    model = make_model()
    opt = RecordingSGD(model.params, lr=0.01)
    train(model, sign_of_sum, softmax_cross_entropy, opt, steps=10, clip=0.05, progress=False)
    assert max(opt.norms) <= 0.05 * (1 + 1e-9)
    model = make_model()
    unclipped = RecordingSGD(model.params, lr=0.01)
    train(model, sign_of_sum, softmax_cross_entropy, unclipped, steps=10, progress=False)
    assert max(unclipped.norms) > 0.1  # so the limit above really did something


def test_progress_bar_only_when_asked(capsys):
    model = make_model()
    train(model, sign_of_sum, softmax_cross_entropy, Adam(model.params), steps=5, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    train(model, sign_of_sum, softmax_cross_entropy, Adam(model.params), steps=5, progress=True)
    captured = capsys.readouterr()
    assert "5/5" in captured.err and "loss=" in captured.err


def test_diverging_loss_stops_with_advice():
    model = make_model()

    def nan_loss(pred, y):
        return float("nan"), np.zeros_like(pred)

    opt = Adam(model.params)
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        train(model, sign_of_sum, nan_loss, opt, steps=3, progress=False)


def test_argument_errors():
    model = make_model()
    opt = Adam(model.params)
    with pytest.raises(ValueError, match="steps"):
        train(model, sign_of_sum, softmax_cross_entropy, opt, steps=0, progress=False)
    with pytest.raises(ValueError, match="clip"):
        train(model, sign_of_sum, softmax_cross_entropy, opt, steps=1, clip=-1, progress=False)
    with pytest.raises(TypeError, match="batches must be a function"):
        train(model, [1, 2], softmax_cross_entropy, opt, steps=1, progress=False)
    with pytest.raises(ValueError, match="optimizer must be built on this model"):
        train(model, sign_of_sum, softmax_cross_entropy, Adam(make_model().params), steps=1,
              progress=False)  # fmt: skip


def test_evaluate_uses_eval_mode_and_the_metric():
    model = make_model()
    x, y = sign_of_sum(np.random.default_rng(0))
    logits = model.forward(x)
    assert evaluate(model, x, y) == accuracy(logits, y)
    assert (
        evaluate(model, x, y, metric=softmax_cross_entropy) == softmax_cross_entropy(logits, y)[0]
    )


# ----------------------------------------------------------------- fit and run_seeds


def tiny_factory(rng):
    return SequenceModel(RNN(1, 4, rng=rng), Dense(4, 2, rng=rng))


def test_fit_lowers_the_loss():
    losses = fit(make_model(), sign_of_sum, steps=150, lr=0.03, rng=0)
    assert isinstance(losses, np.ndarray) and losses.shape == (150,)
    assert np.mean(losses[-20:]) < 0.35 * np.mean(losses[:10])


def test_run_seeds_is_repeatable_and_seeds_differ():
    test = sign_of_sum(np.random.default_rng(99), 50)
    first = run_seeds(tiny_factory, sign_of_sum, test, steps=5, seeds=(0, 1))
    again = run_seeds(tiny_factory, sign_of_sum, test, steps=5, seeds=(0, 1))
    assert [r.seed for r in first] == [0, 1]
    np.testing.assert_array_equal(first[0].losses, again[0].losses)
    assert first[0].metric == again[0].metric == first[0].accuracy
    assert not np.array_equal(first[0].losses, first[1].losses)
    assert first[0].losses.shape == (5,)
    assert first[0].n_params == (4 * 1 + 4 * 4 + 4 + 4) + (2 * 4 + 2)


def test_run_seeds_draws_a_test_batch_from_the_seeds_own_stream():
    fixed = run_seeds(tiny_factory, sign_of_sum, sign_of_sum(np.random.default_rng(9)), steps=5)
    drawn = run_seeds(tiny_factory, sign_of_sum, lambda rng: sign_of_sum(rng, 64), steps=5)
    # weights and batches do not depend on whether a test batch is drawn ...
    np.testing.assert_array_equal(fixed[0].losses, drawn[0].losses)
    # ... which comes from the seed's third stream
    init_rng, data_rng, test_rng = split_seed(0)
    assert drawn[0].metric == evaluate(drawn[0].model, *sign_of_sum(test_rng, 64))
    first, second = np.random.SeedSequence(0).spawn(2)
    assert init_rng.random() == np.random.default_rng(first).random()
    assert data_rng.random() == np.random.default_rng(second).random()


def test_run_seeds_checks_its_arguments():
    test = sign_of_sum(np.random.default_rng(0), 10)
    with pytest.raises(TypeError, match="model_factory"):
        run_seeds("lstm", sign_of_sum, test, steps=1)
    with pytest.raises(TypeError, match="test must be a pair"):
        run_seeds(tiny_factory, sign_of_sum, test[0], steps=1)
    with pytest.raises(ValueError, match="seeds"):
        run_seeds(tiny_factory, sign_of_sum, test, steps=1, seeds=())
    with pytest.raises(ValueError, match="seed must be"):
        run_seeds(tiny_factory, sign_of_sum, test, steps=1, seeds=(-1,))
