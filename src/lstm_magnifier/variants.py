r"""Cell variants trained over several seeds: what if a gate or a squash were otherwise?

The standard cell takes three choices on trust: sigmoid gates $i, f, o$ (soft switches),
a $\tanh$ candidate $g$ (a zero-centred squash), and a use network that reads $\tanh(c_t)$.
``LSTM(D, H, gate=..., candidate=..., output=..., use_reads=...)`` replaces any of them, so
that chapters 8, 9 and 11 can train the answer. One run says little (another seed can turn
a winner into a loser), so :func:`run_ablation` trains each variant from several seeds,
paired: seed ``s`` fixes the weights, batches and held-out batch of every variant alike.
"""

from dataclasses import dataclass, field

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import GATES, PARAM_NAMES
from lstm_magnifier.gru import GRU
from lstm_magnifier.losses import accuracy, softmax_cross_entropy
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense, SequenceModel
from lstm_magnifier.training import run_seeds


@dataclass
class AblationResult:
    """One variant (``name``) trained from each of ``seeds`` ($S$ of them).

    ``losses`` ``(S, steps)`` is every run's training loss, ``scores`` ``(S,)`` its metric
    on the held-out batch, ``models`` the trained models, and ``checkpoint_scores``
    ``(S, C)`` the metric after each of the ``checkpoints`` of :func:`run_ablation`.
    """

    name: str
    seeds: tuple
    losses: np.ndarray
    scores: np.ndarray
    models: list = field(default_factory=list, repr=False)
    checkpoint_scores: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)

    @classmethod
    def from_runs(cls, name, runs):
        """One variant's result from its :class:`~lstm_magnifier.training.Run` per seed."""
        losses = np.stack([run.losses for run in runs])
        scores = np.array([run.metric for run in runs])
        models = [run.model for run in runs]
        at = np.array([run.checkpoint_metrics for run in runs])
        return cls(name, tuple(run.seed for run in runs), losses, scores, models, at)

    @property
    def mean(self):
        return float(np.mean(self.scores))

    @property
    def low(self):
        return float(np.min(self.scores))

    @property
    def high(self):
        return float(np.max(self.scores))

    @property
    def std(self):
        """Sample standard deviation of the scores (0 for a single seed)."""
        return float(np.std(self.scores, ddof=1)) if len(self.scores) > 1 else 0.0

    def steps_to(self, threshold, *, window=20):
        """:func:`steps_to` of every seed's losses, an int array ``(S,)``."""
        return np.array([steps_to(curve, threshold, window=window) for curve in self.losses])

    def summary(self, digits=2):
        """One line: mean, standard deviation and range of the scores."""
        d = digits
        return (
            f"{self.name}: {self.mean:.{d}f} ± {self.std:.{d}f} "
            f"(range {self.low:.{d}f} to {self.high:.{d}f}, {len(self.seeds)} seeds)"
        )


def running_mean(values, window):
    """Mean of the last ``window`` values at each position (fewer at the start), ``(N,)``."""
    values = np.asarray(values, dtype=np.float64)
    window = _checks.check_positive_int("window", window)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    n = np.arange(1, values.size + 1)
    start = np.maximum(n - window, 0)
    return (sums[n] - sums[start]) / (n - start)


def steps_to(losses, threshold, *, window=20):
    """First step (1-based count of updates) at which the running mean of ``losses`` over
    ``window`` steps is at most ``threshold``; ``len(losses)`` if it never is."""
    smooth = running_mean(losses, window)
    below = np.flatnonzero(smooth <= threshold)
    return int(below[0] + 1) if below.size else len(smooth)


