"""The cell run step by step: unrolled, carousel, gate_step, hand-set weights, one trace."""

import math
from dataclasses import fields

import numpy as np
import pytest

from lstm_magnifier.cell import GIVEN, LSTMCell, Trace
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.probes import max_abs_diff
from lstm_magnifier.timelines import (
    SEQUENCES,
    WEIGHT_NAMES,
    carousel,
    constant_gate_timeline,
    gate_step,
    input_sequence,
    memory_half_life,
    over_time,
    run_cell,
    sequence_trace,
    steady_state,
    trace_at,
    unroll,
    weight_timeline,
)
from lstm_magnifier.weights import pin_gates

from cells import gate_cell, random_gates, weight_cell


def plain_weight_timeline(weights, x):
    """The one-unit cell's equations written out in plain NumPy (no package code)."""
    w = {k: np.array([weights[f"W_i{k}"], weights[f"W_h{k}"], weights[f"b_{k}"]]) for k in "ifgo"}
    h = c = 0.0
    out = {k: [] for k in "ifgoch"}
    for x_t in x:
        z = {k: w[k] @ [x_t, h, 1.0] for k in "ifgo"}
        i, f, o = (1 / (1 + np.exp(-z[k])) for k in "ifo")
        g = np.tanh(z["g"])
        c = f * c + i * g
        h = o * np.tanh(c)
        for k, v in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            out[k].append(v)
    return {k: np.array(v) for k, v in out.items()}


def test_gate_step_matches_lstm_cell(rng):
    for _ in range(25):
        gates = random_gates(rng)
        c_prev = rng.uniform(-3, 3)
        ours = gate_step(**gates, c_prev=c_prev)
        trace = gate_cell(**gates).step(np.zeros(1), (np.zeros(1), np.array([c_prev])))
        for key in ("i", "f", "g", "o", "learn", "forget", "c", "h"):
            np.testing.assert_allclose(ours[key], getattr(trace, key)[0], rtol=1e-12, atol=1e-12)
        assert ours["tanh_c"] == pytest.approx(math.tanh(ours["c"]))


def test_gate_step_at_the_ends_of_the_ranges():
    closed = gate_step(i=0.0, f=0.0, g=1.0, o=1.0, c_prev=2.0)
    assert closed["c"] == 0.0 and closed["h"] == 0.0  # forgets all, learns nothing
    carousel = gate_step(i=0.0, f=1.0, g=-1.0, o=1.0, c_prev=2.0)
    assert carousel["c"] == 2.0  # the constant error carousel: kept exactly
    assert gate_step(i=1.0, f=0.0, g=-1.0, o=0.0, c_prev=5.0)["c"] == -1.0


def test_gate_step_broadcasts_arrays():
    values = gate_step(i=np.array([0.0, 1.0]), f=0.5, g=0.5, o=1.0, c_prev=np.array([2.0, 2.0]))
    np.testing.assert_allclose(values["c"], [1.0, 1.5])


@pytest.mark.parametrize(
    "name, bad", [("i", 1.5), ("f", -0.1), ("g", -1.01), ("o", 2.0), ("i", np.nan)]
)
def test_gate_step_rejects_values_outside_the_gate_range(name, bad):
    gates = {"i": 0.5, "f": 0.5, "g": 0.5, "o": 0.5, name: bad}
    with pytest.raises(ValueError, match=name):
        gate_step(**gates, c_prev=0.0)


def test_half_life_halves_the_old_memory():
    for f in (0.3, 0.9, 0.99):
        assert f ** memory_half_life(f) == pytest.approx(0.5)
    assert memory_half_life(1.0) == math.inf
    assert memory_half_life(0.0) == 0.0
    with pytest.raises(ValueError, match="f"):
        memory_half_life(1.2)


def test_steady_state_is_where_the_memory_settles():
    long_run = constant_gate_timeline(f=0.8, i=0.5, g=-0.6, o=1.0, steps=500, c0=3.0)
    assert long_run["c"][-1] == pytest.approx(steady_state(0.5, -0.6, 0.8))
    assert long_run["steady_state"] == pytest.approx(0.5 * -0.6 / 0.2)
    assert math.isnan(steady_state(0.5, 0.5, 1.0))


