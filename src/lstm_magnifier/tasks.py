r"""Small sequence tasks the book trains on, as batch generators.

Every generator takes a :class:`numpy.random.Generator` first and returns ``(x, y)``
with ``x`` of shape ``(T, B, D)`` (time first, like :class:`~lstm_magnifier.lstm.LSTM`)
and integer or float targets. They are small on purpose: each chapter trains in
seconds on a laptop CPU.

=====================  =======  ==========================================================
task                   chapter  what the answer depends on
=====================  =======  ==========================================================
``recall_task``        3, 5     the symbol seen ``lag`` steps before the end
``memoryless_task``    4        only the current input
``adding_task``        13       two marked numbers anywhere in a long sequence
``bracket_sequences``  15       how deep the brackets are nested so far
=====================  =======  ==========================================================

For the bracket strings of chapter 15, :func:`encode` and :func:`depth_of` turn a string
into one-hot inputs and nesting depths, and :func:`next_char_batches` makes batches for
predicting the next character.
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


def recall_task(rng, batch_size, lag, *, n_symbols=4, length=None):
    r"""Name the symbol shown ``lag`` steps before the last one.

    A sequence of ``length`` random symbols (default ``lag + 1``, so the answer is
    the first symbol) is shown one-hot; the target is the symbol at position
    ``length - 1 - lag``. A model that only sees the last $k$ steps can do no
    better than chance, $1/n_\text{symbols}$, once ``lag >= k``.

    Returns ``x`` ``(length, B, n_symbols)`` and ``y`` ``(B,)`` integer labels.
    """
    _checks.check_positive_int("batch_size", batch_size)
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or lag < 0:
        raise ValueError(f"lag must be a whole number >= 0, got {lag!r}")
    length = lag + 1 if length is None else _checks.check_positive_int("length", length)
    if lag >= length:
        raise ValueError(f"lag must be smaller than length ({length}), got {lag}")
    _checks.check_positive_int("n_symbols", n_symbols)
    symbols = rng.integers(n_symbols, size=(length, batch_size))
    return one_hot(symbols, n_symbols), symbols[length - 1 - lag]


def memoryless_task(rng, batch_size, length, *, n_symbols=4):
    r"""Classify every step from that step alone: the target is the current symbol's group.

    Symbols ``0 .. n_symbols-1`` fall into two groups (even and odd); the target at
    step $t$ is ``x_t mod 2``, so the past carries no information.

    Returns ``x`` ``(length, B, n_symbols)`` and ``y`` ``(length, B)`` integer labels.
    """
    _checks.check_positive_int("batch_size", batch_size)
    _checks.check_positive_int("length", length)
    _checks.check_positive_int("n_symbols", n_symbols)
    symbols = rng.integers(n_symbols, size=(length, batch_size))
    return one_hot(symbols, n_symbols), symbols % 2


def adding_task(rng, batch_size, length):
    r"""The adding problem (Hochreiter & Schmidhuber 1997): add the two marked numbers.

    Each step carries two features: a number drawn from $U(0, 1)$ and a marker that
    is 1 at exactly two steps (one in the first half, one in the second) and 0
    elsewhere. The target is the sum of the two marked numbers; always answering
    the mean, 1.0, gives a mean squared error of about 1/6.

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
    r"""Random well-nested bracket strings with their nesting depth after each character.

    Each string is a random walk on the depth: it opens with probability
    ``p_open`` (always at depth 0, never at ``max_depth``) and may end unbalanced.
    Returns ``x`` ``(length, B, 2)`` one-hot over ``"()"``, ``depth`` ``(length, B)``
    integer depths after each character, and ``text``, a list of ``B`` strings.
    """
    _checks.check_positive_int("batch_size", batch_size)
    _checks.check_positive_int("length", length)
    _checks.check_positive_int("max_depth", max_depth)
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


# --------------------------------------------------------------------------- brackets


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
