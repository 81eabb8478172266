r"""The book's comparisons of model kinds on small tasks (chapters 3 to 5).

LSTM, plain RNN, causal CNN and feed-forward models (:func:`make_model`) trained on the
recall and memoryless tasks (:mod:`lstm_magnifier.tasks`) through
:func:`~lstm_magnifier.training.run_seeds`; test sets come from their own seeds
(:data:`TEST_SEED`), never overlapping a training stream.
"""

from dataclasses import dataclass, field

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import RNN, CausalConv1d, Dense, SequenceModel, count_parameters
from lstm_magnifier.tasks import memoryless_task, recall_task
from lstm_magnifier.training import evaluate, run_seeds

KINDS = ("lstm", "rnn", "conv", "feedforward")
MODEL_LABELS = {"lstm": "LSTM", "rnn": "RNN", "conv": "causal CNN", "feedforward": "feed-forward"}
TEST_SEED = 20_240
"""Default seed of the held-out test sets (distinct from every training stream)."""


def make_model(
    kind,
    input_size,
    output_size,
    *,
    hidden_size=16,
    kernel_size=None,
    readout="last",
    forget_bias=0.0,
    rng=None,
):
    r"""A :class:`~lstm_magnifier.nn.SequenceModel` of one of the book's four :data:`KINDS`.

    ============== ========================================= ===========================
    ``kind``       core                                      $h_t$ depends on
    ============== ========================================= ===========================
    "lstm"         ``LSTM(D, H, forget_bias=...)``           $x_1 \dots x_t$ (via $c, h$)
    "rnn"          ``RNN(D, H)``                             $x_1 \dots x_t$ (via $h$)
    "conv"         ``CausalConv1d(D, H, kernel_size)``       $x_{t-k+1} \dots x_t$
    "feedforward"  ``CausalConv1d(D, H, 1)``                 $x_t$ alone
    ============== ========================================= ===========================

    "feedforward" is one dense $\tanh$ layer applied to every step on its own,
    $h_t = \tanh(W x_t + b)$. Every kind ends in the same head ``Dense(H, K)``: logits
    ``(B, K)`` (``readout="last"``) or ``(T, B, K)`` (``"all"``). ``rng`` draws the
    initial weights of core and head.
    """
    kind = _checks.check_one_of("kind", kind, KINDS)
    rng = np.random.default_rng(rng)
    if kind != "lstm" and forget_bias != 0.0:
        raise ValueError(f"forget_bias only applies to kind='lstm', got kind={kind!r}")
    if kind in ("lstm", "rnn") and kernel_size is not None:
        raise ValueError(f"kernel_size only applies to convolutions, got kind={kind!r}")
    if kind == "conv" and kernel_size is None:
        raise ValueError("kind='conv' needs a kernel_size (the window length k)")
    if kind == "feedforward":
        if kernel_size not in (None, 1):
            raise ValueError(
                f"a feed-forward core sees one step: kernel_size must be 1 or None, "
                f"got {kernel_size}; use kind='conv' for wider windows"
            )
        kind, kernel_size = "conv", 1
    if kind == "lstm":
        core = LSTM(input_size, hidden_size, forget_bias=forget_bias, rng=rng)
    elif kind == "rnn":
        core = RNN(input_size, hidden_size, rng=rng)
    else:
        core = CausalConv1d(input_size, hidden_size, kernel_size, rng=rng)
    return SequenceModel(core, Dense(hidden_size, output_size, rng=rng), readout=readout)


def _factory(kind, n_in, n_out, hidden_size, kernel_size, forget_bias, readout="last"):
    model = dict(hidden_size=hidden_size, kernel_size=kernel_size, forget_bias=forget_bias)
    return lambda rng: make_model(kind, n_in, n_out, readout=readout, rng=rng, **model)


def receptive_field(model):
    """How many steps (the current one included) a model's or core's output can see:
    ``kernel_size`` for a convolution, ``None`` (unbounded) for a recurrent core."""
    return getattr(getattr(model, "core", model), "receptive_field", None)


def _whole_numbers(values, one="lag", empty="lags must hold at least one lag"):
    """``values`` (one or many) as a list of ints >= 0; ``empty`` is the error for none."""
    values = [values] if isinstance(values, int | np.integer) else list(values)
    if not values:
        raise ValueError(empty)
    return [_checks.check_whole_number(f"every {one}", value) for value in values]


def recall_batches(lags, *, batch_size=32, n_symbols=4, length=None):
    r"""``batches(rng)``: a :func:`~lstm_magnifier.tasks.recall_task` batch of one lag $L$
    drawn uniformly from ``lags``, ``x`` ``(length, B, n_symbols)`` and ``y`` ``(B,)``.

    With ``length=None`` sequences are $L + 1$ long: the target is always the *first*
    symbol and the length says how far back to look. A fixed ``length`` needs one lag.
    """
    lags = _whole_numbers(lags)
    if length is not None and len(lags) > 1:
        raise ValueError(
            f"a fixed length needs a single lag (the target would be ambiguous), got lags={lags}"
        )

    def batches(rng):
        lag = lags[0] if len(lags) == 1 else int(rng.choice(lags))
        return recall_task(rng, batch_size, lag, n_symbols=n_symbols, length=length)

    return batches


