"""How long one slider move takes in each explorer of lstm_magnifier.viz.explorers.

Usage: python benchmarks/bench_widgets.py [--values N] [--clock wall|cpu]

For each explorer, one control is swept over N values (default 100) and each
``explorer.set(...)`` is timed; the table gives the median and the 90th
percentile in milliseconds. Everything is drawn with Matplotlib's Agg renderer,
off screen. The columns:

- ``set()``: what the explorer does on a slider move: compute, change the moving
  artists, redraw only what changed over the saved background (``canvas="agg"``).
  This is the whole cost with ipympl, which ships the changed pixels itself.
- ``+ PNG``: the same plus encoding the figure as PNG for the ``ipywidgets.Image``
  that shows it with the inline backend (``canvas="image"``, the default without ipympl).
- ``full draw``: the same figure kept, but redrawn in full on every move.
- ``naive``: a new figure built and drawn on every move, as a plain
  ``ipywidgets.interact`` around a plotting function does, plus its PNG
  (timed over the first quarter of the sweep, at least 10 values: it is slow).

Target: ``set()`` median <= 20 ms for GateExplorer and MemoryTimeline.

Times are wall-clock by default. On a busy machine (see the load average
printed first) ``--clock cpu`` measures the process's CPU time instead, which
is what the same code takes when it has a core to itself.
"""

import argparse
import io
import os
import statistics
import time

import matplotlib
import numpy as np

from lstm_magnifier.lstm import LSTM
from lstm_magnifier.tasks import bracket_sequences
from lstm_magnifier.timelines import (
    constant_gate_timeline,
    gate_step,
    input_sequence,
    sequence_trace,
    trace_at,
    weight_timeline,
)
from lstm_magnifier.viz.explorers import (
    GateExplorer,
    MemoryTimeline,
    SequenceMagnifier,
    WeightExplorer,
)
from lstm_magnifier.viz.views import GateView, SequenceView, TimelineView, WeightView


def timings(fn, values, clock):
    """Milliseconds of ``fn(v)`` on ``clock`` for every ``v`` (after a warm-up on five)."""
    for value in values[:5]:
        fn(value)
    times = []
    for value in values:
        start = clock()
        fn(value)
        times.append(1e3 * (clock() - start))
    return times


def summary(times):
    p90 = float(np.percentile(times, 90))
    return f"{statistics.median(times):6.1f} {p90:6.1f}"


def mover(explorer, control):
    """``explorer.set(control=value)``: what a slider move does."""

    def run(value):
        explorer.set(**{control: value})

    return run


def full_draw(explorer, control):
    """Like ``set()``, but redraw the whole (kept) figure instead of what changed."""

    def run(value):
        explorer._holding = True  # move the slider without the usual refresh ...
        explorer.controls[control].value = value
        explorer._holding = False
        explorer._refresh(full=True)  # ... and redraw everything instead

    return run


def naive(make_view, compute):
    """A new figure per value: build the view, draw it, encode it as PNG."""

    def run(value):
        view = make_view()
        view.update(compute(value))
        view.figure.savefig(io.BytesIO(), format="png")

    return run


def cases(n):
    """(name, sweep text, explorer factory, control, values, naive function)."""
    f_values = list(np.linspace(0.0, 1.0, n))
    gate_defaults = dict(GateExplorer.DEFAULTS)

    def gate_values(f):
        return {k: float(v) for k, v in gate_step(**{**gate_defaults, "f": f}).items()}

    timeline_defaults = dict(MemoryTimeline.DEFAULTS)

    def timeline_values(f):
        params = {**timeline_defaults, "f": f}
        return {**params, **constant_gate_timeline(**params)}

    weights = dict(WeightExplorer.DEFAULTS)
    pulse = input_sequence("pulse", 30)

    def weight_values(b_f):
        return weight_timeline({**weights, "b_f": b_f}, pulse)

    rng = np.random.default_rng(0)
    model = LSTM(2, 16, rng=rng)
    x, _, text = bracket_sequences(rng, 1, 40)
    x = x[:, 0]
    trace = sequence_trace(model, x)
    steps = [1 + k % 40 for k in range(n)]

    def sequence_values(t):
        step = trace_at(trace, t)
        return {"t": t, "unit": 0, **{k: getattr(step, k) for k in step.__dataclass_fields__}}

    return [
        (
            "GateExplorer",
            f"f 0..1, {n} values",
            lambda canvas: GateExplorer(canvas=canvas),
            "f",
            f_values,
            naive(GateView, gate_values),
        ),
        (
            "MemoryTimeline",
            f"f 0.5..0.99, {n} values",
            lambda canvas: MemoryTimeline(canvas=canvas),
            "f",
            list(np.linspace(0.5, 0.99, n)),
            naive(TimelineView, timeline_values),
        ),
        (
            "WeightExplorer",
            f"b_f -4..4, {n} values",
            lambda canvas: WeightExplorer(canvas=canvas),
            "b_f",
            list(np.linspace(-4.0, 4.0, n)),
            naive(lambda: WeightView(30), weight_values),
        ),
        (
            "SequenceMagnifier",
            f"t 1..40, {n} values (H=16)",
            lambda canvas: SequenceMagnifier(model, x, labels=text[0], canvas=canvas),
            "t",
            steps,
            naive(lambda: SequenceView(trace, labels=text[0]), sequence_values),
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100, help="values per sweep")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"matplotlib {matplotlib.__version__}, Agg; {args.clock} clock; load average {load} "
        f"on {os.cpu_count()} CPUs; times in ms: median p90"
    )
    print(
        f"{'explorer':<18} {'sweep':<27} {'px':>9}  {'set()':>13} {'+ PNG':>13} "
        f"{'full draw':>13} {'naive':>13}"
    )
    for name, sweep, make, control, values, naive_run in cases(args.values):
        explorer = make("agg")
        width, height = explorer.figure.canvas.get_width_height()
        ours = timings(mover(explorer, control), values, clock)
        full = timings(full_draw(explorer, control), values, clock)
        explorer.close()
        imaged = make("image")
        png = timings(mover(imaged, control), values, clock)
        imaged.close()
        rebuilt = timings(naive_run, values[: max(10, len(values) // 4)], clock)
        print(
            f"{name:<18} {sweep:<27} {width:>4}x{height:<4}  {summary(ours)} {summary(png)} "
            f"{summary(full)} {summary(rebuilt)}"
        )


if __name__ == "__main__":
    main()
