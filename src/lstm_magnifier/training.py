r"""The training loop of every experiment in the book, evaluation, and the one runner.

One step is always the same five moves: draw a batch, forward, loss, backward, update (with
optional gradient clipping before the update). ``batches(rng)`` makes a fresh batch
``(x, y)`` from the Generator it is given, so one seed fixes the whole run. Every experiment
has one shape, *model factory + batch generator + steps + seeds -> trained models and test
metrics*, and :func:`run_seeds` is that sentence in code (chapters 3 to 5 through
:mod:`lstm_magnifier.experiments`, 8, 9 and 11 through
:func:`~lstm_magnifier.variants.run_ablation`).
"""

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from lstm_magnifier import _checks
from lstm_magnifier.losses import accuracy, softmax_cross_entropy
from lstm_magnifier.nn import count_parameters
from lstm_magnifier.optim import Adam, clip_grad_norm


def train(model, batches, loss_fn, optimizer, *, steps, clip=None, progress=True, rng=None):
    """Train ``model`` for ``steps`` updates; returns the loss of each step (a list).

    ``batches(rng) -> (x, y)`` draws a fresh batch from ``rng`` (an int seed makes the run
    repeatable); ``loss_fn(pred, y) -> (loss, d_pred)``; ``optimizer`` is built on
    ``model.params``; ``clip`` caps the gradients' global norm; ``progress`` shows a bar with
    a smoothed running loss. Raises ``FloatingPointError`` once the loss is NaN or infinite.
    """
    steps = _checks.check_positive_int("steps", steps)
    if clip is not None:
        clip = _checks.check_positive_float("clip", clip)
    for name, fn in (("batches", batches), ("loss_fn", loss_fn)):
        if not callable(fn):
            raise TypeError(f"{name} must be a function, got {type(fn).__name__}")
    owned = getattr(optimizer, "params", None)  # on other arrays it would change nothing
    if owned is not None:
        params = model.params
        if set(owned) != set(params) or any(owned[k] is not params[k] for k in params):
            raise ValueError(
                "optimizer must be built on this model's parameters, "
                "e.g. optimizer = Adam(model.params, lr=1e-2)"
            )
    rng = np.random.default_rng(rng)
    losses = []
    running = None
    with tqdm(total=steps, disable=not progress, desc="training", unit="step") as bar:
        for step in range(steps):
            x, y = batches(rng)
            loss, d_pred = loss_fn(model.forward(x, train=True), y)
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
    """``metric(model.forward(x, train=False), y)`` as a float; of a loss's
    ``(loss, gradient)`` pair only the loss is kept."""
    value = metric(model.forward(x, train=False), y)
    return float(value[0] if isinstance(value, tuple) else value)


@dataclass
class Run:
    """One trained model and how it did: ``losses`` ``(steps,)``, ``metric`` on the held-out
    set (alias ``accuracy``), ``n_params``, the ``seed`` that fixed weights, batches and test
    batch, and ``checkpoint_metrics`` after each of :func:`run_seeds`' ``checkpoints``."""

    model: object
    losses: np.ndarray
    metric: float
    n_params: int
    seed: int
    checkpoint_metrics: tuple = ()

    @property
    def accuracy(self):
        return self.metric


def split_seed(seed):
    """Three independent Generators from one seed: initial weights, training batches, test.

    They are the children of ``numpy.random.SeedSequence(seed)``, in that order; each
    depends only on the seed and its position, so seed ``s`` gives the same weights and
    batches whether or not a run also draws its test batch.
    """
    seed = _checks.check_whole_number("seed", seed)
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))


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
    """:func:`train` with the book's defaults: ``Adam(model.params, lr=lr)``, clipping at
    ``clip`` (``None``: off), no progress bar. Returns the losses as an array ``(steps,)``."""
    optimizer = Adam(model.params, lr=lr)
    options = dict(steps=steps, clip=clip, progress=progress, rng=rng)
    return np.asarray(train(model, batches, loss_fn, optimizer, **options))


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
    """Train one fresh model per seed (as :func:`fit`) and score each on held-out data.

    Seed ``s`` (:func:`split_seed`) gives ``model_factory(rng)`` its initial weights and
    ``batches(rng) -> (x, y)`` its training stream. ``test`` is one pair ``(x, y)`` for
    every seed, or ``test(rng) -> (x, y)`` drawn from the seed's own test stream (a paired
    comparison: every model trained from seed ``s`` is tested on the same batch).
    ``metric(pred, y)`` scores it. Each run is also scored after each of ``checkpoints``
    steps (after 30 it is the run with ``steps=30``). Returns a :class:`Run` per seed.
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
        options = dict(clip=clip, progress=progress, rng=data_rng)
        for stop in stops:  # one optimizer and one batch stream throughout
            losses += train(model, batches, loss_fn, optimizer, steps=stop - done, **options)
            scores.append(evaluate(model, x, y, metric=metric))
            done = stop
        run = Run(model, np.asarray(losses), scores[-1], count_parameters(model), int(seed))
        run.checkpoint_metrics = tuple(scores[: len(checkpoints)])
        runs.append(run)
    return runs
