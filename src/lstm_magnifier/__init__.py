"""lstm_magnifier: a small NumPy LSTM that shows its four networks at work.

The package behind the book *LSTM Cell, with a Magnifier*. One cell step (``cell.step``)
is split into the four small networks the book names (learn, forget, remember, use) and
keeps every value in a ``Trace``; ``cell.step_backward`` undoes it. The ``LSTM`` that
trains in every chapter is a loop over those two functions.

Modules, each importing only from the ones listed before it: ``_checks``; ``nn`` (the
Module protocol, dense, RNN and convolution layers, the sequence model); ``cell`` and
``lstm`` (the core a learner reads); training (``losses``, ``optim``, ``tasks``,
``training`` with the one experiment runner ``run_seeds``, ``experiments`` and
``variants``); looking inside (``weights``, ``timelines``, ``probes``); and ``viz``, the
only subpackage that draws (palette, diagrams, plots, explorers).
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
