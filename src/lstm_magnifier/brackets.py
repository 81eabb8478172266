r"""The capstone of chapter 15: which unit of a trained LSTM counts open brackets?

A small LSTM reads strings of nested brackets such as ``(()(()))`` and learns to
predict the next character. Nobody tells it how deep the nesting is, yet the task
needs it: at depth 0 the next character must be ``(`` and at the deepest allowed
level it must be ``)``. This module holds the pieces the chapter calls:

* :func:`next_char_batches`, :func:`encode` and :func:`depth_of` make the data;
* :func:`best_accuracy` says what a perfect predictor would score;
* :func:`depth_correlations` and :func:`find_depth_unit` look for the unit whose
  long-term memory $c$ follows the depth, and :func:`put_unit_first` renumbers the
  units so that it is unit 0 whatever training found.

Strings use the alphabet of :data:`lstm_magnifier.tasks.BRACKETS`: ``"("`` is
symbol 0 and ``")"`` symbol 1.
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.tasks import BRACKETS, bracket_sequences, one_hot


def encode(text):
    """One-hot encode a bracket string: ``"(()"`` -> array ``(T, 2)``, ``(`` = ``[1, 0]``."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string of brackets, got {text!r}")
    bad = sorted(set(text) - set(BRACKETS))
    if bad:
        raise ValueError(f"text may only hold the characters {BRACKETS!r}, got {bad}")
    return one_hot([BRACKETS.index(ch) for ch in text], len(BRACKETS))


def depth_of(text):
    """Nesting depth after each character: ``"(()"`` -> ``[1, 2, 1]`` (``(T,)`` ints).

    A closing bracket at depth 0 makes the depth negative; nothing is clipped.
    """
    steps = np.where(encode(text)[:, 0] == 1, 1, -1)
    return np.cumsum(steps)


def next_char_batches(length, batch_size, *, max_depth=4, p_open=0.5):
    r"""A batch maker for :func:`~lstm_magnifier.training.train`: predict the next bracket.

    Returns ``batches(rng) -> (x, y)`` with ``x`` ``(length, B, 2)``, the one-hot
    characters $x_1 \dots x_T$, and ``y`` ``(length, B)``, the index of $x_{t+1}$
    (0 for ``(``, 1 for ``)``). Strings come from
    :func:`~lstm_magnifier.tasks.bracket_sequences` with ``length + 1`` characters.
    """
    _checks.check_positive_int("length", length)
    _checks.check_positive_int("batch_size", batch_size)
    _checks.check_positive_int("max_depth", max_depth)

    def batches(rng):
        x, _, _ = bracket_sequences(rng, batch_size, length + 1, max_depth=max_depth, p_open=p_open)
        return x[:-1], x[1:].argmax(axis=-1)

    return batches


def best_accuracy(depth, *, max_depth, p_open=0.5):
    r"""Accuracy of the best possible next-character guess, given the depths.

    At depth 0 the next character is surely ``(``; at ``max_depth`` surely ``)``;
    anywhere else it is ``(`` with probability ``p_open``, so the best guess is right
    with probability $\max(p, 1-p)$. ``depth`` is any array of depths after each
    character; returns the mean of those chances as a float.
    """
    depth = np.asarray(depth)
    forced = (depth == 0) | (depth == max_depth)
    return float(np.mean(np.where(forced, 1.0, max(p_open, 1 - p_open))))


def depth_correlations(values, depth):
    r"""Pearson correlation of every unit's value with the nesting depth.

    ``values`` is ``(T, B, H)`` (or ``(T, H)``), e.g. the long-term memory ``c`` from
    ``LSTM.trace()``; ``depth`` is ``(T, B)`` (or ``(T,)``). All time steps and
    sequences are pooled. Returns ``(H,)`` correlations in $[-1, 1]$ (0 for a unit
    that never changes).
    """
    values = _checks.as_finite_array("values", values, np.float64, ndim=(2, 3))
    depth = _checks.as_finite_array("depth", depth, np.float64)
    _checks.check_shape("depth", depth, values.shape[:-1])
    v = values.reshape(-1, values.shape[-1])
    d = depth.reshape(-1)
    v = v - v.mean(axis=0)
    d = d - d.mean()
    scale = np.linalg.norm(v, axis=0) * np.linalg.norm(d)
    return np.divide(v.T @ d, scale, out=np.zeros(v.shape[1]), where=scale > 0)


def find_depth_unit(values, depth):
    """The unit whose value follows the depth most closely: ``(unit, correlation)``.

    Picks the largest $|r|$ of :func:`depth_correlations`; the sign of ``correlation``
    says whether the unit rises (positive) or falls (negative) as brackets open.
    """
    r = depth_correlations(values, depth)
    unit = int(np.argmax(np.abs(r)))
    return unit, float(r[unit])


def put_unit_first(model, unit):
    r"""Renumber the hidden units of ``model`` so that ``unit`` becomes unit 0, in place.

    Hidden units have no order: moving unit ``u`` to the front of all four networks
    (its rows in ``weight_ih``, ``weight_hh`` and both biases, in each gate's block of
    $H$ rows), of the recurrence (its column of ``weight_hh``) and of the head (its
    column of the head's ``weight``) gives the same function. Training on another
    computer may store the same behaviour in a unit with another number (chapter 15);
    after this call the unit the chapter talks about is unit 0 everywhere.

    ``model`` is a :class:`~lstm_magnifier.nn.SequenceModel` whose core is a
    one-layer :class:`~lstm_magnifier.lstm.LSTM`. The arrays are rewritten in place,
    so optimizers built on ``model.params`` keep working. Returns the new order:
    ``order[k]`` is the old number of the unit now numbered ``k``.
    """
    core, head = model.core, model.head
    if getattr(core, "num_layers", None) != 1:
        raise ValueError("put_unit_first needs a model whose core is a one-layer LSTM")
    hidden = core.hidden_size
    if isinstance(unit, bool) or not 0 <= int(unit) < hidden or int(unit) != unit:
        raise ValueError(f"unit must be a whole number in [0, {hidden}), got {unit!r}")
    order = np.array([int(unit)] + [k for k in range(hidden) if k != unit])
    rows = np.concatenate([gate * hidden + order for gate in range(4)])
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        core.params[name][...] = core.params[name][rows]
    core.params["weight_hh_l0"][...] = core.params["weight_hh_l0"][:, order]
    if "weight_u_l0" in core.params:  # the article's use layer reads and writes the units
        core.params["weight_u_l0"][...] = core.params["weight_u_l0"][order][:, order]
        core.params["bias_u_l0"][...] = core.params["bias_u_l0"][order]
    head.params["weight"][...] = head.params["weight"][:, order]
    return order
