r"""Cell variants trained over several seeds: what if a gate or a squash were otherwise?

The standard cell fixes three choices that the article takes on trust:

* the **gates** $i, f, o$ use the sigmoid $\sigma$, a soft switch in $(0, 1)$;
* the **candidate** $g$ uses $\tanh$, a zero-centred squash in $(-1, 1)$;
* the **use network** reads the memory out through $\tanh(c_t)$.

``LSTM(D, H, gate=..., candidate=..., output=...)`` replaces any of them (see
:mod:`lstm_magnifier.cell`; ``output="article"`` is the use network of the article's
source lesson, chapter 11, and ``use_reads="forget"`` has the use network read
$f_t \odot c_{t-1}$ instead of $c_t$), so that a chapter (8, 9 or 11) can ask "what if
it were otherwise?" and train the answer. :func:`variant_model` puts such an LSTM under a
dense head; :func:`swap_gates` trades two gates' weights, to show that some variants are
the standard cell with its layers renamed (chapter 8).

A single training run says little: another seed can turn a winner into a loser. So
:func:`run_ablation` trains each variant from several seeds with
:func:`~lstm_magnifier.training.run_seeds` and reports the mean and the spread (the
smallest and largest score across the seeds) as an :class:`AblationResult`::

    results = run_ablation(
        {"standard": {}, "no output tanh": {"output": "identity"}},
        lambda rng, B: recall_task(rng, B, lag=8),
        output_size=4,
        seeds=(0, 1, 2),
        steps=300,
    )
    for result in results.values():
        print(result.summary())

Seed ``s`` fixes the initial weights, the training batches and the held-out
evaluation batch, and all variants share them: the comparison is paired, the
variants differ only in what the ablation changes.
"""

from dataclasses import dataclass, field

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import GATES, PARAM_NAMES
from lstm_magnifier.losses import accuracy, softmax_cross_entropy
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense, SequenceModel
from lstm_magnifier.training import run_seeds


@dataclass
class AblationResult:
    """One variant trained from several seeds.

    Attributes
    ----------
    name : str
        The variant's label.
    seeds : tuple of int
        The seeds, one run each.
    losses : ndarray ``(S, steps)``
        The training loss at every step of each of the $S$ runs.
    scores : ndarray ``(S,)``
        The metric of each run on its held-out batch (accuracy by default).
    models : list
        The trained models, one per seed, to look inside afterwards.
    checkpoint_scores : ndarray ``(S, C)``
        The metric of each run after each of the ``checkpoints`` of :func:`run_ablation`.
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
        """Mean score over the seeds."""
        return float(np.mean(self.scores))

    @property
    def low(self):
        """Lowest score over the seeds."""
        return float(np.min(self.scores))

    @property
    def high(self):
        """Highest score over the seeds."""
        return float(np.max(self.scores))

    @property
    def std(self):
        """Sample standard deviation of the scores (0 for a single seed)."""
        return float(np.std(self.scores, ddof=1)) if len(self.scores) > 1 else 0.0

    def steps_to(self, threshold, *, window=20):
        """Per seed, the first step at which the running mean loss is <= ``threshold``.

        The running mean is over the last ``window`` steps. A run that never gets
        there counts as ``steps`` (the length of the run). Returns an int array ``(S,)``.
        """
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


def variant_model(input_size, hidden_size, output_size, *, rng, readout="last", **variant):
    """A :class:`~lstm_magnifier.nn.SequenceModel`: an :class:`~lstm_magnifier.lstm.LSTM`
    then a dense head with ``output_size`` outputs. ``variant`` goes to ``LSTM`` (``gate``,
    ``candidate``, ``output``, ``use_reads``, ``forget_bias``); the LSTM's weights are drawn
    first, then the head's, from ``rng``."""
    rng = np.random.default_rng(rng)
    core = LSTM(input_size, hidden_size, rng=rng, **variant)
    return SequenceModel(core, Dense(hidden_size, output_size, rng=rng), readout=readout)


def swap_gates(state_dict, first, second):
    r"""A copy of an LSTM ``state_dict`` with the weights of two gates exchanged.

    ``first`` and ``second`` are gate names (``"i"``, ``"f"``, ``"g"``, ``"o"``); in every
    layer $k$ the rows of ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}`` and
    ``bias_hh_l{k}`` that belong to them (blocks of $H$ rows in the order i, f, g, o)
    trade places. Chapter 8 uses it to show that a cell with $i = \tanh(\cdot)$ and
    $g = \sigma(\cdot)$ is the standard cell with its two learn-network layers renamed.
    """
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
    """Train every variant from every seed on ``task`` (through ``training.run_seeds``).

    Parameters
    ----------
    variants : dict of str -> dict
        Label -> :class:`~lstm_magnifier.lstm.LSTM` keyword arguments, e.g.
        ``{"standard": {}, "swapped": {"gate": {"i": "tanh"}, "candidate": "sigmoid"}}``.
    task : callable
        ``task(rng, batch_size) -> (x, y)``, e.g. ``lambda rng, B: recall_task(rng, B, 8)``.
    output_size : int
        Outputs of the dense head: classes for a classifier, 1 for the adding task.
    seeds : sequence of int
        At least 3, so that a spread can be reported. Seed ``s`` fixes the initial
        weights, the training batches and the evaluation batch of ``eval_size``
        sequences (drawn from ``task``), the same for every variant.
    hidden_size, readout :
        The model (:func:`variant_model`).
    steps, batch_size, lr, clip, loss_fn, metric :
        The training (:func:`~lstm_magnifier.training.fit`) and its score.
    checkpoints : iterable of int
        Step counts at which every run is also scored (``checkpoint_scores``): the
        scores of shorter training budgets, without training again.

    Returns
    -------
    dict of str -> AblationResult, in the order of ``variants``.
    """
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 3:
        raise ValueError(f"seeds must hold at least 3 seeds to report a spread, got {seeds}")
    if not hasattr(variants, "items") or not variants:
        raise TypeError("variants must be a non-empty dict: label -> LSTM keyword arguments")
    input_size = np.shape(task(np.random.default_rng(0), 1)[0])[-1]  # D, from one sequence
    options = dict(steps=steps, seeds=seeds, lr=lr, clip=clip, loss_fn=loss_fn, metric=metric)
    options["checkpoints"] = checkpoints
    results = {}
    for name, variant in variants.items():

        def factory(rng, variant=variant):
            return variant_model(
                input_size, hidden_size, output_size, rng=rng, readout=readout, **variant
            )

        runs = run_seeds(
            factory,
            lambda rng: task(rng, batch_size),
            lambda rng: task(rng, eval_size),
            **options,
        )
        results[name] = AblationResult.from_runs(name, runs)
    return results


__all__ = [
    "AblationResult",
    "run_ablation",
    "running_mean",
    "steps_to",
    "swap_gates",
    "variant_model",
]
