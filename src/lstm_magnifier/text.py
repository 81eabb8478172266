r"""A character-level LSTM on real text (chapter 17): Python source from CPython's library.

The text (``data/stdlib_text.txt``, PSF licence in ``data/PSF-LICENSE.txt``) is 28 modules
of CPython 3.11.7's ``Lib/`` for training and 3 more held out. The model reads one-hot
characters and predicts the next one: :class:`~lstm_magnifier.lstm.LSTM` plus a
:class:`~lstm_magnifier.nn.Dense` readout, trained on random windows (truncated
backpropagation through time). Baseline: a character n-gram with add-$k$ smoothing.
"""

import io
import itertools
import json
import tokenize
from collections import Counter
from importlib import resources

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.losses import softmax_cross_entropy
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense, SequenceModel
from lstm_magnifier.probes import depth_correlations
from lstm_magnifier.tasks import one_hot
from lstm_magnifier.training import fit
from lstm_magnifier.weights import float32_layers

HELD_OUT_FILES = ("posixpath", "filecmp", "fileinput")
"""The modules held out: never seen in training, the last ones in the text file."""
DATA = resources.files("lstm_magnifier") / "data"


def load_text():
    """``(train, held_out)``: the shipped text split before ``Lib/posixpath.py``."""
    text = (DATA / "stdlib_text.txt").read_text(encoding="utf-8")
    cut = text.index(f"# ---- Lib/{HELD_OUT_FILES[0]}.py ----\n")
    return text[:cut], text[cut:]


def vocabulary(text):
    """The characters of ``text``, sorted, as one string; character ``vocab[k]`` has id k."""
    return "".join(sorted(set(text)))


def encode(text, vocab):
    """``text`` -> ids ``(N,)``; a character missing from ``vocab`` is a ``ValueError``."""
    index = {ch: k for k, ch in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"text has characters outside the vocabulary: {unknown}")
    return np.array([index[ch] for ch in text], dtype=np.int64)


def decode(ids, vocab):
    """Ids -> the string they spell."""
    return "".join(vocab[k] for k in np.asarray(ids).ravel())


def windows(rng, ids, length, batch, vocab_size):
    """``batch`` random windows of ``length`` characters: one-hot ``x`` ``(T, B, V)`` and the
    next characters ``y`` ``(T, B)``, so ``y[t] = x[t + 1]`` inside a window."""
    if not 0 < length < len(ids):
        raise ValueError(f"length must be in [1, {len(ids)}) for {len(ids)} ids, got {length}")
    starts = rng.integers(0, len(ids) - length, size=batch)
    idx = starts[None, :] + np.arange(length)[:, None]
    return one_hot(ids[idx], vocab_size).astype(np.float32), ids[idx + 1]


def char_model(vocab_size, hidden_size, rng=None, *, dtype=np.float32):
    """An LSTM of ``hidden_size`` units reading one-hot characters and a Dense layer giving
    the next character's logits at every step (float32 unless ``dtype`` says otherwise)."""
    rng = np.random.default_rng(rng)
    core = LSTM(vocab_size, hidden_size, dtype=dtype, rng=rng)
    return SequenceModel(core, Dense(hidden_size, vocab_size, dtype=dtype, rng=rng), readout="all")


def train_char_model(model, ids, *, steps, length=64, batch=32, lr=5e-3, rng=None, progress=False):
    """Adam on random windows of ``ids`` (each from a zero state); returns the losses."""
    V = model.head.out_features
    batches = lambda r: windows(r, ids, length, batch, V)  # noqa: E731
    return fit(model, batches, steps=steps, lr=lr, rng=rng, progress=progress)