def variant_model(
    input_size, hidden_size, output_size, *, rng, readout="last", core="lstm", **variant
):
    """A :class:`~lstm_magnifier.nn.SequenceModel`: ``LSTM(input_size, hidden_size,
    **variant)`` (``gate``, ``candidate``, ``output``, ``use_reads``, ``forget_bias``,
    ``coupled``, ``peepholes``, ``chrono``), or with ``core="gru"`` a
    :class:`~lstm_magnifier.gru.GRU`, then a dense head; ``rng`` draws the core's weights
    first, then the head's."""
    rng = np.random.default_rng(rng)
    layer = {"lstm": LSTM, "gru": GRU}[_checks.check_one_of("core", core, ("lstm", "gru"))]
    core = layer(input_size, hidden_size, rng=rng, **variant)
    return SequenceModel(core, Dense(hidden_size, output_size, rng=rng), readout=readout)


def swap_gates(state_dict, first, second):
    r"""A copy of an LSTM ``state_dict`` with the weights of two gates (``"i"``, ``"f"``,
    ``"g"``, ``"o"``) exchanged: their blocks of $H$ rows in every layer's ``weight_ih``,
    ``weight_hh``, ``bias_ih`` and ``bias_hh``. Chapter 8 uses it to show that a cell with
    $i = \tanh(\cdot)$ and $g = \sigma(\cdot)$ is the standard cell with its two
    learn-network layers renamed."""
    for name in (first, second):
        _checks.check_one_of("gate name", name, GATES)
    H = np.shape(state_dict["weight_ih_l0"])[0] // 4
    a = slice(GATES.index(first) * H, (GATES.index(first) + 1) * H)
    b = slice(GATES.index(second) * H, (GATES.index(second) + 1) * H)
    swapped = {name: np.array(value, copy=True) for name, value in state_dict.items()}
    for name, value in state_dict.items():
        if name.rsplit("_l", 1)[0] in PARAM_NAMES:  # not the article's weight_u, bias_u
            original = np.asarray(value)
            swapped[name][a], swapped[name][b] = original[b], original[a]
    return swapped


def run_ablation(
    variants,
    task,
    *,
    output_size,
    seeds=(0, 1, 2),
    hidden_size=16,
    steps=300,
    batch_size=32,
    lr=1e-2,
    clip=1.0,
    loss_fn=softmax_cross_entropy,
    metric=accuracy,
    eval_size=512,
    readout="last",
    checkpoints=(),
):
    """Train every variant from every seed on ``task`` with
    :func:`~lstm_magnifier.training.run_seeds`; returns ``{label: AblationResult}``.

    ``variants`` maps a label to :class:`~lstm_magnifier.lstm.LSTM` keyword arguments, e.g.
    ``{"standard": {}, "swapped": {"gate": {"i": "tanh"}, "candidate": "sigmoid"}}``
    (``{"core": "gru"}``: a GRU, see :func:`variant_model`);
    ``task(rng, batch_size) -> (x, y)``, e.g. ``lambda rng, B: recall_task(rng, B, 8)``;
    ``output_size`` is the head's outputs (classes, or 1 for the adding task). At least 3
    seeds, each also fixing an evaluation batch of ``eval_size`` sequences. Every run is
    also scored after each of ``checkpoints`` steps (shorter budgets, not trained again).
    """
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 3:
        raise ValueError(f"seeds must hold at least 3 seeds to report a spread, got {seeds}")
    if not hasattr(variants, "items") or not variants:
        raise TypeError("variants must be a non-empty dict: label -> LSTM keyword arguments")
    input_size = np.shape(task(np.random.default_rng(0), 1)[0])[-1]  # D, from one sequence
    options = dict(steps=steps, seeds=seeds, lr=lr, clip=clip, loss_fn=loss_fn, metric=metric)
    options["checkpoints"] = checkpoints
    model = dict(readout=readout)
    results = {}
    for name, variant in variants.items():

        def factory(rng, variant=variant):
            return variant_model(input_size, hidden_size, output_size, rng=rng, **model, **variant)

        runs = run_seeds(
            factory,
            lambda rng: task(rng, batch_size),
            lambda rng: task(rng, eval_size),
            **options,
        )
        results[name] = AblationResult.from_runs(name, runs)
    return results
