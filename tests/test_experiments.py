"""Model kinds compared: each kind built, recall and memoryless runs, lag curves."""

import numpy as np
import pytest

from lstm_magnifier import experiments as ex
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import RNN, CausalConv1d, SequenceModel

# ---------------------------------------------------------------- make_model


@pytest.mark.parametrize(
    "kind, kernel_size, core_type, field",
    [
        ("lstm", None, LSTM, None),
        ("rnn", None, RNN, None),
        ("conv", 3, CausalConv1d, 3),
        ("feedforward", None, CausalConv1d, 1),
        ("feedforward", 1, CausalConv1d, 1),
    ],
)
def test_make_model_builds_each_kind(kind, kernel_size, core_type, field):
    model = ex.make_model(kind, 4, 3, hidden_size=5, kernel_size=kernel_size, rng=0)
    assert isinstance(model, SequenceModel) and isinstance(model.core, core_type)
    assert ex.receptive_field(model) == field
    assert model.forward(np.zeros((6, 2, 4))).shape == (2, 3)
    every = ex.make_model(kind, 4, 3, hidden_size=5, kernel_size=kernel_size, readout="all")
    assert every.forward(np.zeros((6, 2, 4))).shape == (6, 2, 3)


def test_make_model_is_seeded_and_forget_bias_reaches_the_lstm():
    a = ex.make_model("lstm", 4, 4, hidden_size=3, rng=7)
    b = ex.make_model("lstm", 4, 4, hidden_size=3, rng=7)
    for name, value in a.params.items():
        np.testing.assert_array_equal(value, b.params[name])
    biased = ex.make_model("lstm", 4, 4, hidden_size=3, forget_bias=1.0, rng=7)
    shift = biased.params["core.bias_ih_l0"] - a.params["core.bias_ih_l0"]
    np.testing.assert_allclose(shift, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="gru"), "kind must be one of"),
        (dict(kind="conv"), "needs a kernel_size"),
        (dict(kind="feedforward", kernel_size=3), "kernel_size must be 1"),
        (dict(kind="lstm", kernel_size=3), "kernel_size only applies"),
        (dict(kind="rnn", forget_bias=1.0), "forget_bias only applies"),
    ],
)
def test_make_model_rejects_bad_arguments(kwargs, match):
    kind = kwargs.pop("kind")
    with pytest.raises(ValueError, match=match):
        ex.make_model(kind, 4, 4, **kwargs)


# ------------------------------------------------------------------- tasks


def test_recall_batches_draw_one_lag_per_batch_with_length_lag_plus_one():
    batches = ex.recall_batches([1, 4], batch_size=5, n_symbols=3)
    rng = np.random.default_rng(0)
    lengths = {batches(rng)[0].shape[0] for _ in range(40)}
    assert lengths == {2, 5}
    x, y = batches(rng)
    assert x.shape[1:] == (5, 3) and y.shape == (5,)
    np.testing.assert_array_equal(x[0].argmax(-1), y)  # the target is the first symbol


def test_recall_batches_reject_ambiguous_or_bad_lags():
    with pytest.raises(ValueError, match="single lag"):
        ex.recall_batches([1, 2], length=5)
    with pytest.raises(ValueError, match="lag"):
        ex.recall_batches([])
    with pytest.raises(ValueError, match="lag"):
        ex.recall_batches([1, -2])
    x, y = ex.recall_batches(2, length=6)(np.random.default_rng(0))
    np.testing.assert_array_equal(x[3].argmax(-1), y)


def test_test_sets_are_fixed_per_lag_and_differ_between_lags():
    a, b = ex.recall_test_set(3, size=20), ex.recall_test_set(3, size=20)
    np.testing.assert_array_equal(a[0], b[0])
    other = ex.recall_test_set(3, size=20, seed=1)
    assert not np.array_equal(a[0], other[0])
    x, y = ex.memoryless_test_set(5, size=7)
    assert x.shape == (5, 7, 4) and y.shape == (5, 7)
    np.testing.assert_array_equal(y, x.argmax(-1) % 2)


def test_a_one_step_model_fails_recall_and_an_lstm_succeeds():
    blind = ex.fit_recall("feedforward", 3, hidden_size=8, steps=150, test_size=1000)
    assert blind.accuracy < 0.32  # chance is 0.25: x_T says nothing about x_1
    lstm = ex.fit_recall("lstm", 3, hidden_size=8, steps=250, test_size=500)
    assert lstm.accuracy > 0.95
    assert lstm.n_params == 4 * (8 * 4 + 8 * 8 + 2 * 8) + 8 * 4 + 4


