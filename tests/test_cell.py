"""The one cell: its four networks, step and step_backward, Trace, and LSTMCell (shapes, init,
state dict, clear errors)."""

import warnings

import numpy as np
import pytest

from lstm_magnifier.cell import (
    STANDARD,
    LSTMCell,
    Trace,
    Variant,
    forget_network,
    learn_network,
    remember_network,
    sigmoid,
    step,
    step_backward,
    use_network,
    use_network_article,
    weight_gradients,
)
from lstm_magnifier.gradcheck import gradient_check
from lstm_magnifier.lstm import LSTM


# --------------------------------------------------------------------------- the four networks
def test_sigmoid_matches_definition_and_is_stable():
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=0, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extreme = sigmoid(np.array([-1e300, -1e6, 1e6, 1e300]))
    np.testing.assert_array_equal(extreme, [0.0, 0.0, 1.0, 1.0])
    assert sigmoid(np.float32(2.0)).dtype == np.float32


def test_composition_of_the_four_networks_equals_cell_step_exactly():
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 5, forget_bias=1.0, rng=rng)
    x, h_prev, c_prev = rng.normal(size=(4, 3)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    z = cell.preactivations(x, h_prev)
    learn, i, g = learn_network(z["i"], z["g"])
    forget, f = forget_network(c_prev, z["f"])
    c = remember_network(forget, learn)
    h, o, read = use_network(c, z["o"])
    trace = cell.step(x, (h_prev, c_prev))
    values = dict(i=i, f=f, g=g, o=o, learn=learn, forget=forget, c=c, read=read, h=h)
    for name, value in values.items():
        np.testing.assert_array_equal(getattr(trace, name), value, err_msg=name)


def test_preactivations_are_the_four_gate_layers():
    rng = np.random.default_rng(4)
    cell = LSTMCell(3, 2, rng=5)
    x, h_prev = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    z = cell.preactivations(x, h_prev)
    assert list(z) == ["i", "f", "g", "o"]
    for name, value in z.items():
        W_x, W_h, b = cell.gate_weights(name)
        np.testing.assert_allclose(value, x @ W_x.T + h_prev @ W_h.T + b, rtol=0, atol=1e-14)


def test_networks_against_written_out_equations():
    rng = np.random.default_rng(1)
    z_i, z_f, z_g, z_o, c_prev = rng.normal(size=(5, 2))
    forget, f = forget_network(c_prev, z_f)
    np.testing.assert_allclose(f, 1 / (1 + np.exp(-z_f)), atol=1e-15)
    np.testing.assert_allclose(forget, f * c_prev, atol=1e-15)
    learn, i, g = learn_network(z_i, z_g)
    np.testing.assert_allclose(i, 1 / (1 + np.exp(-z_i)), atol=1e-15)
    np.testing.assert_allclose(g, np.tanh(z_g), atol=1e-15)
    np.testing.assert_allclose(learn, i * g, atol=1e-15)
    c = remember_network(forget, learn)
    np.testing.assert_array_equal(c, forget + learn)
    h, o, read = use_network(c, z_o)
    np.testing.assert_allclose(o, 1 / (1 + np.exp(-z_o)), atol=1e-15)
    np.testing.assert_allclose(read, np.tanh(c), atol=1e-15)
    np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-15)


def test_networks_follow_the_variant():
    rng = np.random.default_rng(3)
    z_i, z_f, z_g, z_o, c = rng.normal(size=(5, 4))
    variant = Variant(i="one", f="tanh", g="identity", o="identity", read="sigmoid")
    learn, i, g = learn_network(z_i, z_g, variant)
    np.testing.assert_array_equal(i, 1.0)
    np.testing.assert_array_equal(learn, z_g)
    forget, f = forget_network(c, z_f, variant)
    np.testing.assert_allclose(f, np.tanh(z_f), atol=1e-15)
    h, o, read = use_network(c, z_o, variant)
    np.testing.assert_array_equal(o, z_o)
    np.testing.assert_allclose(read, 1 / (1 + np.exp(-c)), atol=1e-15)
    np.testing.assert_allclose(h, z_o * read, atol=1e-15)
    with pytest.raises(ValueError, match="must be one of"):
        Variant(i="relu")
    with pytest.raises(ValueError, match="read"):
        Variant(read="softmax")