def run(model, ids, streams=1):
    """Read ``ids`` in ``streams`` equal pieces side by side, each from a zero state and a
    zero input. Returns ``logits`` ``(N, V)`` (row $t$ predicts ``ids[t]``) and the memories
    ``h``, ``c`` ``(N, H)`` after reading each character, in the order of the text."""
    V, N = model.head.out_features, len(ids)
    T = -(-N // streams)
    padded = np.zeros(T * streams, dtype=np.int64)
    padded[:N] = ids
    x = np.zeros((T + 1, streams, V), np.float32)
    x[1:] = one_hot(padded.reshape(streams, T).T, V)
    model.core.forward(x)
    trace = model.core.trace(0)
    logits = model.head.forward(trace.h[:-1])
    flat = lambda a: a.transpose(1, 0, 2).reshape(T * streams, -1)[:N]  # noqa: E731
    return flat(logits), flat(trace.h[1:]), flat(trace.c[1:])


def perplexity(model, ids, streams=1):
    r"""$\exp(-\frac1N \sum_t \log p(x_t \mid x_{<t}))$ of the model on ``ids``."""
    return perplexity_from_logits(run(model, ids, streams)[0], ids)


def perplexity_from_logits(logits, ids):
    """The perplexity of next-character ``logits`` ``(N, V)`` on the characters ``ids``
    (summed in float64, so that float32 logits give the same digits on every machine)."""
    return float(np.exp(softmax_cross_entropy(np.asarray(logits, np.float64), ids)[0]))


def uniforms(seed):
    r"""Numbers in $[0, 1)$ from a whole-number ``seed`` below $2^{32}$, without end:
    Marsaglia's (2003) xorshift32 generator, three shifts and exclusive ors of a 32-bit
    state started from $(\mathrm{seed} \cdot \mathtt{9E3779B9_{16}} + \mathtt{6D2B79F5_{16}})
    \bmod 2^{32}$. Not NumPy's generator, because the page's JavaScript (``uniforms`` in
    ``text_magnifier.js``) must draw the same numbers."""
    seed = _checks.check_whole_number("seed", seed)
    if seed >= 2**32:
        raise ValueError(f"seed must be below 2**32, got {seed}")

    def numbers(x):
        while True:
            x ^= (x << 13) & 0xFFFFFFFF
            x ^= x >> 17
            x ^= (x << 5) & 0xFFFFFFFF
            yield x / 2**32

    return numbers((seed * 0x9E3779B9 + 0x6D2B79F5) & 0xFFFFFFFF or 1)


def draw(logits, temperature, u):
    r"""The character drawn from $\mathrm{softmax}(z / T)$ by the number ``u`` in $[0, 1)$:
    the first $k$ whose running sum of $e^{(z_k - \max z) / T}$ passes ``u`` times the total
    (float64, summed in order, as the page does)."""
    z = np.asarray(logits, np.float64)
    running = np.cumsum(np.exp((z - z.max()) / temperature))
    return min(int(np.searchsorted(running, u * running[-1], side="right")), len(z) - 1)


def browser_model(model):
    """A float64 copy of a character ``model`` holding exactly the float32 numbers the page
    runs (its two LSTM biases added into one): what :func:`sample` computes with, so that
    Python and JavaScript differ only in the order of their sums."""
    copy = char_model(model.head.out_features, model.core.hidden_size, dtype=np.float64, rng=0)
    state = {f"head.{k}": v.astype(np.float32) for k, v in model.head.params.items()}
    for k, layer in enumerate(float32_layers(model.core)):
        state.update({f"core.{name}_l{k}": layer[name] for name in ("weight_ih", "weight_hh")})
        state[f"core.bias_ih_l{k}"] = layer["bias"]
        state[f"core.bias_hh_l{k}"] = np.zeros_like(layer["bias"])
    copy.load_state_dict({k: v.astype(np.float64) for k, v in state.items()})
    return copy


def sample(model, vocab, length, *, temperature=1.0, seed=0, prompt=""):
    r"""``length`` characters drawn one at a time from $\mathrm{softmax}(z / T)$ after
    ``prompt``: $T < 1$ sharpens, $T > 1$ flattens. One ``seed`` gives one text, the same
    one the page's generate button writes (:func:`uniforms`, :func:`draw`,
    :func:`browser_model`)."""
    temperature = _checks.check_positive_float("temperature", temperature)
    length = _checks.check_positive_int("length", length)
    numbers, V, model = uniforms(seed), len(vocab), browser_model(model)
    x = np.zeros((1, V))
    if prompt:
        x = np.concatenate([x, one_hot(encode(prompt, vocab), V)])
    out, state = model.core.forward(x)
    chars = []
    for u in itertools.islice(numbers, length):
        chars.append(draw(model.head.forward(out[-1]), temperature, u))
        out, state = model.core.forward(one_hot([chars[-1]], V), state)
    return decode(chars, vocab)


def ngram_log_probs(train, text, order, k=0.1, vocab=None):
    r"""$\log p(x_t \mid \text{the } n-1 \text{ characters before})$ for each character of
    ``text``, from counts in ``train`` with add-$k$ smoothing over $V$ characters; before
    the first character the context is padded with ``"\0"``:

    .. math:: p(c \mid u) = \frac{N(uc) + k}{N(u) + kV}
    """
    order = _checks.check_positive_int("order", order)
    k = _checks.check_positive_float("k", k, allow_zero=True)
    vocab = vocabulary(train) if vocab is None else vocab
    encode(text, vocab)  # the same error as the LSTM for unknown characters
    pad = "\0" * (order - 1)
    grams = lambda s: Counter(s[i : i + order] for i in range(len(s) - order + 1))  # noqa: E731
    full, contexts = grams(pad + train), Counter()
    for gram, n in full.items():
        contexts[gram[:-1]] += n
    s = pad + text
    scored = [s[i : i + order] for i in range(len(text))]
    num = np.array([full[g] for g in scored], dtype=np.float64) + k
    den = np.array([contexts[g[:-1]] for g in scored], dtype=np.float64) + k * len(vocab)
    return np.log(num / den)


def ngram_perplexity(train, text, order, k=0.1, vocab=None):
    """The perplexity of the add-``k`` n-gram of ``order`` on ``text``."""
    return float(np.exp(-ngram_log_probs(train, text, order, k, vocab).mean()))


PROPERTIES = (
    "inside a string",
    "inside a comment",
    "indentation",
    "position in line",
    "bracket depth",
)


def properties(source):
    """Per character of Python ``source``: whether it is inside a string literal, inside a
    comment, the indentation (leading spaces) of its line, its column, and how many
    brackets are open after it. A dict ``{name: (N,) float array}`` keyed by PROPERTIES."""
    lines = source.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(line) for line in lines])
    N = len(source)
    string, comment, depth = np.zeros(N), np.zeros(N), np.zeros(N + 1)
    at = lambda pos: starts[pos[0] - 1] + pos[1]  # noqa: E731
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        raise ValueError(f"source must be Python that tokenizes, but: {error}") from None
    for tok in tokens:
        if tok.type in (tokenize.STRING, tokenize.COMMENT):
            mask = string if tok.type == tokenize.STRING else comment
            mask[at(tok.start) : at(tok.end)] = 1
        elif tok.type == tokenize.OP and tok.string in "([{)]}":
            depth[at(tok.start)] += 1 if tok.string in "([{" else -1
    column = np.concatenate([np.arange(len(line)) for line in lines])
    indent = np.concatenate(
        [np.full(len(line), len(line) - len(line.lstrip(" "))) for line in lines]
    )
    values = (string, comment, indent, column, np.cumsum(depth)[:N])
    return {name: v.astype(np.float64) for name, v in zip(PROPERTIES, values, strict=True)}


