"""Cell variants (chapters 8, 9, 11): their equations, old numbers, gradients, and ablations.

``LSTM(D, H, gate=..., candidate=..., output=...)`` replaced the separate ``VariantLSTM``;
these tests hold every variant to its equations written out by hand, to numbers the old
``VariantLSTM`` computed, and to finite differences. Then lstm_magnifier.variants: seeds
make its ablation runs repeatable and paired, and its summaries say what was run.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_magnifier.cell import CELL_ACTIVATIONS, STANDARD, Variant
from lstm_magnifier.gradcheck import check_module_gradients, gradient_check
from lstm_magnifier.losses import mse
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense
from lstm_magnifier.tasks import adding_task, recall_task
from lstm_magnifier.variants import (
    AblationResult,
    run_ablation,
    running_mean,
    steps_to,
    swap_gates,
    variant_model,
)

NAMES = CELL_ACTIVATIONS
OUTPUTS = (*NAMES, "article")
PHI = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "identity": lambda z: z,
    "one": np.ones_like,
}


def activations(gate, candidate, output, use_reads=None):
    """The activation name of i, f, g, o and of the read-out, and the memory the read-out
    reads (``"c"`` or ``"forget"``), from LSTM's arguments."""
    if isinstance(gate, str):
        gate = dict.fromkeys("ifo", gate)
    if use_reads is None:
        use_reads = "forget" if output == "article" else "c"
    names = {**dict.fromkeys("ifo", "sigmoid"), **gate, "g": candidate, "read": output}
    return {**names, "use_reads": use_reads}


def written_out(model, x, h0, c0, names):
    """Every layer and step of the variant, one equation a line; returns ``out``, ``(h_n, c_n)``
    and per layer a dict of ``(T, B, H)`` values."""
    p, layers, h_n, c_n = model.params, [], [], []
    for k in range(model.num_layers):
        W_ih, W_hh = p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"]
        b = p[f"bias_ih_l{k}"] + p[f"bias_hh_l{k}"]
        h, c, seen = h0[k], c0[k], {name: [] for name in ("i", "f", "g", "o", "c", "read", "h")}
        for x_t in x:
            z_i, z_f, z_g, z_o = np.split(x_t @ W_ih.T + h @ W_hh.T + b, 4, axis=-1)
            i, f = PHI[names["i"]](z_i), PHI[names["f"]](z_f)
            g, o = PHI[names["g"]](z_g), PHI[names["o"]](z_o)
            c_new = f * c + i * g
            m = c_new if names["use_reads"] == "c" else f * c  # what the use network reads
            if names["read"] == "article":  # u = tanh(W_u m + b_u), m = f * c_prev by default
                read = np.tanh(m @ p[f"weight_u_l{k}"].T + p[f"bias_u_l{k}"])
            else:  # psi(m), m = c_t by default
                read = PHI[names["read"]](m)
            h, c = o * read, c_new
            for name, value in dict(i=i, f=f, g=g, o=o, c=c, read=read, h=h).items():
                seen[name].append(value)
        layers.append({name: np.stack(values) for name, values in seen.items()})
        h_n.append(h)
        c_n.append(c)
        x = layers[-1]["h"]
    return x, (np.stack(h_n), np.stack(c_n)), layers