def test_article_use_network_reads_only_the_forget_output():
    rng = np.random.default_rng(2)
    W_u, b_u = rng.normal(size=(2, 2)), rng.normal(size=2)
    forget, z_o = rng.normal(size=2), rng.normal(size=2)
    h, o, u = use_network_article(forget, z_o, (W_u, b_u))
    np.testing.assert_allclose(u, np.tanh(W_u @ forget + b_u), atol=1e-15)
    np.testing.assert_allclose(h, u * o, atol=1e-15)
    _, o_std, _ = use_network(forget, z_o)
    np.testing.assert_array_equal(o, o_std)


def test_use_reads_picks_the_memory_the_use_network_reads():
    assert STANDARD.use_reads == "c" and Variant(read="article").use_reads == "forget"
    rng = np.random.default_rng(8)
    W_ih, W_hh, b = rng.normal(size=(12, 2)), rng.normal(size=(12, 3)), rng.normal(size=12)
    x, h_prev = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    c_prev = 3 * rng.normal(size=(4, 3))
    standard = step(x, h_prev, c_prev, W_ih, W_hh, b)
    z_i, z_f, z_g, z_o = np.split(x @ W_ih.T + h_prev @ W_hh.T + b, 4, axis=-1)
    f, o = 1 / (1 + np.exp(-z_f)), 1 / (1 + np.exp(-z_o))
    for read, psi in (("tanh", np.tanh), ("identity", lambda m: m)):
        variant = Variant(read=read, use_reads="forget")
        trace = step(x, h_prev, c_prev, W_ih, W_hh, b, variant=variant)
        np.testing.assert_allclose(trace.h, o * psi(f * c_prev), rtol=0, atol=1e-14)
        np.testing.assert_allclose(trace.read, psi(f * c_prev), rtol=0, atol=1e-14)
        np.testing.assert_array_equal(trace.c, standard.c)  # the memory itself is unchanged
    assert np.abs(trace.h).max() > 1  # o * (f * c_prev) is not bounded by 1


@pytest.mark.parametrize("bad", ["h", "C", "forget_network", 0])
def test_use_reads_names_a_bad_value_and_the_allowed_ones(bad):
    with pytest.raises(ValueError, match=f"use_reads must be one of 'c', 'forget'; got {bad!r}"):
        Variant(use_reads=bad)


@pytest.mark.parametrize("bad", ["x", "q", 0])
def test_gate_weights_rejects_unknown_gate(bad):
    with pytest.raises(ValueError, match="gate name"):
        LSTMCell(2, 2, rng=0).gate_weights(bad)


# --------------------------------------------------------------------------- Trace
def test_trace_stack_adds_a_time_axis_and_at_takes_it_away():
    rng = np.random.default_rng(6)
    cell = LSTMCell(2, 3, rng=7)
    traces, state = [], None
    for x_t in rng.normal(size=(4, 5, 2)):
        traces.append(cell.step(x_t, state))
        state = traces[-1].state
    stacked = Trace.stack(traces)
    assert stacked.h.shape == (4, 5, 3) and stacked.x.shape == (4, 5, 2)
    np.testing.assert_array_equal(stacked.h_prev[1:], stacked.h[:-1])
    for t, trace in enumerate(traces):
        for name, value in vars(stacked.at(t)).items():
            np.testing.assert_array_equal(value, getattr(trace, name), err_msg=name)
    np.testing.assert_array_equal(stacked.at((slice(None), 2)).c, stacked.c[:, 2])


# --------------------------------------------------------------------------- step_backward
BACKWARD_VARIANTS = [
    STANDARD,
    Variant(i="tanh", g="sigmoid"),
    Variant(f="one", o="identity", read="identity"),
    Variant(read="article"),
    Variant(i="one", g="identity", read="article"),
    Variant(use_reads="forget"),  # chapter 11: o * tanh(f * c_prev)
    Variant(read="identity", use_reads="forget"),  # and o * (f * c_prev)
    Variant(read="article", use_reads="c"),  # W_u on the new memory
]


