r"""The four small networks of one LSTM cell, as pure functions on arrays.

The book reads an LSTM cell as four networks that share one input (chapter 7):

* the **learn** network turns the event $x_t$ and the short-term memory $h_{t-1}$
  into something worth storing (chapter 8);
* the **forget** network decides how much of the long-term memory $c_{t-1}$ to keep
  (chapter 9);
* the **remember** network adds the two into the new long-term memory $c_t$
  (chapter 10);
* the **use** network reads the new long-term memory out into the new short-term
  memory $h_t$ (chapter 11).

Every gate is a one-layer network with its own weights. A gate argument is a
tuple ``(W_x, W_h, b)`` with ``W_x`` of shape ``(H, D)``, ``W_h`` of shape
``(H, H)`` and ``b`` of shape ``(H,)``; ``x`` is ``(B, D)`` or ``(D,)`` and the
memories are ``(B, H)`` or ``(H,)``. Symbols follow the book's notation table.
"""

import numpy as np


def sigmoid(z):
    r"""Logistic function $\sigma(z) = 1 / (1 + e^{-z})$, stable for any finite ``z``.

    Written as $\sigma(z) = \tfrac12\,(1 + \tanh(z/2))$, which is the same function
    but never overflows: ``sigmoid(-1e6)`` is ``0.0`` with no warning.
    The dtype of ``z`` (float32 or float64) is kept.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def layer(x, h_prev, gate):
    r"""The pre-activation of one gate: $x W_x^\top + h_{t-1} W_h^\top + b$, shape ``(B, H)``."""
    W_x, W_h, b = gate
    return x @ W_x.T + h_prev @ W_h.T + b


def learn_network(x, h_prev, input_gate, candidate):
    r"""Learn network (chapter 8): what the event adds to long-term memory.

    .. math::
        g_t = \tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g) \qquad \text{(combine)}

        i_t = \sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i) \qquad \text{(ignore)}

        \text{learn}_t = i_t \odot g_t

    Returns ``(learn, i, g)``, each of shape ``(B, H)``.
    """
    i = sigmoid(layer(x, h_prev, input_gate))
    g = np.tanh(layer(x, h_prev, candidate))
    return i * g, i, g


def forget_network(c_prev, x, h_prev, forget_gate):
    r"""Forget network (chapter 9): how much long-term memory survives.

    .. math::
        f_t = \sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f), \qquad
        \text{forget}_t = f_t \odot c_{t-1}

    Returns ``(forget, f)``, each of shape ``(B, H)``.
    """
    f = sigmoid(layer(x, h_prev, forget_gate))
    return f * c_prev, f


def remember_network(forget, learn):
    r"""Remember network (chapter 10): the new long-term memory.

    .. math:: c_t = \text{forget}_t + \text{learn}_t = f_t \odot c_{t-1} + i_t \odot g_t

    Returns ``c`` of shape ``(B, H)``.
    """
    return forget + learn


def use_network(c, x, h_prev, output_gate):
    r"""Use network (chapter 11), the standard form: the new short-term memory.

    .. math::
        o_t = \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o), \qquad h_t = o_t \odot \tanh(c_t)

    The $\tanh$ on $c_t$ has no weights. Returns ``(h, o)``, each of shape ``(B, H)``.
    """
    o = sigmoid(layer(x, h_prev, output_gate))
    return o * np.tanh(c), o


def use_network_article(forget, x, h_prev, use_layer, output_gate):
    r"""Use network as the article's source lesson draws it (chapter 11).

    Its $\tanh$ is a learned layer that reads only the forget network's output
    $f_t \odot c_{t-1}$, not the new long-term memory $c_t$:

    .. math::
        u_t = \tanh(W_u\,(f_t \odot c_{t-1}) + b_u), \qquad
        o_t = \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o), \qquad h_t = u_t \odot o_t

    ``use_layer`` is ``(W_u, b_u)`` with ``W_u`` of shape ``(H, H)``.
    Returns ``(h, u, o)``, each of shape ``(B, H)``.
    """
    W_u, b_u = use_layer
    u = np.tanh(forget @ W_u.T + b_u)
    o = sigmoid(layer(x, h_prev, output_gate))
    return u * o, u, o
