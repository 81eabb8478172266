"""lstm_magnifier: a small NumPy LSTM that shows its four networks at work.

The package behind the book *LSTM Cell, with a Magnifier*. Each step of the cell
is split into the four small networks the book names (learn, forget, remember,
use), and every intermediate value is kept so that the chapters and widgets can
display it.
"""

__version__ = "0.1.0"