def test_fit_memoryless_solves_the_task_with_per_step_logits():
    run = ex.fit_memoryless("feedforward", length=5, hidden_size=4, steps=150)
    assert run.model.readout == "all"
    assert run.accuracy > 0.99


def test_accuracy_vs_lag_for_a_cnn_drops_to_chance_beyond_its_window():
    curve = ex.accuracy_vs_lag(
        "conv", [0, 1, 2, 3], kernel_size=2, per_lag=True, hidden_size=8, steps=200
    )
    assert curve.label == "causal CNN, k = 2" and curve.receptive_field == 2
    assert len(curve.models) == 4
    np.testing.assert_array_equal(curve.lags, [0, 1, 2, 3])
    assert np.all(curve.accuracy[:2] > 0.95)  # lags 0 and 1 lie inside x_{T-1}, x_T
    assert np.all(curve.accuracy[2:] < 0.35)  # beyond the window: chance is 0.25


def test_accuracy_vs_lag_with_one_shared_lstm():
    curve = ex.accuracy_vs_lag("lstm", [0, 2, 4], hidden_size=8, steps=300)
    assert len(curve.models) == 1 and curve.receptive_field is None
    assert curve.label == "LSTM"
    assert np.all(curve.accuracy > 0.9), curve.accuracy
    np.testing.assert_array_equal(
        curve.accuracy, ex.lag_accuracies(curve.models[0], [0, 2, 4], test_size=500)
    )


def test_accuracy_vs_lag_over_seeds_stacks_one_curve_per_seed():
    options = dict(kernel_size=2, per_lag=True, hidden_size=8, steps=200)
    spread = ex.accuracy_vs_lag_over_seeds("conv", [1, 2], seeds=[0, 3], **options)
    assert spread.label == "causal CNN, k = 2" and spread.receptive_field == 2
    np.testing.assert_array_equal(spread.seeds, [0, 3])
    assert spread.accuracy.shape == (2, 2) and len(spread.models) == 2
    assert all(len(models) == 2 for models in spread.models)  # one CNN per lag and seed
    again = ex.accuracy_vs_lag("conv", [1, 2], seed=3, **options)
    np.testing.assert_array_equal(spread.accuracy[1], again.accuracy)  # seed 3 is seed 3
    np.testing.assert_array_equal(spread.at(2), spread.accuracy[:, 1])
    assert np.all(spread.low[:1] > 0.95)  # lag 1 lies inside the window, on both seeds
    assert np.all(spread.high[1:] < 0.35)  # lag 2 lies outside it: chance is 0.25
    np.testing.assert_array_equal(spread.low, spread.accuracy.min(axis=0))
    np.testing.assert_array_equal(spread.high, spread.accuracy.max(axis=0))
    curve = spread.curve()
    assert isinstance(curve, ex.LagCurve) and len(curve.models) == 4
    np.testing.assert_allclose(curve.accuracy, spread.accuracy.mean(axis=0))


def test_lag_spread_shows_the_range_over_seeds_as_text():
    accuracy = np.array([[1.0, 0.224, 0.5], [1.0, 0.286, 0.5]])
    spread = ex.LagSpread(
        "LSTM", "lstm", np.array([3, 12, 20]), np.array([0, 1]), accuracy, None, []
    )
    assert spread.spans() == ["1.00", "0.22 to 0.29", "0.50"]
    assert spread.spans(".1f")[1] == "0.2 to 0.3"
    with pytest.raises(ValueError, match="lag 6 was not tested; the lags are \\[3, 12, 20\\]"):
        spread.at(6)


def test_accuracy_vs_lag_over_seeds_with_one_shared_lstm_per_seed():
    spread = ex.accuracy_vs_lag_over_seeds("lstm", [0, 2], seeds=range(2), hidden_size=8, steps=200)
    assert spread.accuracy.shape == (2, 2) and [len(m) for m in spread.models] == [1, 1]
    np.testing.assert_array_equal(
        spread.accuracy[0], ex.lag_accuracies(spread.models[0][0], [0, 2], test_size=500)
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seeds=[]), ValueError, "at least one seed"),
        (dict(seeds=[0, -1]), ValueError, "every seed must be a whole number >= 0, got -1"),
        (dict(seeds=[1.5]), ValueError, "got 1.5"),
        (dict(seed=0), TypeError, "takes seeds="),
        (dict(kernel_size=None), ValueError, "needs a kernel_size"),
    ],
)
def test_accuracy_vs_lag_over_seeds_rejects_bad_arguments(kwargs, error, match):
    options = dict(kernel_size=2, steps=1) | kwargs
    with pytest.raises(error, match=match):
        ex.accuracy_vs_lag_over_seeds("conv", [1], **options)
