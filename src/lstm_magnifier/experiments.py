r"""The book's comparisons of model kinds on small tasks (chapters 3 to 5).

An LSTM, a plain RNN, a causal CNN and a feed-forward network (:func:`make_model`,
:data:`KINDS`) trained on the recall task (name the symbol ``lag`` steps back) and the
memoryless task (:mod:`lstm_magnifier.tasks`): :func:`fit_recall`,
:func:`fit_memoryless` and :func:`accuracy_vs_lag` (a :class:`LagCurve`; over several
seeds :func:`accuracy_vs_lag_over_seeds`, a :class:`LagSpread`), with their
batch makers and held-out test sets. Every run goes through
:func:`~lstm_magnifier.training.run_seeds` (seed ``s`` fixes the initial weights and
the batches); test sets come from their own seeds (:data:`TEST_SEED`) and never
overlap a training stream. What a trained model does inside is measured by
:mod:`lstm_magnifier.probes`; the figures are :mod:`lstm_magnifier.viz.plots`.
"""

from dataclasses import dataclass, field

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import RNN, CausalConv1d, Dense, SequenceModel, count_parameters
from lstm_magnifier.tasks import memoryless_task, recall_task
from lstm_magnifier.training import evaluate, run_seeds

KINDS = ("lstm", "rnn", "conv", "feedforward")
"""Model kinds :func:`make_model` builds."""

MODEL_LABELS = {
    "lstm": "LSTM",
    "rnn": "RNN",
    "conv": "causal CNN",
    "feedforward": "feed-forward",
}
"""How figures and printouts name each kind."""

TEST_SEED = 20_240
"""Default seed of the held-out test sets (distinct from every training stream)."""


# ----------------------------------------------------------------------- model kinds


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
    r"""A :class:`~lstm_magnifier.nn.SequenceModel` of one of the book's four kinds.

    ============== ========================================= ===========================
    ``kind``       core                                      $h_t$ depends on
    ============== ========================================= ===========================
    "lstm"         ``LSTM(D, H, forget_bias=...)``           $x_1 \dots x_t$ (via $c, h$)
    "rnn"          ``RNN(D, H)``                             $x_1 \dots x_t$ (via $h$)
    "conv"         ``CausalConv1d(D, H, kernel_size)``       $x_{t-k+1} \dots x_t$
    "feedforward"  ``CausalConv1d(D, H, 1)``                 $x_t$ alone
    ============== ========================================= ===========================

    The "feedforward" core is one dense $\tanh$ layer applied to every step on its
    own, $h_t = \tanh(W x_t + b)$: it is the "conv" kind with $k = 1$. Every kind
    ends in the same head, ``Dense(H, K)``, giving logits ``(B, K)`` (``readout="last"``)
    or ``(T, B, K)`` (``readout="all"``).

    Parameters
    ----------
    kind : "lstm", "rnn", "conv" or "feedforward"
    input_size, output_size : int
        $D$ (e.g. the number of symbols of a one-hot task) and $K$, the classes.
    hidden_size : int
        $H$, the core's features per step.
    kernel_size : int or None
        $k$; required for "conv", must be ``None`` or 1 for "feedforward", and is
        not accepted by the recurrent kinds.
    readout : "last" or "all"
    forget_bias : float
        Added to the LSTM's forget-gate bias; only for "lstm".
    rng : numpy.random.Generator, int seed, SeedSequence or None
        Initial weights of core and head.
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


def receptive_field(model):
    """How many steps back (counting the current one) the output at step $t$ can see.

    ``kernel_size`` for a convolution core, ``None`` (unbounded) for recurrent cores.
    Accepts a :class:`SequenceModel` or a core.
    """
    core = getattr(model, "core", model)
    return getattr(core, "receptive_field", None)


# -------------------------------------------------------------- recall and memoryless


def recall_batches(lags, *, batch_size=32, n_symbols=4, length=None):
    r"""A batch generator for :func:`~lstm_magnifier.tasks.recall_task` over several lags.

    Each call draws one lag $L$ from ``lags`` (uniformly) and returns a batch of
    that lag: ``x`` ``(length, B, n_symbols)``, ``y`` ``(B,)``. With ``length=None``
    every sequence is $L + 1$ long, so the target is always its *first* symbol and
    the length tells the model how far back to look. A fixed ``length`` with
    several lags would make the target ambiguous, so it needs a single lag.
    """
    lags = _check_lags(lags)
    if length is not None and len(lags) > 1:
        raise ValueError(
            f"a fixed length needs a single lag (the target would be ambiguous), got lags={lags}"
        )

    def batches(rng):
        lag = lags[0] if len(lags) == 1 else int(rng.choice(lags))
        return recall_task(rng, batch_size, lag, n_symbols=n_symbols, length=length)

    return batches


def _whole_numbers(values, one, empty):
    """``values`` (one or many) as a list of ints >= 0; ``empty`` is the error for none."""
    values = [values] if isinstance(values, int | np.integer) else list(values)
    if not values:
        raise ValueError(empty)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"every {one} must be a whole number >= 0, got {value!r}")
    return [int(value) for value in values]


def _check_lags(lags):
    return _whole_numbers(lags, "lag", "lags must hold at least one lag")


def recall_test_set(lag, *, size=1000, n_symbols=4, length=None, seed=TEST_SEED):
    """A held-out recall set for ``lag``: ``x`` ``(length, size, n_symbols)``, ``y`` ``(size,)``.

    Drawn from ``default_rng([seed, lag])``, so each lag has its own fixed test set.
    """
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

    The task is :func:`~lstm_magnifier.tasks.recall_task`: sequences of ``length``
    one-hot symbols (default ``lag + 1``: name the first one), one label per
    sequence. Chance is $1/n_\text{symbols}$. Returns a
    :class:`~lstm_magnifier.training.Run` whose ``metric`` is the accuracy on a held-out
    set of ``test_size`` sequences.

    Example: ``fit_recall("feedforward", 5).accuracy`` is about 0.25 and
    ``fit_recall("lstm", 5).accuracy`` is 1.0.
    """

    def factory(rng):
        return make_model(
            kind,
            n_symbols,
            n_symbols,
            hidden_size=hidden_size,
            kernel_size=kernel_size,
            forget_bias=forget_bias,
            rng=rng,
        )

    batches = recall_batches([lag], batch_size=batch_size, n_symbols=n_symbols, length=length)
    test = recall_test_set(lag, size=test_size, n_symbols=n_symbols, length=length)
    return run_seeds(factory, batches, test, steps=steps, seeds=[seed], lr=lr, clip=clip)[0]


