"""Checks for the exercises' tests that an answer cannot fake (for teachers, see the book).

A test cell runs in the notebook right after the answer, so the answer could have rebound
``abs``, replaced ``np.allclose`` or returned an object whose ``==`` is always true, and
it could call the package's own version of what the exercise asks for. These helpers
check types before values, compare with functions taken when the package was imported,
draw hidden inputs from a seed fixed by the exercise's name, and take chosen package
functions away while an answer runs (:func:`without`).
"""

import contextlib
import importlib
import math
import numbers
import zlib

import numpy as np

_isclose, _float, _type, _isinstance = math.isclose, float, type, isinstance
_array, _abs, _ndarray = np.array, np.abs, np.ndarray
_REAL = (numbers.Real, np.floating, np.integer)


def rng_for(exercise):
    """A generator seeded by the exercise's name: the same hidden inputs at every grading."""
    return np.random.default_rng(zlib.crc32(str(exercise).encode()))


def number(value, what="the answer"):
    """``value`` as a float, if it is a real number (not a ``bool`` or a look-alike)."""
    if _isinstance(value, bool) or not _isinstance(value, _REAL):
        raise AssertionError(f"{what} should be a number, got {_type(value).__name__}")
    return _float(value)


def close(value, expected, what="the answer", *, rel=1e-9, atol=1e-12):
    """Fail unless ``value`` is a number within ``rel``/``atol`` of ``expected``."""
    got = number(value, what)
    if not _isclose(got, _float(expected), rel_tol=rel, abs_tol=atol):
        raise AssertionError(f"{what} is not right: got {got!r}")


def all_close(value, expected, what="the answer", *, rel=1e-9, atol=1e-12):
    """Fail unless ``value`` (an array or a list of numbers) has ``expected``'s shape and values."""
    if not _isinstance(value, (_ndarray, list, tuple)):
        raise AssertionError(f"{what} should be an array, got {_type(value).__name__}")
    got, want = _array(value, dtype=_float), _array(expected, dtype=_float)
    if got.shape != want.shape:
        raise AssertionError(f"{what} should have shape {want.shape}, got {got.shape}")
    if not bool((_abs(got - want) <= atol + rel * _abs(want)).all()):
        raise AssertionError(f"{what} is not right")


def _owner(path):
    """``(object holding the attribute, attribute name)`` for a dotted path such as
    ``lstm_magnifier.cell.LSTMCell.step``: the longest importable module, then attributes."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:-1]:
            owner = getattr(owner, name)
        getattr(owner, parts[-1])  # an AttributeError names a wrong path at once
        return owner, parts[-1]
    raise ValueError(f"cannot find {path!r}: give a dotted path that starts with a module")


@contextlib.contextmanager
def without(namespace, *paths):
    """Run the block with the package functions ``paths`` taken away: calling one fails.

    ``namespace`` is the notebook's ``globals()``: names an answer imported from the package
    (``from lstm_magnifier.nn import count_parameters``) are taken away there too.
    """
    saved = []
    try:
        for path in paths:
            owner, name = _owner(path)
            original = owner.__dict__[name] if _isinstance(owner, type) else getattr(owner, name)

            def refuse(*args, _path=path, **kwargs):
                raise AssertionError(f"this exercise asks for your own code, not {_path}")

            saved.append((owner, name, original))
            setattr(owner, name, refuse)
            for key, value in list(namespace.items()):
                if value is original or getattr(value, "__func__", None) is original:
                    saved.append((namespace, key, value))
                    namespace[key] = refuse
        yield
    finally:
        for owner, name, original in reversed(saved):
            if _isinstance(owner, dict):
                owner[name] = original
            else:
                setattr(owner, name, original)
