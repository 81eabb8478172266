"""lstm_magnifier: a small NumPy LSTM that shows its four networks at work.

The package behind the book *LSTM Cell, with a Magnifier*. One cell step (``cell.step``)
is split into the four small networks the book names (learn, forget, remember, use) and
keeps every value in a ``Trace``; ``cell.step_backward`` undoes it. The ``LSTM`` that
trains in every chapter is a loop over those two functions.

Each module imports only from those listed before it: ``_checks``; ``nn`` (the layers and
the sequence model); ``cell`` and ``lstm`` (the core a learner reads); training
(``losses``, ``optim``, ``tasks``, ``training``, ``experiments``, ``variants``); looking
inside (``weights``, ``timelines``, ``probes``); and ``viz``, the only part that draws.
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
