"""Input checks shared by every layer: errors that name the argument, what was expected and
what came. Nothing is ever fixed up silently."""

import numbers

import numpy as np


def check_positive_int(name, value):
    """``value`` as an int if it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive whole number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive whole number (>= 1), got {value}")
    return int(value)


def check_whole_number(name, value):
    """``value`` as an int if it is a whole number >= 0 (a lag, a seed), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def check_positive_float(name, value, *, allow_zero=False):
    """``value`` as a float if it is a finite number > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_one_of(name, value, options):
    """``value`` if it is one of ``options``, else ValueError listing them."""
    if value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_instance(name, value, cls, hint=""):
    """``value`` if it is a ``cls``, else TypeError: "cell must be an LSTMCell, got ..."."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be an {cls.__name__}{hint}, got {type(value).__name__}")
    return value


def check_float_dtype(name, dtype):
    """``dtype`` as a NumPy dtype if it is float32 or float64."""
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name} must be np.float32 or np.float64, got {dtype}")
    return dtype


def as_real_array(name, x):
    """``x`` as a NumPy array of real numbers (not copied if it already is one). Refused: a
    PyTorch tensor that requires grad (NumPy cannot read it) and complex numbers (NumPy
    would drop the imaginary part with only a warning)."""
    if getattr(x, "requires_grad", False) is True and hasattr(x, "detach"):
        raise TypeError(
            f"{name} is a PyTorch tensor that requires grad, which NumPy cannot read; "
            "pass tensor.detach().numpy() instead"
        )
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from err
    if np.iscomplexobj(array):
        raise TypeError(
            f"{name} must be real, got complex numbers ({array.dtype}); "
            "NumPy would silently drop the imaginary part"
        )
    return array


def check_finite(name, array):
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinity")


def as_finite_array(name, x, dtype, ndim=None, *, copy=False):
    """``x`` as a finite array of ``dtype`` (``None`` keeps a float dtype, else float64) with
    one of the ``ndim`` numbers of dimensions (``None``: any). ``copy=True`` always returns
    a new array (a layer keeps it for ``backward``, safe from the caller)."""
    array = as_real_array(name, x)
    try:
        array = np.array(array, dtype=dtype) if copy else np.asarray(array, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from err
    if dtype is None and not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if ndim is not None and array.ndim not in ndim:
        allowed = " or ".join(str(n) for n in ndim)
        raise ValueError(f"{name} must have {allowed} dimensions, got shape {array.shape}")
    check_finite(name, array)
    return array


def check_range(name, value, low, high):
    """``value`` (a number or an array) as a finite float64 array with entries in [low, high]."""
    array = as_finite_array(name, value, np.float64)
    if array.size and (array.min() < low or array.max() > high):
        bad = array.min() if array.min() < low else array.max()
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}], got {bad:g}")
    return array


def check_shape(name, array, expected):
    if array.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)}, got {array.shape}")


def check_parameter(name, value, current):
    """``value`` checked to replace the parameter array ``current``: real, finite floats of
    its shape (NumPy would broadcast a misshapen array, or keep integers, silently)."""
    what = f"parameter {name!r}"
    array = as_real_array(what, value)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{what} must hold floating-point numbers (float32 or float64), got "
            f"{array.dtype}; convert it with np.asarray(value, dtype=float)"
        )
    check_shape(what, array, current.shape)
    check_finite(what, array)
    return array


def check_time_steps(name, x):
    """Check that the time-first sequence ``x`` has at least one step."""
    if x.shape[0] == 0:
        raise ValueError(
            f"{name} has no time steps (T = 0, shape {x.shape}); a sequence needs at least one"
        )


def check_features(name, x, expected, size_name):
    """Check that the last axis of ``x`` has ``expected`` entries (the layer's ``size_name``)."""
    if x.shape[-1] != expected:
        raise ValueError(
            f"{name} must have {expected} features in its last axis ({size_name}), "
            f"got {x.shape[-1]} (shape {x.shape})"
        )


def check_state_dict(state_dict, expected, dtype):
    """``state_dict`` checked against the ``expected`` shapes (no missing, extra or misshapen
    key); returns finite arrays of ``dtype`` in the order of ``expected``."""
    if not hasattr(state_dict, "keys"):
        raise TypeError(f"state_dict must be a dict of arrays, got {type(state_dict).__name__}")
    missing = [key for key in expected if key not in state_dict]
    extra = [key for key in state_dict if key not in expected]
    if missing:
        raise KeyError(f"state_dict is missing key(s) {missing}")
    if extra:
        raise KeyError(f"state_dict has unexpected key(s) {extra}; expected {list(expected)}")
    checked = {}
    for key, shape in expected.items():
        checked[key] = as_finite_array(key, np.asarray(state_dict[key]), dtype)
        check_shape(key, checked[key], shape)
    return checked


def require_cache(cache):
    """``cache``, or RuntimeError when no forward pass has stored one yet."""
    if cache is None:
        raise RuntimeError("call forward first: backward needs the values that forward stores")
    return cache


def state_pair(argument, names, state, shape, dtype, *, stored_shape=None):
    """A pair such as ``state = (h_0, c_0)`` (parts named ``names``) as two new arrays; it,
    or either part, may be ``None`` for zeros. Each part must have ``shape`` and is
    reshaped to ``stored_shape`` if given."""
    stored_shape = shape if stored_shape is None else stored_shape
    if state is None:
        state = (None, None)
    if not isinstance(state, tuple | list) or len(state) != 2:
        kind = type(state).__name__
        got = (
            f"a {kind} of length {len(state)}" if isinstance(state, tuple | list) else f"one {kind}"
        )
        raise TypeError(
            f"{argument} must be a pair ({names[0]}, {names[1]}), each of shape {tuple(shape)}, "
            f"or None; got {got}"
        )
    pair = []
    for name, value in zip(names, state, strict=True):
        if value is None:
            pair.append(np.zeros(stored_shape, dtype))
            continue
        value = as_finite_array(name, value, dtype, copy=True)
        check_shape(name, value, shape)
        pair.append(value.reshape(stored_shape))
    return pair


def variant_arguments(gate, candidate, output, activations):
    """``LSTM``'s gate, candidate and output arguments checked under the names the learner
    typed; returns the keyword arguments of :class:`~lstm_magnifier.cell.Variant`."""
    if isinstance(gate, str):
        gate = dict.fromkeys("ifo", gate)
    elif not isinstance(gate, dict):
        raise TypeError(
            f"gate must be an activation name or a dict like {{'i': 'tanh'}}, got {gate!r}"
        )
    if not set(gate) <= set("ifo"):
        raise ValueError(f"gate keys must be among 'i', 'f', 'o', got {sorted(gate)}")
    for key, name in gate.items():
        check_one_of(f"gate[{key!r}]", name, activations)
    check_one_of("candidate", candidate, activations)
    check_one_of("output", output, (*activations, "article"))
    return {**gate, "g": candidate, "read": output}