@pytest.mark.parametrize("variant", BACKWARD_VARIANTS, ids=str)
def test_step_backward_matches_finite_differences(variant):
    rng = np.random.default_rng(3)
    B, D, H = 2, 2, 3
    x, h, c = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    weight_ih, weight_hh = rng.normal(size=(4 * H, D)), rng.normal(size=(4 * H, H))
    bias, use_layer = rng.normal(size=4 * H), None
    if variant.read == "article":
        use_layer = (rng.normal(size=(H, H)), rng.normal(size=H))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    kwargs = {"variant": variant, "use_layer": use_layer}

    def loss():
        trace = step(x, h, c, weight_ih, weight_hh, bias, **kwargs)
        return np.sum(dh * trace.h) + np.sum(dc * trace.c)

    trace = step(x, h, c, weight_ih, weight_hh, bias, **kwargs)
    grads = step_backward(trace, dh, dc, weight_ih, weight_hh, **kwargs)
    memory = getattr(trace, variant.use_reads)
    use = {"dz_u": grads["dz_u"], "memory": memory} if use_layer is not None else {}
    grads.update(weight_gradients(grads["dz"], x, h, **use))
    analytic = {"x": grads["dx"], "h": grads["dh_prev"], "c": grads["dc_prev"]}
    analytic.update({name: grads[name] for name in ("weight_ih", "weight_hh", "bias")})
    arrays = {"x": x, "h": h, "c": c, "weight_ih": weight_ih, "weight_hh": weight_hh, "bias": bias}
    if use_layer is not None:
        arrays.update(weight_u=use_layer[0], bias_u=use_layer[1])
        analytic.update(weight_u=grads["weight_u"], bias_u=grads["bias_u"])
    errors = gradient_check(loss, arrays, analytic)
    assert max(errors.values()) < 1e-8, errors
    assert grads["dz"].shape == (B, 4 * H)
    np.testing.assert_allclose(grads["bias"], grads["dz"].sum(axis=0))


def test_step_backward_gives_forget_gate_times_dc_when_dh_is_zero():
    rng = np.random.default_rng(5)
    cell = LSTMCell(2, 3, rng=6)
    trace = cell.step(rng.normal(size=(4, 2)), (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))))
    dc = rng.normal(size=(4, 3))
    grads = step_backward(trace, np.zeros((4, 3)), dc, cell.weight_ih, cell.weight_hh)
    np.testing.assert_allclose(grads["dc_prev"], dc * trace.f)  # the long-term memory's path


def test_step_backward_without_weight_ih_leaves_dx_to_the_caller():
    rng = np.random.default_rng(7)
    cell = LSTMCell(2, 3, rng=8)
    trace = cell.step(rng.normal(size=(4, 2)), (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))))
    dh, dc = rng.normal(size=(2, 4, 3))
    full = step_backward(trace, dh, dc, cell.weight_ih, cell.weight_hh)
    part = step_backward(trace, dh, dc, None, cell.weight_hh)
    assert "dx" not in part and set(full) == set(part) | {"dx"}
    for key in part:
        np.testing.assert_array_equal(part[key], full[key])
    np.testing.assert_allclose(full["dx"], part["dz"] @ cell.weight_ih)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("output", ["tanh", "article"])
