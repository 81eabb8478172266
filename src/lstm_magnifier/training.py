r"""The training loop of every experiment in the book, evaluation, and the one runner.

One step is always the same five moves: draw a batch, forward, loss, backward,
update (with optional gradient clipping between the last two)::

    losses = train(
        model,
        batches,
        softmax_cross_entropy,
        Adam(model.params, lr=1e-2),
        steps=500,
        clip=1.0,
        rng=0,
    )

``batches(rng)`` makes a fresh batch ``(x, y)`` from the Generator it is given,
so one seed fixes the whole run: same seed, same losses.

Every experiment in the book has the same shape::

    model factory + batch generator + steps + seeds  ->  trained models and test metrics

:func:`run_seeds` is that sentence in code, and every chapter that trains more than
one model goes through it: the comparisons of model kinds (chapters 3 to 5, through
:mod:`lstm_magnifier.experiments`) and the comparisons of cell variants (chapters 8,
9 and 11, :func:`~lstm_magnifier.variants.run_ablation`)::

    runs = run_seeds(
        lambda rng: make_model("lstm", 4, 4, hidden_size=16, rng=rng),
        recall_batches([5]),
        recall_task(np.random.default_rng(0), 1000, 5),
        steps=300,
        seeds=(0, 1, 2),
    )
    [run.metric for run in runs]  # test accuracy of each seed

Seeds: :func:`split_seed` splits seed ``s`` into independent streams for the
initial weights, the training batches and (when ``test`` is a function) the test
batch, so a run is fixed by its seed alone.
"""

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from lstm_magnifier import _checks
from lstm_magnifier.losses import accuracy, softmax_cross_entropy
from lstm_magnifier.nn import count_parameters
from lstm_magnifier.optim import Adam, clip_grad_norm


def _check_optimizer_owns(model, optimizer):
    """An optimizer built on other arrays would leave the model untouched: say so."""
    owned = getattr(optimizer, "params", None)
    if owned is None:
        return
    params = model.params
    if set(owned) != set(params) or any(owned[k] is not params[k] for k in params):
        raise ValueError(
            "optimizer must be built on this model's parameters, "
            "e.g. optimizer = Adam(model.params, lr=1e-2)"
        )


def train(model, batches, loss_fn, optimizer, *, steps, clip=None, progress=True, rng=None):
    """Train ``model`` for ``steps`` updates and return the loss of each step.

    Parameters
    ----------
    model : SequenceModel or any module
        ``forward(x, train=True) -> pred``, ``backward(d_pred)``, ``params``, ``grads``.
    batches : callable
        ``batches(rng) -> (x, y)``: a fresh batch drawn from the Generator ``rng``,
        e.g. ``x`` ``(T, B, D)`` and ``y`` ``(B,)`` class labels.
    loss_fn : callable
        ``loss_fn(pred, y) -> (loss, d_pred)``, e.g.
        :func:`~lstm_magnifier.losses.softmax_cross_entropy` or ``mse``.
    optimizer : SGD, Adam, ...
        Built on ``model.params``; ``optimizer.step(model.grads)`` updates them.
    steps : int
        Number of updates.
    clip : float or None
        If given, the gradients' global norm is clipped to it before each update.
    progress : bool
        Show a progress bar (a widget in Jupyter, text in a terminal) with a
        smoothed running loss; ``False`` prints nothing.
    rng : numpy.random.Generator, int seed or None
        Passed to ``batches``; an int makes the run repeatable.

    Returns
    -------
    list of float
        The training loss at every step (length ``steps``).

    Raises ``FloatingPointError`` as soon as the loss is NaN or infinite.
    """
    steps = _checks.check_positive_int("steps", steps)
    if clip is not None:
        clip = _checks.check_positive_float("clip", clip)
    for name, fn in (("batches", batches), ("loss_fn", loss_fn)):
        if not callable(fn):
            raise TypeError(f"{name} must be a function, got {type(fn).__name__}")
    _check_optimizer_owns(model, optimizer)
    rng = np.random.default_rng(rng)

    losses = []
    running = None
    with tqdm(total=steps, disable=not progress, desc="training", unit="step") as bar:
        for step in range(steps):
            x, y = batches(rng)
            pred = model.forward(x, train=True)
            loss, d_pred = loss_fn(pred, y)
            loss = float(loss)
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {loss} at step {step}; "
                    "try a smaller learning rate or gradient clipping (clip=1.0)"
                )
            model.backward(d_pred)
            grads = model.grads
            if clip is not None:
                clip_grad_norm(grads, clip)
            optimizer.step(grads)
            losses.append(loss)
            running = loss if running is None else 0.95 * running + 0.05 * loss
            bar.set_postfix(loss=f"{running:.4f}", refresh=False)
            bar.update()
    return losses


def evaluate(model, x, y, metric=accuracy):
    """``metric(model.forward(x, train=False), y)`` as a float (default: accuracy).

    ``metric`` may also be a loss such as ``softmax_cross_entropy``; of a returned
    ``(loss, gradient)`` pair only the loss is kept.
    """
    value = metric(model.forward(x, train=False), y)
    if isinstance(value, tuple):
        value = value[0]
    return float(value)