def recall_test_set(lag, *, size=1000, n_symbols=4, length=None, seed=TEST_SEED):
    """A held-out recall set for ``lag``, drawn from ``default_rng([seed, lag])``:
    ``x`` ``(length, size, n_symbols)``, ``y`` ``(size,)``."""
    rng = np.random.default_rng([seed, lag])
    return recall_task(rng, size, lag, n_symbols=n_symbols, length=length)


def fit_recall(
    kind,
    lag,
    *,
    n_symbols=4,
    length=None,
    hidden_size=16,
    kernel_size=None,
    forget_bias=0.0,
    steps=400,
    batch_size=32,
    lr=2e-2,
    clip=1.0,
    seed=0,
    test_size=1000,
):
    r"""Train one model of ``kind`` to name the symbol ``lag`` steps before the end.

    Sequences of ``length`` one-hot symbols (default ``lag + 1``: name the first one), one
    label per sequence; chance is $1/n_\text{symbols}$. Returns a
    :class:`~lstm_magnifier.training.Run` whose ``metric`` is the accuracy on ``test_size``
    held-out sequences.
    """
    factory = _factory(kind, n_symbols, n_symbols, hidden_size, kernel_size, forget_bias)
    batches = recall_batches([lag], batch_size=batch_size, n_symbols=n_symbols, length=length)
    test = recall_test_set(lag, size=test_size, n_symbols=n_symbols, length=length)
    return run_seeds(factory, batches, test, steps=steps, seeds=[seed], lr=lr, clip=clip)[0]


def memoryless_batches(length, *, batch_size=32, n_symbols=4):
    r"""``batches(rng)``: a :func:`~lstm_magnifier.tasks.memoryless_task` batch,
    ``x`` ``(length, B, n_symbols)`` and ``y`` ``(length, B)`` with $y_t = x_t \bmod 2$."""
    _checks.check_positive_int("length", length)
    _checks.check_positive_int("batch_size", batch_size)
    return lambda rng: memoryless_task(rng, batch_size, length, n_symbols=n_symbols)


def memoryless_test_set(length, *, size=500, n_symbols=4, seed=TEST_SEED):
    """A held-out memoryless set: ``x`` ``(length, size, n_symbols)``, ``y`` ``(length, size)``."""
    rng = np.random.default_rng([seed, length])
    return memoryless_task(rng, size, length, n_symbols=n_symbols)


def fit_memoryless(
    kind,
    *,
    length=12,
    n_symbols=4,
    hidden_size=8,
    kernel_size=None,
    forget_bias=0.0,
    steps=300,
    batch_size=32,
    lr=2e-2,
    clip=1.0,
    seed=0,
    test_size=500,
):
    r"""Train one model of ``kind`` to answer $y_t = x_t \bmod 2$ at every step
    (``readout="all"``, logits ``(T, B, 2)``). Returns a
    :class:`~lstm_magnifier.training.Run`; ``metric`` is the accuracy over all steps of
    ``test_size`` held-out sequences."""
    factory = _factory(kind, n_symbols, 2, hidden_size, kernel_size, forget_bias, readout="all")
    batches = memoryless_batches(length, batch_size=batch_size, n_symbols=n_symbols)
    test = memoryless_test_set(length, size=test_size, n_symbols=n_symbols)
    return run_seeds(factory, batches, test, steps=steps, seeds=[seed], lr=lr, clip=clip)[0]


@dataclass
class LagCurve:
    r"""Held-out accuracy ``(n,)`` of one kind of model at each of ``lags`` ``(n,)``.

    ``label`` is the legend text ("causal CNN, k = 4"); ``receptive_field`` is $k$ for a
    convolution (lags $L \le k - 1$ are visible), ``None`` if recurrent; ``models`` holds
    the trained model(s), one for all lags or one per lag; ``n_params`` counts one's weights.
    """

    label: str
    kind: str
    lags: np.ndarray
    accuracy: np.ndarray
    receptive_field: int | None
    models: list = field(repr=False)
    n_params: int = 0


def lag_accuracies(model, lags, *, n_symbols=4, test_size=500, seed=TEST_SEED):
    """Accuracy ``(len(lags),)`` of one trained recall model on each lag's held-out set
    (sequences ``lag + 1`` long, the target the first symbol)."""
    lags = _whole_numbers(lags)
    tests = (recall_test_set(lag, size=test_size, n_symbols=n_symbols, seed=seed) for lag in lags)
    return np.array([evaluate(model, x, y) for x, y in tests])