def test_a_loop_over_step_and_step_backward_is_lstm_backward(seed, output):
    rng = np.random.default_rng(seed)
    T, B, D, H = 6, 3, 3, 4
    model = LSTM(D, H, output=output, rng=seed + 1)
    x, d_out = rng.normal(size=(T, B, D)), rng.normal(size=(T, B, H))
    h0, c0 = rng.normal(size=(1, B, H)), rng.normal(size=(1, B, H))
    model.forward(x, (h0, c0))
    dx, (dh0, dc0) = model.backward(d_out)
    # the same by hand: forward through every step, then backward from the last
    p = model.params
    weights = {"weight_ih": p["weight_ih_l0"], "weight_hh": p["weight_hh_l0"]}
    use_layer = (p["weight_u_l0"], p["bias_u_l0"]) if output == "article" else None
    kwargs = {"variant": model.variant, "use_layer": use_layer}
    bias = p["bias_ih_l0"] + p["bias_hh_l0"]
    traces, h, c = [], h0[0], c0[0]
    for t in range(T):
        traces.append(step(x[t], h, c, **weights, bias=bias, **kwargs))
        h, c = traces[-1].state
    sums = dict.fromkeys(("weight_ih", "weight_hh", "bias", "weight_u", "bias_u"), 0.0)
    dx_by_hand, dh, dc = np.zeros_like(x), np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        grads = step_backward(traces[t], d_out[t] + dh, dc, **weights, **kwargs)
        use = {"dz_u": grads.get("dz_u"), "memory": traces[t].forget}
        grads.update(weight_gradients(grads["dz"], traces[t].x, traces[t].h_prev, **use))
        for name in sums:
            sums[name] = sums[name] + grads.get(name, 0.0)
        dx_by_hand[t], dh, dc = grads["dx"], grads["dh_prev"], grads["dc_prev"]
    expected = {"weight_ih_l0": sums["weight_ih"], "weight_hh_l0": sums["weight_hh"]}
    expected.update(bias_ih_l0=sums["bias"], bias_hh_l0=sums["bias"])
    if output == "article":
        expected.update(weight_u_l0=sums["weight_u"], bias_u_l0=sums["bias_u"])
    assert set(expected) == set(model.grads)
    for name, grad in expected.items():
        np.testing.assert_allclose(model.grads[name], grad, rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(dx, dx_by_hand, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dh0[0], dh, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dc0[0], dc, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- LSTMCell


def test_shapes_init_range_and_forget_bias():
    cell = LSTMCell(3, 4, forget_bias=1.0, rng=0)
    assert cell.weight_ih.shape == (16, 3) and cell.weight_hh.shape == (16, 4)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (16,)
    bound = 1 / np.sqrt(4)
    assert np.abs(cell.weight_ih).max() <= bound and np.abs(cell.weight_hh).max() <= bound
    assert np.all(cell.bias_ih[4:8] > 1 - bound) and np.abs(cell.bias_ih[:4]).max() <= bound


def test_step_trace_batched_and_unbatched_agree():
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 4, rng=rng)
    x = rng.normal(size=(2, 3))
    batched = cell.step(x)
    single = cell.step(x[1])
    assert batched.h.shape == (2, 4) and single.h.shape == (4,)
    np.testing.assert_allclose(single.c, batched.c[1], atol=1e-15)
    np.testing.assert_array_equal(batched.c_prev, 0)
    assert batched.state[0] is batched.h


def test_step_with_state_chains():
    rng = np.random.default_rng(1)
    cell = LSTMCell(2, 3, rng=rng)
    first = cell.step(rng.normal(size=2))
    second = cell.step(rng.normal(size=2), first.state)
    np.testing.assert_array_equal(second.h_prev, first.h)
    np.testing.assert_array_equal(second.c_prev, first.c)


def test_float32_is_kept():
    cell = LSTMCell(2, 3, dtype=np.float32, rng=0)
    trace = cell.step(np.ones(2))
    assert cell.weight_ih.dtype == np.float32
    assert all(getattr(trace, n).dtype == np.float32 for n in ("i", "f", "g", "o", "c", "h"))


def test_state_dict_round_trip_copies():
    a, b = LSTMCell(2, 3, rng=0), LSTMCell(2, 3, rng=1)
    b.load_state_dict(a.state_dict())
    x = np.ones(2)
    np.testing.assert_array_equal(a.step(x).h, b.step(x).h)
    sd = a.state_dict()
    sd["weight_ih"][:] = 0
    assert np.any(a.weight_ih != 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(input_size=0, hidden_size=3), ValueError, "input_size"),
        (dict(input_size=2, hidden_size=-1), ValueError, "hidden_size"),
        (dict(input_size=2.5, hidden_size=3), TypeError, "input_size"),
        (dict(input_size=2, hidden_size=3, dtype=np.int64), ValueError, "dtype"),
    ],
)
def test_bad_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        LSTMCell(**kwargs)