def test_constant_gate_timeline_matches_stepping_a_cell(rng):
    for _ in range(10):
        gates = random_gates(rng)
        c0, steps = rng.uniform(-3, 3), int(rng.integers(1, 60))
        ours = constant_gate_timeline(**gates, steps=steps, c0=c0)
        cell = gate_cell(**gates)
        state = (np.zeros(1), np.array([c0]))
        c, h = [], []
        for _ in range(steps):
            trace = cell.step(np.zeros(1), state)
            state = trace.state
            c.append(trace.c[0])
            h.append(trace.h[0])
        assert ours["c"].shape == ours["h"].shape == (steps,)
        np.testing.assert_allclose(ours["c"], c, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours["h"], h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours["kept"], c0 * gates["f"] ** np.arange(1, steps + 1))


def test_constant_gate_timeline_with_f_one_never_forgets():
    timeline = constant_gate_timeline(f=1.0, i=1.0, g=0.5, o=1.0, steps=4, c0=1.0)
    np.testing.assert_allclose(timeline["c"], [1.5, 2.0, 2.5, 3.0])
    assert timeline["half_life"] == math.inf


def test_weight_timeline_matches_stepping_a_cell(rng):
    for name in SEQUENCES:
        weights = {key: rng.uniform(-6, 6) for key in WEIGHT_NAMES}
        x = input_sequence(name, 25)
        ours = weight_timeline(weights, x)
        cell, state = weight_cell(weights), None
        for t in range(len(x)):
            trace = cell.step(x[t : t + 1], state)
            state = trace.state
            for key in "ifgoch":
                assert ours[key][t] == pytest.approx(getattr(trace, key)[0], abs=1e-12)
        plain = plain_weight_timeline(weights, x)
        for key in "ifgoch":
            np.testing.assert_allclose(ours[key], plain[key], rtol=1e-9, atol=1e-12)


def test_weight_timeline_needs_every_weight():
    with pytest.raises(KeyError, match="W_hf"):
        weight_timeline({k: 0.0 for k in WEIGHT_NAMES if k != "W_hf"}, np.zeros(3))


