"""The character-level model of chapter 17: text, vocabulary, sampling, perplexity, n-grams,
the properties of Python source, the shipped models, and the training script in small."""

import itertools

import numpy as np
import pytest
from sitekit import load_script

from lstm_magnifier import text
from lstm_magnifier.training import split_seed


@pytest.fixture(scope="module")
def corpus():
    train, held = text.load_text()
    return train, held, text.vocabulary(train)


def test_the_text_is_the_named_modules_with_the_held_out_ones_last(corpus):
    train, held, vocab = corpus
    assert held.startswith("# ---- Lib/posixpath.py ----\n")
    for name in text.HELD_OUT_FILES:
        assert f"# ---- Lib/{name}.py ----\n" in held
        assert f"Lib/{name}.py" not in train
    assert train.startswith("# CPython 3.11.7 standard library")
    assert 300_000 < len(train) < 500_000 and 30_000 < len(held) < 60_000
    assert set(held) <= set(vocab) and "\n" in vocab and len(vocab) < 100


def test_encode_and_decode_round_trip(corpus):
    _, held, vocab = corpus
    ids = text.encode(held[:2000], vocab)
    assert ids.dtype.kind == "i" and ids.shape == (2000,)
    assert text.decode(ids, vocab) == held[:2000]
    assert text.vocabulary("banana") == "abn"
    assert list(text.encode("nab", "abn")) == [2, 0, 1]


def test_characters_outside_the_vocabulary_are_named():
    with pytest.raises(ValueError, match=r"outside the vocabulary: \['c', 'é'\]"):
        text.encode("abcé", "ab")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        text.ngram_log_probs("abab", "abz", order=2)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="order"):
        text.ngram_log_probs("abab", "ab", order=0)
    with pytest.raises(ValueError, match="k"):
        text.ngram_log_probs("abab", "ab", order=2, k=-1)
    with pytest.raises(ValueError, match="length must be in"):
        text.windows(np.random.default_rng(0), np.arange(10), 10, 2, 10)


def test_windows_predict_the_next_character():
    ids = np.arange(50) % 7
    x, y = text.windows(np.random.default_rng(0), ids, 10, 4, 7)
    assert x.shape == (10, 4, 7) and y.shape == (10, 4)
    assert np.array_equal(x.argmax(-1)[1:], y[:-1])
    assert np.array_equal((x.argmax(-1) + 1) % 7, y)


def uniform_model(probabilities):
    """A model whose weights are all 0 but the readout bias: it always predicts ``p``."""
    model = text.char_model(len(probabilities), 3, rng=0)
    for array in model.params.values():
        array[...] = 0
    model.head.params["bias"][...] = np.log(probabilities)
    return model


def test_perplexity_by_hand():
    # always p(a) = 2/3, p(b) = 1/3: on "ab" the perplexity is (2/3 * 1/3) ** (-1/2)
    model = uniform_model([2 / 3, 1 / 3])
    assert text.perplexity(model, np.array([0, 1])) == pytest.approx(3 / np.sqrt(2), rel=1e-6)
    assert text.perplexity(uniform_model([0.5, 0.5]), np.array([0, 1, 1, 0])) == pytest.approx(2)


def test_ngram_by_hand():
    # unigram on "aab", k = 0: p(a) = 2/3, p(b) = 1/3
    assert text.ngram_perplexity("aab", "ab", 1, k=0) == pytest.approx(3 / np.sqrt(2))
    # bigram on "abab" with k = 1, V = 2: p(a | start) = (1+1)/(1+2), p(b | a) = (2+1)/(2+2)
    logp = text.ngram_log_probs("abab", "ab", 2, k=1)
    assert np.allclose(np.exp(logp), [2 / 3, 3 / 4])
    assert text.ngram_perplexity("abab", "ab", 2, k=1) == pytest.approx(np.sqrt(2))