def test_bad_step_inputs():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match=r"2 features .*input_size.*got 5"):
        cell.step(np.ones(5))
    with pytest.raises(ValueError, match="dimensions"):
        cell.step(np.ones((1, 1, 2)))
    with pytest.raises(ValueError, match="finite"):
        cell.step(np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match=r"h_prev must have shape \(3,\)"):
        cell.step(np.ones(2), (np.ones(4), np.ones(3)))
    with pytest.raises(TypeError, match="pair"):
        cell.step(np.ones(2), np.ones(3))


def test_bad_state_dict_names_the_key():
    cell = LSTMCell(2, 3, rng=0)
    sd = cell.state_dict()
    with pytest.raises(KeyError, match="bias_hh"):
        cell.load_state_dict({k: v for k, v in sd.items() if k != "bias_hh"})
    with pytest.raises(KeyError, match="extra_weight"):
        cell.load_state_dict({**sd, "extra_weight": np.ones(1)})
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(12, 3\)"):
        cell.load_state_dict({**sd, "weight_hh": np.ones((12, 4))})


def test_weight_attributes_write_in_place():
    cell = LSTMCell(2, 3, rng=0)
    bias = cell.params["bias_ih"]
    cell.bias_ih += 1.0
    cell.weight_hh = np.zeros((12, 3))
    assert cell.params["bias_ih"] is bias
    np.testing.assert_array_equal(cell.params["weight_hh"], 0)
    with pytest.raises(ValueError):
        cell.weight_ih = np.zeros((5, 5))


def test_assigning_a_weight_checks_it():
    cell = LSTMCell(2, 3, rng=0)
    weight = cell.weight_ih
    with pytest.raises(ValueError, match=r"'weight_ih' must have shape \(12, 2\), got \(1, 2\)"):
        cell.weight_ih = np.zeros((1, 2))  # would broadcast to every row
    with pytest.raises(ValueError, match=r"'bias_hh' must have shape \(12,\), got \(3,\)"):
        cell.params["bias_hh"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"'bias_ih' must be finite"):
        cell.bias_ih = np.full(12, np.inf)
    with pytest.raises(TypeError, match=r"'weight_hh' must hold floating-point numbers.*int64"):
        cell.weight_hh = np.zeros((12, 3), dtype=np.int64)
    with pytest.raises(TypeError, match=r"'weight_hh' must be real.*complex128"):
        cell.weight_hh = np.zeros((12, 3)) + 1j
    with pytest.raises(KeyError, match=r"'weight_x'.*'weight_ih', 'weight_hh'"):
        cell.params["weight_x"] = np.zeros((12, 2))
    assert cell.weight_ih is weight and np.all(np.isfinite(weight))
    cell.weight_ih = np.ones((12, 2), dtype=np.float32)
    assert cell.params["weight_ih"] is weight and np.all(weight == 1.0)


def test_complex_event_is_refused():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(TypeError, match=r"x must be real.*complex128"):
        cell.step(np.ones(2) + 1j)
    with pytest.raises(TypeError, match=r"h_prev must be real"):
        cell.step(np.ones(2), (np.zeros(3) + 1j, np.zeros(3)))


# --------------------------------------------------------------------------- chapter 16's variants
def random_step_inputs(seed, B=2, D=2, H=3):
    rng = np.random.default_rng(seed)
    x, h, c = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    weights = rng.normal(size=(4 * H, D)), rng.normal(size=(4 * H, H)), rng.normal(size=4 * H)
    peepholes = tuple(rng.normal(size=H) for _ in range(3))
    return x, h, c, weights, peepholes


def test_coupled_gates_write_the_share_they_forget():
    x, h, c, weights, _ = random_step_inputs(11)
    trace = step(x, h, c, *weights, variant=Variant(coupled=True))
    np.testing.assert_array_equal(trace.i, 1.0 - trace.f)
    np.testing.assert_array_equal(trace.c, trace.f * c + (1.0 - trace.f) * trace.g)
    other = weights[0].copy(), weights[1].copy(), weights[2].copy()
    for w in other:
        w[:3] = 99.0  # the input gate's own layer: unused
    np.testing.assert_array_equal(step(x, h, c, *other, variant=Variant(coupled=True)).h, trace.h)
    standard = step(x, h, c, *weights)
    np.testing.assert_array_equal(trace.f, standard.f)  # only i changed
    assert not np.allclose(trace.i, standard.i)


