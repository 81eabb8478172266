"""VariantLSTM: equal to LSTM at the defaults, right gradients in every setting, clear errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_magnifier.gradcheck import check_module_gradients, gradient_check
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.networks import (
    forget_network,
    learn_network,
    remember_network,
    use_network_article,
)
from lstm_magnifier.variants import ACTIVATIONS, OUTPUTS, VariantLSTM, swap_gates

NAMES = tuple(ACTIVATIONS)


@settings(max_examples=25, deadline=None)
@given(
    T=st.integers(1, 6),
    B=st.integers(1, 4),
    D=st.integers(1, 5),
    H=st.integers(1, 6),
    forget_bias=st.sampled_from([0.0, 1.0, -2.5]),
    with_state=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_defaults_equal_lstm_forward_and_backward(T, B, D, H, forget_bias, with_state, seed):
    rng = np.random.default_rng(seed)
    lstm = LSTM(D, H, forget_bias=forget_bias, rng=seed)
    variant = VariantLSTM(D, H, forget_bias=forget_bias, rng=seed)
    for name, value in lstm.params.items():
        np.testing.assert_array_equal(variant.params[name], value)
    x = 2 * rng.normal(size=(T, B, D))
    state = (rng.normal(size=(1, B, H)), rng.normal(size=(1, B, H))) if with_state else None
    out_a, (h_a, c_a) = lstm.forward(x, state)
    out_b, (h_b, c_b) = variant.forward(x, state)
    for a, b in ((out_a, out_b), (h_a, h_b), (c_a, c_b)):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
    d_out = rng.normal(size=out_a.shape)
    d_state = (rng.normal(size=h_a.shape), rng.normal(size=c_a.shape))
    dx_a, (dh_a, dc_a) = lstm.backward(d_out, d_state)
    dx_b, (dh_b, dc_b) = variant.backward(d_out, d_state)
    for a, b in ((dx_a, dx_b), (dh_a, dh_b), (dc_a, dc_b)):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
    for name, grad in lstm.grads.items():
        np.testing.assert_allclose(variant.grads[name], grad, rtol=0, atol=1e-12)
    trace_a, trace_b = lstm.trace(0), variant.trace()
    for key in "ifgoch":
        np.testing.assert_allclose(trace_b[key], trace_a[key], rtol=0, atol=1e-12)


def test_unbatched_equals_lstm():
    rng = np.random.default_rng(3)
    lstm, variant = LSTM(2, 3, rng=5), VariantLSTM(2, 3, rng=5)
    x = rng.normal(size=(4, 2))
    state = (rng.normal(size=(1, 3)), rng.normal(size=(1, 3)))
    out_a, (h_a, c_a) = lstm.forward(x, state)
    out_b, (h_b, c_b) = variant.forward(x, state)
    assert out_b.shape == (4, 3) and h_b.shape == c_b.shape == (1, 3)
    np.testing.assert_allclose(out_b, out_a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c_b, c_a, rtol=0, atol=1e-12)
    d_out = rng.normal(size=(4, 3))
    dx_a, (dh_a, _) = lstm.backward(d_out)
    dx_b, (dh_b, _) = variant.backward(d_out)
    assert dx_b.shape == (4, 2) and dh_b.shape == (1, 3)
    np.testing.assert_allclose(dx_b, dx_a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dh_b, dh_a, rtol=0, atol=1e-12)
    assert variant.trace()["c"].shape == (4, 3)


@pytest.mark.parametrize(
    ("gate", "candidate", "output"), list(itertools.product(NAMES, NAMES, OUTPUTS))
)
def test_gradient_check_every_setting(gate, candidate, output):
    model = VariantLSTM(2, 3, gate=gate, candidate=candidate, output=output, rng=7)
    x = np.random.default_rng(8).normal(size=(3, 2, 2))
    errors = check_module_gradients(model, x, rng=9)
    assert set(errors) == set(model.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("gate", [{"i": "tanh"}, {"f": "one"}, {"o": "identity", "i": "one"}])
def test_gradient_check_single_gate_overrides(gate):
    model = VariantLSTM(3, 2, gate=gate, forget_bias=1.0, rng=1)
    x = np.random.default_rng(2).normal(size=(4, 3, 3))
    errors = check_module_gradients(model, x, rng=3)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("output", ["tanh", "identity", "article"])
def test_gradient_check_initial_state_and_final_state_gradients(output):
    rng = np.random.default_rng(4)
    model = VariantLSTM(2, 3, output=output, rng=5)
    x = rng.normal(size=(3, 2, 2))
    h0, c0 = rng.normal(size=(1, 2, 3)), rng.normal(size=(1, 2, 3))
    R, R_h, R_c = (rng.normal(size=s) for s in ((3, 2, 3), (1, 2, 3), (1, 2, 3)))

    def loss():
        out, (h_n, c_n) = model.forward(x, (h0, c0))
        return np.sum(R * out) + np.sum(R_h * h_n) + np.sum(R_c * c_n)

    loss()
    _, (dh0, dc0) = model.backward(R, (R_h, R_c))
    errors = gradient_check(loss, {"h0": h0, "c0": c0}, {"h0": dh0, "c0": dc0})
    assert max(errors.values()) < 1e-7, errors


def test_gates_follow_their_activations():
    x = np.random.default_rng(0).normal(size=(5, 3, 2))
    model = VariantLSTM(2, 4, gate={"i": "one", "f": "tanh"}, candidate="identity", rng=0)
    model.forward(3 * x)
    trace = model.trace()
    np.testing.assert_array_equal(trace["i"], 1.0)
    assert trace["f"].min() < 0 < trace["f"].max() and np.abs(trace["f"]).max() < 1
    assert 0 < trace["o"].min() and trace["o"].max() < 1
    assert np.abs(trace["g"]).max() > 1  # identity: not squashed
    c_prev = np.concatenate([np.zeros((1, 3, 4)), trace["c"][:-1]])
    np.testing.assert_allclose(trace["c"], trace["f"] * c_prev + trace["g"], atol=1e-12)


def test_output_activations_read_out_c():
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    for output, psi in (("identity", lambda c: c), ("sigmoid", ACTIVATIONS["sigmoid"][0])):
        model = VariantLSTM(3, 2, output=output, rng=2)
        model.forward(x)
        trace = model.trace()
        np.testing.assert_allclose(trace["h"], trace["o"] * psi(trace["c"]), atol=1e-12)
    model = VariantLSTM(3, 2, output="one", rng=2)
    model.forward(x)
    np.testing.assert_array_equal(model.trace()["h"], model.trace()["o"])


def test_article_output_matches_the_network_functions_step_by_step():
    rng = np.random.default_rng(6)
    D, H, T, B = 3, 4, 5, 2
    model = VariantLSTM(D, H, output="article", rng=11)
    assert model.params["weight_u"].shape == (H, H) and model.params["bias_u"].shape == (H,)
    x = rng.normal(size=(T, B, D))
    out, (h_n, c_n) = model.forward(x)
    p = model.params
    bias = p["bias_ih_l0"] + p["bias_hh_l0"]

    def gate(k):
        rows = slice(k * H, (k + 1) * H)
        return p["weight_ih_l0"][rows], p["weight_hh_l0"][rows], bias[rows]

    h, c = np.zeros((B, H)), np.zeros((B, H))
    for t in range(T):
        learn, _, _ = learn_network(x[t], h, gate(0), gate(2))
        forget, _ = forget_network(c, x[t], h, gate(1))
        h, u, _ = use_network_article(forget, x[t], h, (p["weight_u"], p["bias_u"]), gate(3))
        c = remember_network(forget, learn)
        np.testing.assert_allclose(out[t], h, atol=1e-12)
        np.testing.assert_allclose(model.trace()["u"][t], u, atol=1e-12)
    np.testing.assert_allclose(c_n[0], c, atol=1e-12)
    standard = VariantLSTM(D, H, rng=0)
    standard.forward(x)
    assert "u" not in standard.trace()


def test_article_draws_its_extra_weights_after_the_lstm_weights():
    standard, article = VariantLSTM(2, 3, rng=4), VariantLSTM(2, 3, output="article", rng=4)
    for name, value in standard.params.items():
        np.testing.assert_array_equal(article.params[name], value)
    bound = 1 / np.sqrt(3)
    assert np.abs(article.params["weight_u"]).max() <= bound


def test_swapping_i_and_g_is_renaming_the_two_layers():
    rng = np.random.default_rng(2)
    standard = VariantLSTM(3, 5, rng=0)
    swapped = VariantLSTM(3, 5, gate={"i": "tanh"}, candidate="sigmoid", rng=1)
    swapped.load_state_dict(swap_gates(standard.state_dict(), "i", "g"))
    x = rng.normal(size=(7, 4, 3))
    np.testing.assert_allclose(swapped.forward(x)[0], standard.forward(x)[0], atol=1e-12)
    np.testing.assert_allclose(swapped.trace()["i"], standard.trace()["g"], atol=1e-12)


def test_swap_gates_copies_and_checks_names():
    state = VariantLSTM(2, 3, rng=0).state_dict()
    swapped = swap_gates(state, "f", "o")
    np.testing.assert_array_equal(swapped["bias_ih_l0"][3:6], state["bias_ih_l0"][9:12])
    np.testing.assert_array_equal(swapped["weight_hh_l0"][9:12], state["weight_hh_l0"][3:6])
    np.testing.assert_array_equal(swapped["weight_ih_l0"][0:3], state["weight_ih_l0"][0:3])
    assert swapped["weight_ih_l0"] is not state["weight_ih_l0"]
    back = swap_gates(swapped, "f", "o")
    np.testing.assert_array_equal(back["weight_ih_l0"], state["weight_ih_l0"])
    with pytest.raises(ValueError, match="gate name"):
        swap_gates(state, "i", "x")


def test_float32_stays_float32():
    model = VariantLSTM(2, 3, dtype=np.float32, output="article", rng=0)
    out, _ = model.forward(np.ones((3, 2, 2)))
    assert out.dtype == np.float32
    dx, _ = model.backward(np.ones_like(out))
    assert dx.dtype == np.float32 and model.grads["weight_u"].dtype == np.float32


def test_load_state_dict_from_lstm():
    lstm = LSTM(2, 3, rng=9)
    model = VariantLSTM(2, 3, output="identity", rng=0)
    model.load_state_dict(lstm.state_dict())
    np.testing.assert_array_equal(model.params["weight_hh_l0"], lstm.params["weight_hh_l0"])
    with pytest.raises(KeyError, match="weight_u"):
        VariantLSTM(2, 3, output="article").load_state_dict(lstm.state_dict())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gate": "relu"}, ValueError, "gate\\['i'\\]"),
        ({"gate": {"g": "tanh"}}, ValueError, "gate keys"),
        ({"gate": 3}, TypeError, "gate must be"),
        ({"candidate": "softmax"}, ValueError, "candidate"),
        ({"output": "relu"}, ValueError, "output"),
        ({"dtype": np.int64}, ValueError, "dtype"),
    ],
)
def test_bad_settings_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        VariantLSTM(2, 3, **kwargs)


def test_bad_calls_say_what_is_wrong():
    model = VariantLSTM(2, 3)
    with pytest.raises(RuntimeError, match="forward first"):
        model.backward(np.zeros((1, 1, 3)))
    with pytest.raises(RuntimeError, match="forward first"):
        model.trace()
    with pytest.raises(ValueError, match="layer must be 0"):
        model.trace(1)
    with pytest.raises(ValueError, match="input_size"):
        model.forward(np.zeros((4, 1, 5)))
    with pytest.raises(ValueError, match="h_0"):
        model.forward(np.zeros((4, 2, 2)), (np.zeros((1, 1, 3)), np.zeros((1, 2, 3))))
    with pytest.raises(TypeError, match="state"):
        model.forward(np.zeros((4, 2, 2)), np.zeros((1, 2, 3)))
    model.forward(np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="d_out"):
        model.backward(np.zeros((4, 2, 4)))
    with pytest.raises(ValueError, match="dc_n"):
        model.backward(np.zeros((4, 2, 3)), (None, np.zeros((2, 3))))