def test_streams_read_the_text_in_independent_pieces(corpus):
    _, held, vocab = corpus
    model = text.char_model(len(vocab), 8, rng=1)
    ids = text.encode(held[:301], vocab)
    logits, h, c = text.run(model, ids, streams=3)
    pieces = [text.run(model, piece) for piece in (ids[:101], ids[101:202], ids[202:])]
    for k, whole in enumerate((logits, h, c)):
        assert whole.shape[0] == 301
        assert np.allclose(whole, np.concatenate([p[k] for p in pieces]), atol=1e-6)


def test_sampling_is_repeatable_per_seed_and_sharpens_with_low_temperature(corpus):
    _, _, vocab = corpus
    model = text.char_model(len(vocab), 16, rng=2)
    model.head.params["bias"][...] = np.random.default_rng(0).normal(0, 1.5, len(vocab))
    one = text.sample(model, vocab, 200, temperature=1.0, seed=5)
    assert one == text.sample(model, vocab, 200, temperature=1.0, seed=5)
    assert one != text.sample(model, vocab, 200, temperature=1.0, seed=6)
    assert len(one) == 200 and set(one) <= set(vocab)

    def entropy(s):
        p = np.unique(list(s), return_counts=True)[1] / len(s)
        return -(p * np.log(p)).sum()

    cold = text.sample(model, vocab, 400, temperature=0.3, seed=5)
    assert entropy(cold) < entropy(text.sample(model, vocab, 400, temperature=1.0, seed=5)) - 0.5
    with pytest.raises(ValueError, match="temperature must be a finite number > 0, got 0"):
        text.sample(model, vocab, 5, temperature=0)
    with pytest.raises(ValueError, match="seed must be a whole number >= 0, got -1"):
        text.sample(model, vocab, 5, seed=-1)


def test_uniforms_are_xorshift32_from_the_mixed_seed():
    """The first numbers of seed 0 by hand: the state (0 * 9E3779B9 + 6D2B79F5) mod 2^32, then
    x ^= x << 13, x ^= x >> 17, x ^= x << 5 (mod 2^32); each number is the state / 2^32."""
    x, expected = 0x6D2B79F5, []
    for _ in range(3):
        x ^= (x << 13) % 2**32
        x ^= x >> 17
        x ^= (x << 5) % 2**32
        expected.append(x / 2**32)
    numbers = text.uniforms(0)
    assert [next(numbers) for _ in range(3)] == expected
    many = np.fromiter(itertools.islice(text.uniforms(7), 20000), float)
    assert 0 <= many.min() and many.max() < 1 and abs(many.mean() - 0.5) < 0.01
    assert np.histogram(many, bins=10, range=(0, 1))[0].min() > 1800  # about 2,000 per tenth
    assert next(text.uniforms(2**32 - 1)) != next(text.uniforms(0))
    for bad in (-1, 2**32, 1.5, "3"):
        with pytest.raises(ValueError, match="seed must be"):
            text.uniforms(bad)


def test_draw_inverts_the_cumulative_softmax():
    logits = np.log([0.5, 0.25, 0.25])  # probabilities 0.5, 0.25, 0.25 at temperature 1
    drawn = [text.draw(logits, 1.0, u) for u in (0.0, 0.49, 0.51, 0.74, 0.76, 0.999)]
    assert drawn == [0, 0, 1, 1, 2, 2]
    # temperature 0.5 squares the probabilities before normalising: 4/6, 1/6, 1/6
    assert [text.draw(logits, 0.5, u) for u in (0.66, 0.67, 0.83, 0.84)] == [0, 1, 1, 2]
    assert text.draw([1000.0, 0.0], 1.0, 0.999) == 0  # no overflow: the largest is exp(0)
    rng = np.random.default_rng(0)
    z = rng.normal(size=6)
    p = np.exp(z) / np.exp(z).sum()
    counts = np.bincount([text.draw(z, 1.0, u) for u in rng.uniform(size=20000)], minlength=6)
    assert np.abs(counts / 20000 - p).max() < 0.015


