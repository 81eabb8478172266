r"""Small sequence tasks the book trains on, each in seconds on a laptop CPU.

Every generator takes a :class:`numpy.random.Generator` first and returns ``(x, y)`` with
``x`` of shape ``(T, B, D)`` (time first, like :class:`~lstm_magnifier.lstm.LSTM`).

=====================  =======  ==========================================================
task                   chapter  what the answer depends on
=====================  =======  ==========================================================
``recall_task``        3, 5     the symbol seen ``lag`` steps before the end
``memoryless_task``    4        only the current input
``adding_task``        13       two marked numbers anywhere in a long sequence
``bracket_sequences``  15       how deep the brackets are nested so far
``last_mark_task``     16       the number at the most recent mark, at every step
=====================  =======  ==========================================================
"""

import numpy as np

from lstm_magnifier import _checks

BRACKETS = "()"
"""Alphabet of the bracket task: index 0 opens, index 1 closes."""


def one_hot(indices, depth):
    """One-hot encode integer ``indices`` (any shape) into ``(*indices.shape, depth)`` floats."""
    indices = np.asarray(indices)
    if indices.size and (indices.min() < 0 or indices.max() >= depth):
        raise ValueError(
            f"indices must lie in [0, {depth}), got values from {indices.min()} to {indices.max()}"
        )
    return np.eye(depth)[indices]


def _positive(**values):
    for name, value in values.items():
        _checks.check_positive_int(name, value)


def recall_task(rng, batch_size, lag, *, n_symbols=4, length=None):
    r"""Name the symbol shown ``lag`` steps before the last one.

    ``length`` random symbols (default ``lag + 1``: the answer is the first) shown one-hot;
    a model that sees only the last $k$ steps is at chance, $1/n_\text{symbols}$, once
    ``lag >= k``. Returns ``x`` ``(length, B, n_symbols)`` and ``y`` ``(B,)`` labels.
    """
    _checks.check_positive_int("batch_size", batch_size)
    lag = _checks.check_whole_number("lag", lag)
    length = lag + 1 if length is None else _checks.check_positive_int("length", length)
    if lag >= length:
        raise ValueError(f"lag must be smaller than length ({length}), got {lag}")
    _checks.check_positive_int("n_symbols", n_symbols)
    symbols = rng.integers(n_symbols, size=(length, batch_size))
    return one_hot(symbols, n_symbols), symbols[length - 1 - lag]


def memoryless_task(rng, batch_size, length, *, n_symbols=4):
    """Classify every step from that step alone: the target is ``x_t mod 2`` (even or odd
    symbol). Returns ``x`` ``(length, B, n_symbols)`` and ``y`` ``(length, B)`` labels."""
    _positive(batch_size=batch_size, length=length, n_symbols=n_symbols)
    symbols = rng.integers(n_symbols, size=(length, batch_size))
    return one_hot(symbols, n_symbols), symbols % 2


def adding_task(rng, batch_size, length):
    r"""The adding problem (Hochreiter & Schmidhuber 1997): add the two marked numbers.

    Each step carries a number from $U(0, 1)$ and a marker, 1 at exactly two steps (one in
    each half). Always answering the mean, 1.0, gives a mean squared error of about 1/6.
    Returns ``x`` ``(length, B, 2)`` and ``y`` ``(B, 1)`` floats.
    """
    _checks.check_positive_int("batch_size", batch_size)
    if _checks.check_positive_int("length", length) < 2:
        raise ValueError(f"length must be at least 2 to hold two markers, got {length}")
    values = rng.uniform(0.0, 1.0, size=(length, batch_size))
    half = length // 2
    first = rng.integers(0, half, size=batch_size)
    second = rng.integers(half, length, size=batch_size)
    markers = np.zeros((length, batch_size))
    columns = np.arange(batch_size)
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    target = values[first, columns] + values[second, columns]
    return np.stack([values, markers], axis=-1), target[:, None]


