"""Ablations: seeds make runs repeatable and paired; summaries and plots show what was run."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from lstm_magnifier.ablations import (
    AblationResult,
    run_ablation,
    run_seed,
    running_mean,
    steps_to,
    variant_model,
)
from lstm_magnifier.cell import STANDARD, Variant
from lstm_magnifier.losses import mse
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense
from lstm_magnifier.tasks import adding_task, recall_task


def recall(rng, batch_size):
    return recall_task(rng, batch_size, 2)


def test_running_mean_and_steps_to():
    values = np.array([4.0, 2.0, 0.0, 6.0, 1.0])
    np.testing.assert_allclose(running_mean(values, 2), [4.0, 3.0, 1.0, 3.0, 3.5])
    np.testing.assert_allclose(running_mean(values, 1), values)
    assert steps_to(values, 1.0, window=2) == 3
    assert steps_to(values, 0.5, window=2) == 5  # never: counts as the whole run
    assert steps_to([3.0, 0.1], 0.2, window=1) == 2


def test_result_statistics_and_summary():
    result = AblationResult("x", (0, 1, 2), np.zeros((3, 4)), np.array([0.5, 0.75, 1.0]))
    assert result.mean == pytest.approx(0.75)
    assert (result.low, result.high) == (0.5, 1.0)
    assert result.std == pytest.approx(0.25)
    assert result.summary() == "x: 0.75 ± 0.25 (range 0.50 to 1.00, 3 seeds)"
    np.testing.assert_array_equal(result.steps_to(0.0, window=1), [1, 1, 1])


def test_variant_model_is_an_lstm_with_the_variant_then_a_head():
    assert variant_model(2, 3, 4, rng=0).core.variant == STANDARD
    model = variant_model(2, 3, 4, rng=0, forget_bias=1.0, output="identity")
    assert isinstance(model.core, LSTM) and model.core.variant == Variant(read="identity")
    assert model.head.params["weight"].shape == (4, 3)
    default = variant_model(2, 3, 4, rng=5, forget_bias=1.0)
    spelled_out = variant_model(2, 3, 4, rng=5, forget_bias=1.0, gate="sigmoid", output="tanh")
    x = np.random.default_rng(0).normal(size=(5, 2, 2))
    np.testing.assert_array_equal(default.forward(x), spelled_out.forward(x))
    # the LSTM draws first, then the head: the same draws as building the two by hand
    rng = np.random.default_rng(5)
    core = LSTM(2, 3, forget_bias=1.0, rng=rng)
    np.testing.assert_array_equal(default.core.params["weight_hh_l0"], core.params["weight_hh_l0"])
    head = variant_model(2, 3, 4, rng=5, forget_bias=1.0).head.params["weight"]
    np.testing.assert_array_equal(head, Dense(3, 4, rng=rng).params["weight"])


def test_run_seed_is_repeatable_and_learns():
    losses, score, model = run_seed({}, recall, seed=0, output_size=4, steps=60, hidden_size=8)
    again, score_again, _ = run_seed({}, recall, seed=0, output_size=4, steps=60, hidden_size=8)
    np.testing.assert_array_equal(losses, again)
    assert score == score_again
    assert losses.shape == (60,) and losses[-10:].mean() < losses[:10].mean()
    assert model.core.hidden_size == 8


def test_run_ablation_shapes_pairs_and_regression_metric():
    variants = {
        "standard": {},
        "same again": {"gate": "sigmoid"},
        "no tanh": {"output": "identity"},
    }
    results = run_ablation(
        variants,
        lambda rng, B: adding_task(rng, B, 4),
        output_size=1,
        seeds=(3, 4, 5),
        steps=15,
        hidden_size=4,
        loss_fn=mse,
        metric=mse,
        eval_size=64,
    )
    assert list(results) == list(variants)
    for result in results.values():
        assert result.losses.shape == (3, 15) and result.scores.shape == (3,)
        assert result.seeds == (3, 4, 5) and len(result.models) == 3
        assert np.all(result.scores > 0)
    # The same cell built two ways sees the same weights and batches: the same run.
    np.testing.assert_allclose(
        results["same again"].losses, results["standard"].losses, rtol=1e-9, atol=0
    )
    assert not np.allclose(results["no tanh"].losses, results["standard"].losses)


def test_run_ablation_checks_its_arguments():
    with pytest.raises(ValueError, match="at least 3 seeds"):
        run_ablation({"a": {}}, recall, output_size=4, seeds=(0, 1), steps=1)
    with pytest.raises(TypeError, match="variants"):
        run_ablation({}, recall, output_size=4, steps=1)