def test_the_browser_model_holds_the_shipped_float32_numbers_in_float64(corpus):
    _, _, vocab = corpus
    model = text.char_model(len(vocab), 8, rng=4)
    copy = text.browser_model(model)
    assert copy.dtype == np.float64 and model.dtype == np.float32
    p, q = model.core.params, copy.core.params
    assert np.array_equal(q["weight_hh_l0"], p["weight_hh_l0"].astype(np.float64))
    assert np.array_equal(q["bias_ih_l0"], (p["bias_ih_l0"] + p["bias_hh_l0"]).astype(np.float64))
    assert not q["bias_hh_l0"].any()
    ids = text.encode(vocab[:20] * 3, vocab)
    assert np.abs(text.run(copy, ids)[0] - text.run(model, ids)[0]).max() < 1e-4


def test_a_near_zero_temperature_is_greedy(corpus):
    _, _, vocab = corpus
    model = text.char_model(len(vocab), 16, rng=3)
    ids = [text.encode("d", vocab)[0]]
    for _ in range(20):  # read the whole prefix again; the last row predicts what follows it
        logits, _, _ = text.run(model, np.array([*ids, 0]))
        ids.append(int(logits[-1].argmax()))
    greedy = text.decode(ids[1:], vocab)
    assert text.sample(model, vocab, 20, temperature=1e-4, seed=0, prompt="d") == greedy


def test_properties_of_python_source_by_hand():
    source = 'x = "ab"  # c\nif (a[\n    1]):\n    pass\n'
    props = text.properties(source)
    assert set(props) == set(text.PROPERTIES)
    digits = {name: "".join(str(int(v)) for v in values) for name, values in props.items()}
    assert digits["inside a string"] == "0000" + "1111" + "0" * 31
    assert digits["inside a comment"] == "0" * 10 + "111" + "0" * 26
    assert digits["indentation"] == "0" * 21 + "4" * 18
    assert digits["bracket depth"] == "0" * 17 + "1122222221" + "0" * 12
    assert list(props["position in line"][14:21]) == list(range(7))
    with pytest.raises(ValueError, match="source must be Python that tokenizes"):
        text.properties("x = (1,\n")  # a bracket never closed


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_shipped_models_give_the_shipped_held_out_perplexity(corpus, seed):
    _, held, _ = corpus
    assert seed in text.shipped_seeds()
    model, vocab = text.load_char_model(seed)
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.num_parameters() < 300_000
    measured = text.measured()["seeds"][str(seed)]["perplexity"]
    # float32 sums in another order (another BLAS kernel) move the fourth digit at most
    assert text.perplexity(model, text.encode(held, vocab), streams=64) == pytest.approx(
        measured, rel=1e-4
    )


def test_unknown_seed_is_a_clear_error():
    with pytest.raises(ValueError, match="no shipped model for seed 99"):
        text.load_char_model(99)


def test_the_script_reproduces_the_claims_at_a_small_size(corpus, tmp_path):
    """A 32-unit model after 300 steps (a few seconds): far better than the unigram on the
    held-out text, and an indentation unit that an untrained model of the same seed lacks."""
    train, held, vocab = corpus
    script = load_script("train_char_model")
    small = {"hidden_size": 32, "steps": 300, "length": 32, "batch": 16, "lr": 1e-2}
    model = script.train(0, small, out_dir=tmp_path, progress=False)
    assert (tmp_path / "char_lstm_seed0.npz").is_file()
    ids, props = text.encode(held, vocab), text.properties(held)
    logits, h, c = text.run(model, ids, streams=64)
    unigram = text.ngram_perplexity(train, held, 1, k=0.1)
    assert text.perplexity_from_logits(logits, ids) < 0.75 * unigram  # measured 9.7 vs 21.7
    untrained = text.char_model(len(vocab), 32, rng=split_seed(0)[0])
    _, h0, c0 = text.run(untrained, ids, streams=64)
    learned = abs(text.best_units(h, c, props)["indentation"][2])
    before = abs(text.best_units(h0, c0, props)["indentation"][2])
    assert learned > 0.35 and learned > before + 0.1  # measured 0.45 and 0.27
