r"""A sequence model: a core that reads the sequence, then a dense head that answers.

The book's experiments all have this shape: an LSTM, a plain RNN or a causal
convolution reads $x_1 \dots x_T$, and a :class:`~lstm_magnifier.nn.Dense`
layer turns what it produced into logits, either once at the end (one label per
sequence) or at every step (one label per step). Swapping only the core is how
chapters 3 to 5 compare the three fairly.
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.nn import Module, Parameters


def count_parameters(module):
    """Number of scalar parameters of anything with a ``params`` dict of arrays."""
    if not hasattr(module, "params"):
        raise TypeError(f"expected a module with a .params dict, got {type(module).__name__}")
    return int(sum(np.size(p) for p in module.params.values()))


def _output_size(core):
    """Features the core produces per step: ``hidden_size`` (LSTM, RNN) or ``out_channels``."""
    for attribute in ("hidden_size", "out_channels"):
        if hasattr(core, attribute):
            return getattr(core, attribute), attribute
    return None, None


class SequenceModel(Module):
    r"""``core`` over the sequence, then ``head`` on its output.

    Parameters
    ----------
    core : LSTM, RNN or CausalConv1d
        ``core.forward(x, train=...)`` returns ``out`` ``(T, B, H)``, or
        ``(out, state)`` for the recurrent ones; ``core.backward(d_out)`` returns
        ``dx`` or ``(dx, d_state)``.
    head : Dense
        Maps the core's $H$ features to $K$ logits.
    readout : "last" or "all"
        "last": logits from the last step only, $z = \mathrm{head}(h_T)$, shape
        ``(B, K)``, to classify a whole sequence. "all": $z_t = \mathrm{head}(h_t)$
        at every step, shape ``(T, B, K)``.

    ``params`` and ``grads`` join the core's and the head's under the prefixes
    ``core.`` and ``head.``; the arrays are the layers' own, so an optimizer built
    on ``model.params`` trains both, and ``model.params["head.bias"] = b`` writes
    into the head's array.
    """

    def __init__(self, core, head, *, readout="last"):
        for name, part in (("core", core), ("head", head)):
            if not all(hasattr(part, a) for a in ("params", "grads", "forward", "backward")):
                raise TypeError(
                    f"{name} must be a layer with params, grads, forward and backward, "
                    f"got {type(part).__name__}"
                )
        size, attribute = _output_size(core)
        in_features = getattr(head, "in_features", None)
        if size is not None and in_features is not None and size != in_features:
            raise ValueError(
                f"head must read {size} features (the core's {attribute}), "
                f"got a head with in_features={in_features}"
            )
        core_dtype, head_dtype = getattr(core, "dtype", None), getattr(head, "dtype", None)
        if core_dtype != head_dtype:
            raise ValueError(f"core and head must share a dtype, got {core_dtype} and {head_dtype}")
        self.core = core
        self.head = head
        self.readout = _checks.check_one_of("readout", readout, ("last", "all"))
        self.dtype = core_dtype
        self._cache = None

    def __repr__(self):
        return f"SequenceModel(core={self.core!r}, head={self.head!r}, readout={self.readout!r})"

    @property
    def params(self):
        """``{"core.<name>": array, "head.<name>": array}``, the layers' live arrays."""
        return Parameters(self._joined("params"))

    @property
    def grads(self):
        """The layers' gradients under the same keys as :attr:`params`."""
        return self._joined("grads")

    def _joined(self, attribute):
        joined = {f"core.{k}": v for k, v in getattr(self.core, attribute).items()}
        joined.update({f"head.{k}": v for k, v in getattr(self.head, attribute).items()})
        return joined

    def forward(self, x, *, train=False):
        """``x`` ``(T, B, D)`` or ``(T, D)`` -> logits.

        Logits are ``(B, K)`` (``(K,)`` unbatched) for ``readout="last"`` and
        ``(T, B, K)`` (``(T, K)``) for ``readout="all"``. ``train`` is passed to
        the core (it switches dropout on in a stacked LSTM).
        """
        out = self.core.forward(x, train=train)
        if isinstance(out, tuple):  # recurrent cores also return their final state
            out = out[0]
        features = out[-1] if self.readout == "last" else out
        self._cache = out.shape
        return self.head.forward(features)

    def backward(self, d_logits):
        """Gradient of the loss w.r.t. the logits in; fills :attr:`grads`; returns ``dx``."""
        out_shape = _checks.require_cache(self._cache)
        d_features = self.head.backward(d_logits)
        if self.readout == "last":
            d_out = np.zeros(out_shape, self.dtype)
            d_out[-1] = d_features
        else:
            d_out = d_features
        dx = self.core.backward(d_out)
        return dx[0] if isinstance(dx, tuple) else dx