def memoryless_batches(length, *, batch_size=32, n_symbols=4):
    r"""A batch generator for :func:`~lstm_magnifier.tasks.memoryless_task`.

    Each call returns ``x`` ``(length, B, n_symbols)`` and ``y`` ``(length, B)`` with
    $y_t = x_t \bmod 2$.
    """
    _checks.check_positive_int("length", length)
    _checks.check_positive_int("batch_size", batch_size)

    def batches(rng):
        return memoryless_task(rng, batch_size, length, n_symbols=n_symbols)

    return batches


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
    r"""Train one model of ``kind`` on :func:`~lstm_magnifier.tasks.memoryless_task`.

    The label at every step is the parity of the current symbol, $y_t = x_t \bmod 2$,
    so the model answers at every step (``readout="all"``, logits ``(T, B, 2)``).
    Returns a :class:`~lstm_magnifier.training.Run`; ``metric`` is the accuracy over all
    steps of a held-out set of ``test_size`` sequences.
    """

    def factory(rng):
        return make_model(
            kind,
            n_symbols,
            2,
            hidden_size=hidden_size,
            kernel_size=kernel_size,
            readout="all",
            forget_bias=forget_bias,
            rng=rng,
        )

    batches = memoryless_batches(length, batch_size=batch_size, n_symbols=n_symbols)
    test = memoryless_test_set(length, size=test_size, n_symbols=n_symbols)
    return run_seeds(factory, batches, test, steps=steps, seeds=[seed], lr=lr, clip=clip)[0]