def accuracy_vs_lag(
    kind,
    lags,
    *,
    per_lag=False,
    n_symbols=4,
    hidden_size=16,
    kernel_size=None,
    forget_bias=0.0,
    steps=800,
    batch_size=32,
    lr=2e-2,
    clip=1.0,
    seed=0,
    test_size=500,
    label=None,
):
    r"""Recall accuracy against lag $L$ for one kind of model, as a :class:`LagCurve`.

    Sequences are $L + 1$ symbols long and the target is the first one. ``per_lag=False``
    trains *one* model on batches whose lag is drawn from ``lags`` (:func:`recall_batches`)
    and tests it at every lag: recurrent models handle every lag with the same weights.
    ``per_lag=True`` trains a fresh model per lag (``steps`` each), the best case for a
    convolution, which mixed lags would confuse: once $L \ge k - 1$ its window holds no
    zero padding and it cannot tell the lags apart.
    """
    lags = _whole_numbers(lags)
    factory = _factory(kind, n_symbols, n_symbols, hidden_size, kernel_size, forget_bias)
    options = dict(steps=steps, seeds=[seed], lr=lr, clip=clip)
    if per_lag:
        runs = []
        for lag in lags:
            batches = recall_batches([lag], batch_size=batch_size, n_symbols=n_symbols)
            test = recall_test_set(lag, size=test_size, n_symbols=n_symbols)
            runs.append(run_seeds(factory, batches, test, **options)[0])
        models = [run.model for run in runs]
        scores = np.array([run.metric for run in runs])
    else:
        batches = recall_batches(lags, batch_size=batch_size, n_symbols=n_symbols)
        test = recall_test_set(lags[-1], size=test_size, n_symbols=n_symbols)
        models = [run_seeds(factory, batches, test, **options)[0].model]
        scores = lag_accuracies(models[0], lags, n_symbols=n_symbols, test_size=test_size)
    k = receptive_field(models[0])
    if label is None:
        label = MODEL_LABELS[kind] + (f", k = {k}" if kind == "conv" else "")
    return LagCurve(label, kind, np.array(lags), scores, k, models, count_parameters(models[0]))


@dataclass
class LagSpread:
    """The :class:`LagCurve` of every one of ``seeds`` ``(S,)``, stacked, so that a claim
    can be checked on every seed and the spread shown.

    ``accuracy`` is ``(S, n)``: seed ``seeds[s]`` at lag ``lags[j]``; ``models[s]`` lists
    the models seed ``seeds[s]`` trained; the other fields are those of :class:`LagCurve`.
    """

    label: str
    kind: str
    lags: np.ndarray
    seeds: np.ndarray
    accuracy: np.ndarray
    receptive_field: int | None
    models: list = field(repr=False)
    n_params: int = 0

    @property
    def low(self):
        """``(n,)`` the worst seed's accuracy at each lag."""
        return self.accuracy.min(axis=0)

    @property
    def high(self):
        """``(n,)`` the best seed's accuracy at each lag."""
        return self.accuracy.max(axis=0)

    def at(self, lag):
        """``(S,)`` every seed's accuracy at ``lag`` (one of :attr:`lags`)."""
        matches = np.flatnonzero(self.lags == lag)
        if matches.size == 0:
            raise ValueError(f"lag {lag!r} was not tested; the lags are {self.lags.tolist()}")
        return self.accuracy[:, matches[0]]

    def spans(self, spec=".2f"):
        """The range over the seeds at each lag, as text: ``["1.00", "0.22 to 0.29", ...]``."""
        texts = []
        for low, high in zip(self.low, self.high, strict=True):
            low, high = format(low, spec), format(high, spec)
            texts.append(low if low == high else f"{low} to {high}")
        return texts

    def curve(self):
        """The mean over the seeds as a :class:`LagCurve` (for ``plot_accuracy_vs_lag``)."""
        models = [model for per_seed in self.models for model in per_seed]
        mean = self.accuracy.mean(axis=0)
        return LagCurve(
            self.label, self.kind, self.lags, mean, self.receptive_field, models, self.n_params
        )


def accuracy_vs_lag_over_seeds(kind, lags, *, seeds=range(5), **options):
    """:func:`accuracy_vs_lag` (with its ``options``, e.g. ``per_lag``, ``kernel_size``,
    ``steps``) once for each of ``seeds``; returns a :class:`LagSpread`. Seed ``s`` gives
    exactly the curve of ``accuracy_vs_lag(kind, lags, seed=s, **options)``."""
    if "seed" in options:
        raise TypeError("accuracy_vs_lag_over_seeds takes seeds=[...], not seed=")
    seeds = _whole_numbers(seeds, "seed", "seeds must name at least one seed, e.g. seeds=range(5)")
    curves = [accuracy_vs_lag(kind, lags, seed=seed, **options) for seed in seeds]
    first = curves[0]
    return LagSpread(
        first.label,
        first.kind,
        first.lags,
        np.array(seeds, dtype=int),
        np.array([curve.accuracy for curve in curves]),
        first.receptive_field,
        [curve.models for curve in curves],
        first.n_params,
    )