def assert_written_out(model, x, state, names):
    # rtol 1e-10: with identity gates the values can grow to 1e65 in six steps of two
    # layers, and rounding differences grow with them (1.8e-12 seen): still exact for a cell
    out, (h_n, c_n) = model.forward(x, state)
    expected_out, (expected_h, expected_c), layers = written_out(model, x, *state, names)
    for got, want in ((out, expected_out), (h_n, expected_h), (c_n, expected_c)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    for k, values in enumerate(layers):
        trace = model.trace(k)
        for name, value in values.items():
            np.testing.assert_allclose(
                getattr(trace, name), value, rtol=1e-10, atol=1e-12, err_msg=name
            )


@pytest.mark.parametrize(
    ("gate", "candidate", "output"), list(itertools.product(NAMES, NAMES, OUTPUTS))
)
def test_every_setting_computes_its_equations(gate, candidate, output):
    rng = np.random.default_rng(1)
    model = LSTM(3, 4, 2, gate=gate, candidate=candidate, output=output, forget_bias=0.5, rng=2)
    x = 2 * rng.normal(size=(5, 2, 3))
    state = (rng.normal(size=(2, 2, 4)), rng.normal(size=(2, 2, 4)))
    assert_written_out(model, x, state, activations(gate, candidate, output))


@pytest.mark.parametrize(
    ("output", "use_reads"), [(o, "forget") for o in NAMES] + [("article", "c")]
)
def test_use_reads_computes_its_equations(output, use_reads):
    rng = np.random.default_rng(6)
    model = LSTM(3, 4, 2, output=output, use_reads=use_reads, forget_bias=0.5, rng=7)
    assert model.variant == Variant(read=output, use_reads=use_reads)
    x = 2 * rng.normal(size=(5, 2, 3))
    state = (rng.normal(size=(2, 2, 4)), 3 * rng.normal(size=(2, 2, 4)))
    assert_written_out(model, x, state, activations("sigmoid", "tanh", output, use_reads))


@settings(max_examples=25, deadline=None)
@given(
    T=st.integers(1, 6),
    B=st.integers(1, 4),
    D=st.integers(1, 5),
    H=st.integers(1, 6),
    L=st.integers(1, 2),
    gate=st.sampled_from([*NAMES, {"i": "one"}, {"f": "tanh", "o": "identity"}]),
    candidate=st.sampled_from(NAMES),
    output=st.sampled_from(OUTPUTS),
    forget_bias=st.sampled_from([0.0, 1.0, -2.5]),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_sizes_compute_the_equations(T, B, D, H, L, gate, candidate, output, forget_bias, seed):
    rng = np.random.default_rng(seed)
    model = LSTM(
        D, H, L, gate=gate, candidate=candidate, output=output, forget_bias=forget_bias, rng=seed
    )
    x = 2 * rng.normal(size=(T, B, D))
    state = (rng.normal(size=(L, B, H)), rng.normal(size=(L, B, H)))
    assert_written_out(model, x, state, activations(gate, candidate, output))


# Computed by VariantLSTM(2, 3, gate, candidate, output, forget_bias=0.5, rng=7) of
# commit efccbe2 (before the one cell), on x = default_rng(0).normal(size=(4, 3, 2)):
# out[-1, 0] and, for d_out = ones, dx[0, 0].
OLD_VARIANT_LSTM = [
    (
        ("tanh", "sigmoid", "identity"),
        [0.3551576374339808, -0.005368335156246191, -0.031274163504442114],
        [0.13886858061860902, -0.04121549932325741],
    ),
    (
        ({"i": "one"}, "tanh", "article"),
        [-0.059396871856047716, -0.04122339766872062, -0.048336215036844786],
        [-0.07345649381342799, -0.05017223411542504],
    ),
    (
        ({"f": "one", "o": "identity"}, "identity", "sigmoid"),
        [0.32765203025250006, -0.06887394839319022, -0.6584918244402336],
        [-0.2694038646663166, -0.44883923896466993],
    ),
]


@pytest.mark.parametrize(("setting", "last_out", "first_dx"), OLD_VARIANT_LSTM)
def test_the_numbers_of_the_old_variant_lstm(setting, last_out, first_dx):
    gate, candidate, output = setting
    model = LSTM(2, 3, gate=gate, candidate=candidate, output=output, forget_bias=0.5, rng=7)
    out, _ = model.forward(np.random.default_rng(0).normal(size=(4, 3, 2)))
    dx, _ = model.backward(np.ones_like(out))
    np.testing.assert_allclose(out[-1, 0], last_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx[0, 0], first_dx, rtol=0, atol=1e-12)


def test_unbatched_variant_matches_a_batch_of_one():
    rng = np.random.default_rng(3)
    model = LSTM(2, 3, gate={"o": "tanh"}, output="article", rng=5)
    x = rng.normal(size=(4, 2))
    state = (rng.normal(size=(1, 3)), rng.normal(size=(1, 3)))
    out_b, (h_b, c_b) = model.forward(x[:, None], (state[0][:, None], state[1][:, None]))
    dx_b, (dh_b, _) = model.backward(np.ones_like(out_b))
    out, (h_n, c_n) = model.forward(x, state)
    assert out.shape == (4, 3) and h_n.shape == c_n.shape == (1, 3)
    np.testing.assert_array_equal(out, out_b[:, 0])
    np.testing.assert_array_equal(c_n, c_b[:, 0])
    dx, (dh0, _) = model.backward(np.ones_like(out))
    assert dx.shape == (4, 2) and dh0.shape == (1, 3)
    np.testing.assert_array_equal(dx, dx_b[:, 0])
    np.testing.assert_array_equal(dh0, dh_b[:, 0])
    assert model.trace().read.shape == (4, 3)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize(
    ("gate", "candidate", "output"), list(itertools.product(NAMES, NAMES, OUTPUTS))
)
def test_gradient_check_every_setting(gate, candidate, output, num_layers):
    model = LSTM(2, 3, num_layers, gate=gate, candidate=candidate, output=output, rng=7)
    x = np.random.default_rng(8).normal(size=(3, 2, 2))
    errors = check_module_gradients(model, x, rng=9)
    assert set(errors) == set(model.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize(
    ("output", "use_reads"), [(o, "forget") for o in NAMES] + [("article", "c")]
)
def test_gradient_check_use_reads(output, use_reads, num_layers):
    """Chapter 11's o * psi(f * c_prev), and the article's W_u layer reading c_t instead."""
    model = LSTM(2, 3, num_layers, output=output, use_reads=use_reads, forget_bias=1.0, rng=7)
    x = np.random.default_rng(8).normal(size=(4, 2, 2))
    errors = check_module_gradients(model, x, rng=9)
    assert set(errors) == set(model.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("gate", [{"i": "tanh"}, {"f": "one"}, {"o": "identity", "i": "one"}])
def test_gradient_check_single_gate_overrides(gate, num_layers):
    model = LSTM(3, 2, num_layers, gate=gate, forget_bias=1.0, rng=1)
    x = np.random.default_rng(2).normal(size=(4, 3, 3))
    errors = check_module_gradients(model, x, rng=3)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize(
    ("output", "use_reads"),
    [
        ("tanh", None),
        ("identity", None),
        ("article", None),
        ("tanh", "forget"),
        ("identity", "forget"),
    ],
)
def test_gradient_check_initial_state_and_final_state_gradients(output, use_reads, num_layers):
    rng = np.random.default_rng(4)
    model = LSTM(2, 3, num_layers, output=output, use_reads=use_reads, rng=5)
    x = rng.normal(size=(3, 2, 2))
    L = num_layers
    h0, c0 = rng.normal(size=(L, 2, 3)), rng.normal(size=(L, 2, 3))
    R, R_h, R_c = (rng.normal(size=s) for s in ((3, 2, 3), (L, 2, 3), (L, 2, 3)))

    def loss():
        out, (h_n, c_n) = model.forward(x, (h0, c0))
        return np.sum(R * out) + np.sum(R_h * h_n) + np.sum(R_c * c_n)

    loss()
    _, (dh0, dc0) = model.backward(R, (R_h, R_c))
    errors = gradient_check(loss, {"h0": h0, "c0": c0}, {"h0": dh0, "c0": dc0})
    assert max(errors.values()) < 1e-7, errors


def test_gates_follow_their_activations():
    x = np.random.default_rng(0).normal(size=(5, 3, 2))
    model = LSTM(2, 4, gate={"i": "one", "f": "tanh"}, candidate="identity", rng=0)
    model.forward(3 * x)
    trace = model.trace()
    np.testing.assert_array_equal(trace.i, 1.0)
    assert trace.f.min() < 0 < trace.f.max() and np.abs(trace.f).max() < 1
    assert 0 < trace.o.min() and trace.o.max() < 1
    assert np.abs(trace.g).max() > 1  # identity: not squashed
    c_prev = np.concatenate([np.zeros((1, 3, 4)), trace.c[:-1]])
    np.testing.assert_array_equal(trace.c_prev, c_prev)
    np.testing.assert_allclose(trace.c, trace.f * c_prev + trace.g, atol=1e-12)


def test_output_activations_read_out_c():
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    for output, psi in (("identity", lambda c: c), ("sigmoid", PHI["sigmoid"])):
        model = LSTM(3, 2, output=output, rng=2)
        model.forward(x)
        trace = model.trace()
        np.testing.assert_allclose(trace.read, psi(trace.c), atol=1e-12)
        np.testing.assert_allclose(trace.h, trace.o * psi(trace.c), atol=1e-12)
    model = LSTM(3, 2, output="one", rng=2)
    model.forward(x)
    np.testing.assert_array_equal(model.trace().h, model.trace().o)


def test_article_weights_are_drawn_after_the_lstm_weights():
    D, H = 2, 3
    standard, article = LSTM(D, H, 2, rng=4), LSTM(D, H, 2, output="article", rng=4)
    assert set(article.params) == set(standard.params) | {
        "weight_u_l0",
        "bias_u_l0",
        "weight_u_l1",
        "bias_u_l1",
    }
    for name, value in standard.params.items():
        np.testing.assert_array_equal(article.params[name], value)
    for k in range(2):
        assert article.params[f"weight_u_l{k}"].shape == (H, H)
        assert article.params[f"bias_u_l{k}"].shape == (H,)
        assert np.abs(article.params[f"weight_u_l{k}"]).max() <= 1 / np.sqrt(H)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_swapping_i_and_g_is_renaming_the_two_layers(num_layers):
    rng = np.random.default_rng(2)
    standard = LSTM(3, 5, num_layers, rng=0)
    swapped = LSTM(3, 5, num_layers, gate={"i": "tanh"}, candidate="sigmoid", rng=1)
    swapped.load_state_dict(swap_gates(standard.state_dict(), "i", "g"))
    x = rng.normal(size=(7, 4, 3))
    np.testing.assert_allclose(swapped.forward(x)[0], standard.forward(x)[0], atol=1e-12)
    for k in range(num_layers):
        np.testing.assert_allclose(swapped.trace(k).i, standard.trace(k).g, atol=1e-12)


def test_swap_gates_copies_and_checks_names():
    state = LSTM(2, 3, 2, output="article", rng=0).state_dict()
    swapped = swap_gates(state, "f", "o")
    for k in range(2):
        np.testing.assert_array_equal(swapped[f"bias_ih_l{k}"][3:6], state[f"bias_ih_l{k}"][9:12])
        np.testing.assert_array_equal(
            swapped[f"weight_hh_l{k}"][9:12], state[f"weight_hh_l{k}"][3:6]
        )
        np.testing.assert_array_equal(
            swapped[f"weight_ih_l{k}"][0:3], state[f"weight_ih_l{k}"][0:3]
        )
        np.testing.assert_array_equal(swapped[f"weight_u_l{k}"], state[f"weight_u_l{k}"])
    assert swapped["weight_ih_l0"] is not state["weight_ih_l0"]
    back = swap_gates(swapped, "f", "o")
    for name, value in state.items():
        np.testing.assert_array_equal(back[name], value)
    with pytest.raises(ValueError, match="gate name"):
        swap_gates(state, "i", "x")


def test_float32_stays_float32():
    model = LSTM(2, 3, dtype=np.float32, output="article", rng=0)
    out, _ = model.forward(np.ones((3, 2, 2)))
    assert out.dtype == np.float32
    dx, _ = model.backward(np.ones_like(out))
    assert dx.dtype == np.float32 and model.grads["weight_u_l0"].dtype == np.float32


def test_load_state_dict_from_the_standard_lstm():
    lstm = LSTM(2, 3, rng=9)
    model = LSTM(2, 3, output="identity", rng=0)
    model.load_state_dict(lstm.state_dict())
    np.testing.assert_array_equal(model.params["weight_hh_l0"], lstm.params["weight_hh_l0"])
    with pytest.raises(KeyError, match="weight_u_l0"):
        LSTM(2, 3, output="article").load_state_dict(lstm.state_dict())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gate": "relu"}, ValueError, "gate\\['i'\\]"),
        ({"gate": {"o": "relu"}}, ValueError, "gate\\['o'\\]"),
        ({"gate": {"g": "tanh"}}, ValueError, "gate keys"),
        ({"gate": 3}, TypeError, "gate must be"),
        ({"candidate": "softmax"}, ValueError, "candidate"),
        ({"output": "relu"}, ValueError, "output"),
        ({"use_reads": "h"}, ValueError, "use_reads must be one of 'c', 'forget'; got 'h'"),
        (
            {"use_reads": "f * c"},
            ValueError,
            "use_reads must be one of 'c', 'forget'; got 'f \\* c'",
        ),
        ({"dtype": np.int64}, ValueError, "dtype"),
    ],
)
def test_bad_settings_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        LSTM(2, 3, **kwargs)


def test_bad_calls_say_what_is_wrong():
    model = LSTM(2, 3, gate="tanh", output="article")
    with pytest.raises(RuntimeError, match="forward first"):
        model.backward(np.zeros((1, 1, 3)))
    with pytest.raises(RuntimeError, match="forward first"):
        model.trace()
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


# --------------------------------------------------------------------------- ablations


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


def test_run_ablation_is_repeatable_and_learns():
    options = dict(output_size=4, seeds=(0, 1, 2), steps=60, hidden_size=8)
    first = run_ablation({"standard": {}}, recall, **options)["standard"]
    again = run_ablation({"standard": {}}, recall, **options)["standard"]
    np.testing.assert_array_equal(first.losses, again.losses)
    np.testing.assert_array_equal(first.scores, again.scores)
    losses = first.losses[0]
    assert losses.shape == (60,) and losses[-10:].mean() < losses[:10].mean()
    assert first.models[0].core.hidden_size == 8


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


def test_checkpoint_scores_are_the_scores_of_shorter_runs():
    def task(rng, batch):
        return recall_task(rng, batch, 2)

    options = {"output_size": 4, "seeds": (0, 1, 2), "hidden_size": 4, "eval_size": 64}
    variants = {"standard": {}, "forget bias 1": {"forget_bias": 1.0}}
    long = run_ablation(variants, task, steps=12, checkpoints=(4, 8, 12), **options)
    for steps, column in ((4, 0), (8, 1)):
        short = run_ablation(variants, task, steps=steps, **options)
        for name in variants:
            assert np.array_equal(long[name].checkpoint_scores[:, column], short[name].scores)
            assert np.array_equal(long[name].losses[:, :steps], short[name].losses)
    for name in variants:
        assert np.array_equal(long[name].checkpoint_scores[:, 2], long[name].scores)
        assert long[name].checkpoint_scores.shape == (3, 3)
    assert run_ablation(variants, task, steps=4, **options)["standard"].checkpoint_scores.size == 0


@pytest.mark.parametrize("checkpoints", [(0, 4), (4, 13), (8, 4), (4, 4)])
def test_bad_checkpoints_are_named(checkpoints):
    with pytest.raises(ValueError, match="checkpoints must rise, each in 1..steps=12"):
        run_ablation(
            {"standard": {}}, lambda r, B: recall_task(r, B, 2), output_size=4, steps=12,
            checkpoints=checkpoints,
        )  # fmt: skip


# --------------------------------------------------------------------------- chapter 16's variants
PEEPHOLES = ("weight_ci", "weight_cf", "weight_co")


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize(
    "variant",
    [
        {"peepholes": True},
        {"coupled": True},
        {"coupled": True, "peepholes": True, "output": "identity"},
        {"peepholes": True, "use_reads": "forget"},
        {"peepholes": True, "output": "article"},
        {"chrono": 6},
    ],
    ids=str,
)
def test_gradient_check_chapter_16_variants(variant, num_layers):
    model = LSTM(2, 3, num_layers, rng=7, **variant)
    for name in model.params:  # peepholes start at 0: move them so their gradients count
        if name.split("_l")[0] in PEEPHOLES:
            model.params[name] = np.random.default_rng(1).normal(size=3)
    x = np.random.default_rng(8).normal(size=(4, 2, 2))
    errors = check_module_gradients(model, x, rng=9)
    assert set(errors) == set(model.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors


def test_peepholes_add_three_vectors_per_layer_that_start_at_zero():
    plain, peeping = LSTM(2, 3, 2, rng=4), LSTM(2, 3, 2, peepholes=True, rng=4)
    extra = {f"{name}_l{k}" for name in PEEPHOLES for k in range(2)}
    assert set(peeping.params) == set(plain.params) | extra
    for name in extra:
        np.testing.assert_array_equal(peeping.params[name], np.zeros(3))
    for name, value in plain.params.items():  # the other weights: the same draws
        np.testing.assert_array_equal(peeping.params[name], value)
    x = np.random.default_rng(0).normal(size=(5, 2, 2))
    np.testing.assert_array_equal(peeping.forward(x)[0], plain.forward(x)[0])
    peeping.params["weight_co_l1"] = np.full(3, 2.0)  # now the top layer's o reads c_t
    out, _ = peeping.forward(x)
    trace = peeping.trace(1)
    z_o = np.split(trace.h_prev @ peeping.params["weight_hh_l1"].T, 4, axis=-1)[3]
    z_o = z_o + np.split(trace.x @ peeping.params["weight_ih_l1"].T, 4, axis=-1)[3]
    z_o = z_o + np.split(peeping.params["bias_ih_l1"] + peeping.params["bias_hh_l1"], 4)[3]
    np.testing.assert_allclose(trace.o, 1 / (1 + np.exp(-(z_o + 2.0 * trace.c))), atol=1e-14)


def test_coupled_lstm_input_gate_is_one_minus_forget_gate():
    model = LSTM(2, 4, coupled=True, rng=3)
    model.forward(np.random.default_rng(1).normal(size=(6, 3, 2)))
    trace = model.trace()
    np.testing.assert_array_equal(trace.i, 1.0 - trace.f)
    assert model.variant == Variant(coupled=True)
    model.backward(np.ones((6, 3, 4)))
    np.testing.assert_array_equal(model.grads["weight_ih_l0"][:4], 0.0)  # z_i is unused
    assert np.abs(model.grads["weight_ih_l0"][4:8]).max() > 0


@pytest.mark.parametrize("T_max", [3, 10, 100])
def test_chrono_biases_are_log_uniform_and_opposite(T_max):
    H = 200
    model, plain = LSTM(2, H, 2, chrono=T_max, rng=5), LSTM(2, H, 2, rng=5)
    for k in range(2):
        b_ih, b_hh = model.params[f"bias_ih_l{k}"], model.params[f"bias_hh_l{k}"]
        b_i, b_f = b_ih[:H] + b_hh[:H], b_ih[H : 2 * H] + b_hh[H : 2 * H]
        np.testing.assert_array_equal(b_i, -b_f)
        np.testing.assert_array_equal(b_hh[: 2 * H], 0.0)
        assert 0.0 <= b_f.min() and b_f.max() <= np.log(T_max - 1)
        u = np.exp(b_f)  # uniform on [1, T_max - 1]: its mean sits in the middle
        assert abs(u.mean() - T_max / 2) < 0.1 * (T_max - 2)
    # drawn after the first layer's weights: those are the weights of the same seed without it
    np.testing.assert_array_equal(model.params["weight_hh_l0"], plain.params["weight_hh_l0"])
    np.testing.assert_array_equal(
        model.params["bias_ih_l0"][2 * H :], plain.params["bias_ih_l0"][2 * H :]
    )
    a, b = LSTM(2, H, chrono=T_max, rng=6), LSTM(2, H, chrono=T_max, rng=6)
    np.testing.assert_array_equal(a.params["bias_ih_l0"], b.params["bias_ih_l0"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"chrono": 2}, ValueError, "chrono is the longest lag T > 2"),
        ({"chrono": -5}, ValueError, "chrono must be a finite number > 0"),
        ({"chrono": "long"}, TypeError, "chrono must be a number"),
        ({"chrono": 10, "forget_bias": 1.0}, ValueError, "leave forget_bias at 0"),
        ({"peepholes": "yes"}, ValueError, "peepholes"),
        ({"coupled": True, "gate": {"i": "one"}}, ValueError, "i must stay 'sigmoid'"),
    ],
)
def test_bad_chapter_16_settings_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        LSTM(2, 3, **kwargs)


def test_variant_model_builds_a_gru_core():
    from lstm_magnifier.gru import GRU

    model = variant_model(2, 3, 4, rng=5, core="gru")
    assert isinstance(model.core, GRU) and model.head.params["weight"].shape == (4, 3)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(
        model.core.params["weight_hh_l0"], GRU(2, 3, rng=rng).params["weight_hh_l0"]
    )
    with pytest.raises(ValueError, match="core"):
        variant_model(2, 3, 4, rng=5, core="rnn")
    results = run_ablation(
        {"gru": {"core": "gru"}, "peepholes": {"peepholes": True}, "chrono": {"chrono": 8}},
        recall, output_size=4, seeds=(0, 1, 2), hidden_size=4, steps=3, eval_size=8,
    )  # fmt: skip
    assert all(r.scores.shape == (3,) for r in results.values())