def bracket_sequences(rng, batch_size, length, *, max_depth=4, p_open=0.5):
    """Random bracket strings, a random walk on the depth: open with probability ``p_open``
    (always at depth 0, never at ``max_depth``); they may end unbalanced.

    Returns ``x`` ``(length, B, 2)`` one-hot over ``"()"``, ``depth`` ``(length, B)``
    after each character, and ``text``, a list of ``B`` strings.
    """
    _positive(batch_size=batch_size, length=length, max_depth=max_depth)
    if not 0.0 < p_open < 1.0:
        raise ValueError(f"p_open must be between 0 and 1, got {p_open}")
    chars = np.empty((length, batch_size), dtype=int)
    depth = np.empty((length, batch_size), dtype=int)
    current = np.zeros(batch_size, dtype=int)
    for t in range(length):
        opens = rng.random(batch_size) < p_open
        opens = np.where(current == 0, True, np.where(current == max_depth, False, opens))
        chars[t] = np.where(opens, 0, 1)
        current = current + np.where(opens, 1, -1)
        depth[t] = current
    text = ["".join(BRACKETS[c] for c in chars[:, b]) for b in range(batch_size)]
    return one_hot(chars, 2), depth, text


def encode(text):
    """One-hot encode a bracket string: ``"(()"`` -> array ``(T, 2)``, ``(`` = ``[1, 0]``."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string of brackets, got {text!r}")
    bad = sorted(set(text) - set(BRACKETS))
    if bad:
        raise ValueError(f"text may only hold the characters {BRACKETS!r}, got {bad}")
    return one_hot([BRACKETS.index(ch) for ch in text], len(BRACKETS))


def depth_of(text):
    """Nesting depth after each character: ``"(()"`` -> ``[1, 2, 1]``; a closing bracket at
    depth 0 makes it negative (nothing is clipped)."""
    return np.cumsum(np.where(encode(text)[:, 0] == 1, 1, -1))


def next_char_batches(length, batch_size, *, max_depth=4, p_open=0.5):
    r"""``batches(rng) -> (x, y)`` to predict the next bracket: ``x`` ``(length, B, 2)`` the
    one-hot $x_1 \dots x_T$ of a :func:`bracket_sequences` string ``length + 1`` long,
    ``y`` ``(length, B)`` the index of $x_{t+1}$ (0 for ``(``, 1 for ``)``)."""
    _positive(length=length, batch_size=batch_size, max_depth=max_depth)

    def batches(rng):
        x, _, _ = bracket_sequences(rng, batch_size, length + 1, max_depth=max_depth, p_open=p_open)
        return x[:-1], x[1:].argmax(axis=-1)

    return batches


def last_mark_task(rng, batch_size, length, *, p_mark=0.2):
    r"""Answer, at every step, the number shown at the most recent mark.

    Each step carries a number from $U(-1, 1)$ and a marker, 1 with probability ``p_mark``
    and always at the first step (so every step has an answer). A new mark replaces the
    number to keep: the memory has to let the old one go. Always answering 0 gives a mean
    squared error of about 1/3. Returns ``x`` ``(length, B, 2)`` (number, marker) and ``y``
    ``(length, B, 1)`` floats.
    """
    _positive(batch_size=batch_size, length=length)
    p_mark = _checks.check_positive_float("p_mark", p_mark, allow_zero=True)
    if p_mark > 1.0:
        raise ValueError(f"p_mark must be a probability in [0, 1], got {p_mark}")
    values = rng.uniform(-1.0, 1.0, size=(length, batch_size))
    marks = rng.random((length, batch_size)) < p_mark
    marks[0] = True
    steps = np.arange(length)[:, None]
    latest = np.maximum.accumulate(np.where(marks, steps, 0), axis=0)  # step of the last mark
    target = np.take_along_axis(values, latest, axis=0)
    return np.stack([values, marks.astype(float)], axis=-1), target[..., None]