# ----------------------------------------------------------------- many seeds, one runner


@dataclass
class Run:
    """One trained model and how it did.

    Attributes
    ----------
    model : SequenceModel
        The trained model.
    losses : numpy.ndarray
        ``(steps,)`` training loss at every step.
    metric : float
        The metric (by default accuracy) on the held-out test set.
    n_params : int
        Number of trainable scalars.
    seed : int
        The seed that fixed initial weights, training batches and test batch.
    checkpoint_metrics : tuple of float
        The metric after each of the ``checkpoints`` given to :func:`run_seeds`.
    """

    model: object
    losses: np.ndarray
    metric: float
    n_params: int
    seed: int
    checkpoint_metrics: tuple = ()

    @property
    def accuracy(self):
        """Alias of :attr:`metric` for runs measured by accuracy."""
        return self.metric


def split_seed(seed):
    """Three independent Generators from one seed: initial weights, training batches, test.

    The streams are the children of ``numpy.random.SeedSequence(seed)``, in that order.
    A child depends only on the seed and its position, so the weights and batches of
    seed ``s`` are the same whether or not a run also draws its test batch.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3))


def fit(
    model,
    batches,
    *,
    steps,
    lr=1e-2,
    clip=1.0,
    loss_fn=softmax_cross_entropy,
    rng=None,
    progress=False,
):
    """Train ``model`` with Adam and gradient clipping; return the losses ``(steps,)``.

    A thin wrapper of :func:`train` with the book's defaults:
    ``Adam(model.params, lr=lr)``, global-norm clipping at ``clip`` (``None`` to switch
    it off), no progress bar. ``batches(rng) -> (x, y)``.
    """
    optimizer = Adam(model.params, lr=lr)
    losses = train(
        model, batches, loss_fn, optimizer, steps=steps, clip=clip, progress=progress, rng=rng
    )
    return np.asarray(losses)


def run_seeds(
    model_factory,
    batches,
    test,
    *,
    steps,
    seeds=(0,),
    lr=1e-2,
    clip=1.0,
    loss_fn=softmax_cross_entropy,
    metric=accuracy,
    progress=False,
    checkpoints=(),
):
    """Train one fresh model per seed and measure each on a held-out test set.

    Parameters
    ----------
    model_factory : callable
        ``model_factory(rng) -> model``; ``rng`` is the seed's Generator for the
        initial weights.
    batches : callable
        ``batches(rng) -> (x, y)``, a fresh training batch from the Generator ``rng``
        (the seed's stream for the training batches).
    test : (x, y) or callable
        The held-out set: one pair for every seed, e.g.
        ``recall_task(np.random.default_rng(1), 1000, lag)``, or ``test(rng) -> (x, y)``
        drawn from the seed's own test stream (a paired comparison: every model trained
        from seed ``s`` is tested on the same batch).
    steps : int
        Updates per run.
    seeds : iterable of int
        One run per seed; seed ``s`` fixes the initial weights, the batches and a drawn
        test batch (:func:`split_seed`).
    lr, clip, loss_fn :
        As in :func:`fit`.
    metric : callable
        ``metric(pred, y)``, e.g. :func:`~lstm_magnifier.losses.accuracy` (default).
    checkpoints : iterable of int
        Step counts at which each run is also scored, on the way to ``steps``: one run
        scored after 30 steps is the run with ``steps=30`` (``Run.checkpoint_metrics``).

    Returns
    -------
    list of Run
        In the order of ``seeds``.
    """
    if not callable(model_factory):
        raise TypeError(f"model_factory must be a function, got {type(model_factory).__name__}")
    if not callable(test) and (not isinstance(test, tuple) or len(test) != 2):
        raise TypeError(
            "test must be a pair (x, y), e.g. recall_task(rng, 1000, lag), "
            "or a function test(rng) -> (x, y)"
        )
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    checkpoints = [int(n) for n in checkpoints]
    if any(not 0 < n <= steps for n in checkpoints) or checkpoints != sorted(set(checkpoints)):
        raise ValueError(f"checkpoints must rise, each in 1..steps={steps}, got {checkpoints}")
    stops = checkpoints if checkpoints[-1:] == [steps] else [*checkpoints, steps]
    runs = []
    for seed in seeds:
        init_rng, data_rng, test_rng = split_seed(seed)
        model = model_factory(init_rng)
        x, y = test(test_rng) if callable(test) else test
        optimizer, losses, scores, done = Adam(model.params, lr=lr), [], [], 0
        for stop in stops:  # one optimizer and one batch stream throughout
            losses += train(model, batches, loss_fn, optimizer, steps=stop - done, clip=clip,
                            progress=progress, rng=data_rng)  # fmt: skip
            scores.append(evaluate(model, x, y, metric=metric))
            done = stop
        run = Run(model, np.asarray(losses), scores[-1], count_parameters(model), int(seed))
        run.checkpoint_metrics = tuple(scores[: len(checkpoints)])
        runs.append(run)
    return runs