@dataclass
class LagCurve:
    r"""Test accuracy of one kind of model at each lag.

    Attributes
    ----------
    label : str
        Legend text, e.g. "LSTM" or "causal CNN, k = 4".
    kind : str
        One of :data:`KINDS`.
    lags : numpy.ndarray
        ``(n,)`` the lags tested.
    accuracy : numpy.ndarray
        ``(n,)`` held-out accuracy at each lag.
    receptive_field : int or None
        $k$ for a convolution (lags $L \le k - 1$ are visible), ``None`` if recurrent.
    models : list
        The trained model(s): one shared by all lags, or one per lag.
    n_params : int
        Trainable scalars of one model.
    """

    label: str
    kind: str
    lags: np.ndarray
    accuracy: np.ndarray
    receptive_field: int | None
    models: list = field(repr=False)
    n_params: int = 0


def lag_accuracies(model, lags, *, n_symbols=4, test_size=500, seed=TEST_SEED):
    """Accuracy ``(len(lags),)`` of one trained recall model on each lag's held-out set.

    Sequences are ``lag + 1`` long (the target is the first symbol).
    """
    lags = _check_lags(lags)
    scores = []
    for lag in lags:
        x, y = recall_test_set(lag, size=test_size, n_symbols=n_symbols, seed=seed)
        scores.append(evaluate(model, x, y))
    return np.array(scores)


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
    r"""Recall accuracy against lag $L$ for one kind of model.

    Sequences are $L + 1$ symbols long and the target is the first one, so the
    symbol to recall lies exactly $L$ steps before the last step.

    ``per_lag=False`` trains *one* model on batches whose lag is drawn per batch
    from ``lags`` (:func:`recall_batches`), then tests it at every lag. This suits
    recurrent models, which can handle every lag with the same weights.
    ``per_lag=True`` trains a fresh model for each lag (``steps`` each), the best
    case for a convolution: whatever lag it is tested on, it was trained for it.
    Note that mixing lags would confuse a convolution: once $L \ge k - 1$ its
    window holds no zero padding and it cannot tell the lags apart.

    Returns a :class:`LagCurve`.
    """
    lags = _check_lags(lags)

    def factory(rng):
        return make_model(
            kind,
            n_symbols,
            n_symbols,
            hidden_size=hidden_size,
            kernel_size=kernel_size,
            forget_bias=forget_bias,
            rng=rng,
        )

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
    r"""Test accuracy against lag of one kind of model, trained once per seed.

    What :func:`accuracy_vs_lag_over_seeds` returns: the :class:`LagCurve` of every seed,
    stacked, so that a claim can be checked on every seed and the spread shown.

    Attributes
    ----------
    label, kind : str
        As in :class:`LagCurve`.
    lags : numpy.ndarray
        ``(n,)`` the lags tested.
    seeds : numpy.ndarray
        ``(S,)`` the seeds, one training run (or one per lag) each.
    accuracy : numpy.ndarray
        ``(S, n)`` held-out accuracy of seed ``seeds[s]`` at lag ``lags[j]``.
    receptive_field : int or None
        $k$ for a convolution, ``None`` if recurrent.
    models : list
        ``models[s]`` is the list of models seed ``seeds[s]`` trained (one shared by
        all lags, or one per lag).
    n_params : int
        Trainable scalars of one model.
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
    r""":func:`accuracy_vs_lag` once for each of ``seeds``; returns a :class:`LagSpread`.

    ``options`` are those of :func:`accuracy_vs_lag` but ``seed`` (e.g. ``per_lag``,
    ``kernel_size``, ``steps``). Seed ``s`` gives exactly the curve of
    ``accuracy_vs_lag(kind, lags, seed=s, **options)``. With ``per_lag=False`` every
    seed trains one model on batches whose lag is drawn from ``lags``; with
    ``per_lag=True`` one model per lag, trained on that lag alone.

    Example: ``accuracy_vs_lag_over_seeds("conv", [2, 3], kernel_size=3,
    per_lag=True).low`` is 1.0 at lag 2 (inside the window, on every seed) and near
    chance, 0.25, at lag 3, just outside it.
    """
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


__all__ = [
    "KINDS",
    "MODEL_LABELS",
    "TEST_SEED",
    "LagCurve",
    "LagSpread",
    "accuracy_vs_lag",
    "accuracy_vs_lag_over_seeds",
    "fit_memoryless",
    "fit_recall",
    "lag_accuracies",
    "make_model",
    "memoryless_batches",
    "memoryless_test_set",
    "recall_batches",
    "recall_test_set",
    "receptive_field",
]