def test_input_sequences():
    np.testing.assert_array_equal(np.flatnonzero(input_sequence("pulse", 10)), [2])
    np.testing.assert_array_equal(np.flatnonzero(input_sequence("two pulses", 10)), [2, 7])
    np.testing.assert_array_equal(input_sequence("step", 5), [0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="sequence"):
        input_sequence("saw", 10)


@pytest.mark.parametrize("layer, batch", [(0, 1), (1, 0)])
def test_sequence_trace_is_the_model_trace_of_one_batch_item(layer, batch):
    rng = np.random.default_rng(11)
    model = LSTM(3, 5, num_layers=2, dtype=np.float32, rng=rng)
    x = rng.normal(size=(9, 2, 3)).astype(np.float32)
    state = tuple(rng.normal(size=(2, 2, 2, 5)).astype(np.float32))  # (h_0, c_0)
    trace = sequence_trace(model, x, layer=layer, batch=batch, state=state)
    assert isinstance(trace, Trace)
    model.forward(x, state)
    expected = model.trace(layer)
    for field in fields(Trace):
        ours = getattr(trace, field.name)
        assert ours.dtype == np.float64, field.name
        np.testing.assert_array_equal(ours, getattr(expected, field.name)[:, batch])
    np.testing.assert_array_equal(trace.h_prev[0], state[0][layer, batch])  # the given state
    np.testing.assert_array_equal(trace.c_prev[0], state[1][layer, batch])
    np.testing.assert_array_equal(trace_at(trace, 4).c, trace.c[3])
    for bad in (0, 10, 2.0, True):
        with pytest.raises(ValueError, match=r"t must be a whole number in \[1, 9\]"):
            trace_at(trace, bad)


# --------------------------------------------------------------------------- the recurrence


@pytest.mark.parametrize("batched", [True, False])
def test_unroll_equals_the_fast_lstm(batched):
    rng = np.random.default_rng(2)
    T, B, D, H = 6, 3, 2, 4
    lstm = LSTM(D, H, forget_bias=1.0, rng=rng)
    x = rng.normal(size=(T, B, D) if batched else (T, D))
    state_shape = (B, H) if batched else (H,)
    h0, c0 = rng.normal(size=state_shape), rng.normal(size=state_shape)
    out, (h_n, c_n) = lstm.forward(x, (h0[None], c0[None]))
    traces = unroll(lstm.cell(0), x, (h0, c0))
    assert len(traces) == T
    np.testing.assert_allclose(over_time(traces, "h"), out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(over_time(traces, "c"), lstm.trace(0).c, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(traces[-1].c, c_n[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(traces[0].h_prev, h0)
    np.testing.assert_array_equal(traces[1].h_prev, traces[0].h)


def test_unroll_and_over_time_check_their_arguments():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match="2 features"):
        unroll(cell, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="dimensions"):
        unroll(cell, np.zeros(4))
    with pytest.raises(TypeError, match="LSTMCell"):
        unroll("cell", np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at least one time step"):
        unroll(cell, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="non-empty"):
        over_time([], "h")
    with pytest.raises(ValueError, match="Trace field"):
        over_time(unroll(cell, np.zeros((2, 2))), "z")


def test_constant_error_carousel_in_a_real_cell_is_exact():
    rng = np.random.default_rng(2)
    cell = pin_gates(LSTMCell(3, 4, rng=3), f=1.0, i=0.0)
    c0 = rng.normal(size=4)
    run = run_cell(cell, rng.normal(size=(1000, 3)), (np.zeros(4), c0))
    assert isinstance(run, Trace)
    np.testing.assert_array_equal(run.c, np.broadcast_to(c0, (1000, 4)))
    assert run.h.shape == (1000, 4) and run.x.shape == (1000, 3)


def test_run_cell_chains_steps_like_step_by_hand():
    rng = np.random.default_rng(4)
    cell = LSTMCell(2, 3, rng=5)
    x = rng.normal(size=(6, 2, 2))
    run = run_cell(cell, x)
    state = None
    for t in range(6):
        trace = cell.step(x[t], state)
        for name, value in vars(trace).items():
            np.testing.assert_array_equal(getattr(run, name)[t], value, err_msg=name)
        state = trace.state
    np.testing.assert_array_equal(run.h_prev[1:], run.h[:-1])


def test_run_cell_agrees_with_the_fused_lstm():
    rng = np.random.default_rng(6)
    lstm = LSTM(3, 5, rng=7)
    x = rng.normal(size=(8, 2, 3))
    out, (h_n, c_n) = lstm.forward(x)
    run = run_cell(lstm.cell(0), x)
    assert max_abs_diff(run.h, out) < 1e-13 and max_abs_diff(run.c[-1], c_n[0]) < 1e-13
    for name, value in vars(lstm.trace()).items():
        assert max_abs_diff(getattr(run, name), value) < 1e-13, name


def test_run_cell_errors():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match="dimensions"):
        run_cell(cell, np.zeros(2))
    with pytest.raises(ValueError, match="at least one time step"):
        run_cell(cell, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="2 features"):
        run_cell(cell, np.zeros((3, 5)))
    with pytest.raises(TypeError, match="LSTMCell"):
        run_cell("cell", np.zeros((1, 2)))


def test_carousel_closed_forms():
    keep = carousel(np.array([0.3, -2.0]), 1000, f=1.0, i=0.0, g=0.9)
    np.testing.assert_array_equal(keep, np.broadcast_to([0.3, -2.0], (1001, 2)))
    fade = carousel(1.0, 50, f=np.array([0.9, 0.5]))
    np.testing.assert_allclose(fade[:, 0], 0.9 ** np.arange(51), rtol=1e-13)
    grow = carousel(0.0, 100, f=1.0, i=1.0, g=0.25)
    np.testing.assert_array_equal(grow, 0.25 * np.arange(101))
    settle = carousel(0.0, 2000, f=0.9, i=1.0, g=0.25)
    assert abs(settle[-1] - 2.5) < 1e-12 and settle.max() <= 2.5 + 1e-12


def test_carousel_runs_the_remember_equation_with_the_gates_given():
    rng = np.random.default_rng(12)
    f, i, g = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3), rng.uniform(-1, 1, 3)
    c0 = rng.normal(size=3)
    c = carousel(c0, 5, f=f, i=i, g=g)
    for t in range(1, 6):
        np.testing.assert_array_equal(c[t], f * c[t - 1] + i * g)
    assert GIVEN.i == GIVEN.f == GIVEN.g == "identity"


def test_carousel_errors():
    with pytest.raises(ValueError, match=r"f must lie in \[0, 1\]"):
        carousel(1.0, 3, f=1.2)
    with pytest.raises(ValueError, match="broadcast"):
        carousel(np.zeros(3), 3, f=np.ones(2))
    with pytest.raises(ValueError, match="steps"):
        carousel(1.0, 0, f=1.0)
