"""lstm_magnifier: a small NumPy LSTM that shows its four networks at work.

The package behind the book *LSTM Cell, with a Magnifier*. Each step of the cell
is split into the four small networks the book names (learn, forget, remember,
use), and every intermediate value is kept so that the chapters and widgets can
display it.
"""

__version__ = "0.1.0"

from lstm_magnifier.cell import CellTrace, LSTMCell
from lstm_magnifier.lstm import LSTM, from_keras_weights
from lstm_magnifier.networks import (
    forget_network,
    learn_network,
    remember_network,
    sigmoid,
    use_network,
    use_network_article,
)

__all__ = [
    "LSTM",
    "CellTrace",
    "LSTMCell",
    "forget_network",
    "from_keras_weights",
    "learn_network",
    "remember_network",
    "sigmoid",
    "use_network",
    "use_network_article",
]