def test_peepholes_are_the_written_out_equations():
    x, h, c, (W_ih, W_hh, b), (w_ci, w_cf, w_co) = random_step_inputs(12)
    trace = step(x, h, c, W_ih, W_hh, b, peepholes=(w_ci, w_cf, w_co))
    z = x @ W_ih.T + h @ W_hh.T + b
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
    i, f = sigmoid(z_i + w_ci * c), sigmoid(z_f + w_cf * c)
    c_new = f * c + i * np.tanh(z_g)
    o = sigmoid(z_o + w_co * c_new)  # o reads the new memory
    for name, value in dict(i=i, f=f, c=c_new, o=o, h=o * np.tanh(c_new)).items():
        np.testing.assert_allclose(getattr(trace, name), value, rtol=0, atol=1e-14, err_msg=name)
    zeros = tuple(np.zeros(3) for _ in range(3))
    plain, peeping = step(x, h, c, W_ih, W_hh, b), step(x, h, c, W_ih, W_hh, b, peepholes=zeros)
    for name in ("i", "f", "o", "c", "h"):
        np.testing.assert_array_equal(getattr(peeping, name), getattr(plain, name))


PEEPHOLE_VARIANTS = [
    STANDARD,
    Variant(coupled=True),
    Variant(use_reads="forget"),
    Variant(read="article", use_reads="c"),
    Variant(coupled=True, read="identity"),
]


@pytest.mark.parametrize("peep", [False, True])
@pytest.mark.parametrize("variant", PEEPHOLE_VARIANTS, ids=str)
def test_peepholes_and_coupled_gates_match_finite_differences(variant, peep):
    x, h, c, (weight_ih, weight_hh, bias), peepholes = random_step_inputs(13)
    rng = np.random.default_rng(14)
    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    use_layer = (rng.normal(size=(3, 3)), rng.normal(size=3)) if variant.read == "article" else None
    kwargs = {"variant": variant, "use_layer": use_layer, "peepholes": peepholes if peep else None}

    def loss():
        trace = step(x, h, c, weight_ih, weight_hh, bias, **kwargs)
        return np.sum(dh * trace.h) + np.sum(dc * trace.c)

    trace = step(x, h, c, weight_ih, weight_hh, bias, **kwargs)
    grads = step_backward(trace, dh, dc, weight_ih, weight_hh, **kwargs)
    use = {"dz_u": grads.get("dz_u"), "memory": getattr(trace, variant.use_reads)}
    memories = {"c_prev": trace.c_prev, "c": trace.c} if peep else {}
    grads.update(weight_gradients(grads["dz"], x, h, **use, **memories))
    arrays = {"x": x, "h": h, "c": c, "weight_ih": weight_ih, "weight_hh": weight_hh}
    analytic = {"x": grads["dx"], "h": grads["dh_prev"], "c": grads["dc_prev"]}
    analytic.update(weight_ih=grads["weight_ih"], weight_hh=grads["weight_hh"])
    if peep:
        arrays.update(zip(("weight_ci", "weight_cf", "weight_co"), peepholes, strict=True))
        analytic.update({k: grads[k] for k in ("weight_ci", "weight_cf", "weight_co")})
    else:
        assert "weight_ci" not in grads
    errors = gradient_check(loss, arrays, analytic)
    assert max(errors.values()) < 1e-8, errors
    if variant.coupled:  # z_i is not used: no gradient reaches it
        np.testing.assert_array_equal(grads["dz"][:, :3], 0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"coupled": True, "i": "tanh"}, ValueError, "i must stay 'sigmoid'"),
        ({"coupled": "yes"}, ValueError, "coupled"),
        ({"coupled": None}, ValueError, "coupled"),
    ],
)
def test_bad_coupled_settings_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        Variant(**kwargs)