def best_units(h, c, props):
    """For each property, the unit of ``h`` or ``c`` ``(N, H)`` (from :func:`run`) whose value
    correlates most with it: ``{name: (memory, unit, r)}``, ``memory`` ``"h"`` or ``"c"``."""
    found = {}
    for name, values in props.items():
        found[name] = max(
            (
                (m, int(u), float(r))
                for m, a in (("h", h), ("c", c))
                for u, r in enumerate(depth_correlations(a, values))
            ),
            key=lambda hit: abs(hit[2]),
        )
    return found


def load_char_model(seed=0):
    """``(model, vocab)``: the shipped model trained from ``seed`` (0 to 4), float32."""
    name = f"char_lstm_seed{seed}.npz"
    if not (DATA / name).is_file():
        raise ValueError(f"no shipped model for seed {seed!r}; seeds are {shipped_seeds()}")
    with resources.as_file(DATA / name) as file, np.load(file) as archive:
        vocab = "".join(map(chr, archive["vocab"]))
        model = char_model(len(vocab), archive["core.weight_hh_l0"].shape[1], rng=0)
        model.load_state_dict({key: archive[key] for key in model.params})
    return model, vocab


def shipped_seeds():
    """The seeds of the shipped models."""
    return sorted(int(p.name[14:-4]) for p in DATA.iterdir() if p.name.startswith("char_lstm_seed"))


def measured():
    """The numbers ``scripts/train_char_model.py`` measured when it trained them (a dict)."""
    return json.loads((DATA / "char_lstm_measured.json").read_text(encoding="utf-8"))
