"""The training loop of every experiment in the book, and evaluation.

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
"""

import numpy as np
from tqdm.auto import tqdm

from lstm_magnifier import _checks
from lstm_magnifier.losses import accuracy
from lstm_magnifier.optim import clip_grad_norm


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
