"""lstm_magnifier: a small NumPy LSTM that shows its four networks at work.

The package behind the book *LSTM Cell, with a Magnifier*. One cell step (``cell.step``) is
split into the four small networks the book names (learn, forget, remember, use) and keeps
every value in a ``Trace``; ``cell.step_backward`` undoes it; the ``LSTM`` that trains in
every chapter loops over the two. Only ``viz`` draws.
"""

__version__ = "0.1.0"

from lstm_magnifier.cell import (
    LSTMCell,
    Trace,
    Variant,
    forget_network,
    learn_network,
    remember_network,
    step,
    step_backward,
    use_network,
    use_network_article,
)
from lstm_magnifier.lstm import LSTM

__all__ = [
    "LSTM",
    "LSTMCell",
    "Trace",
    "Variant",
    "forget_network",
    "learn_network",
    "remember_network",
    "step",
    "step_backward",
    "use_network",
    "use_network_article",
]
