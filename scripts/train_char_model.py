"""Train the character-level LSTMs of chapter 17 on CPython's library source and measure them.

    OPENBLAS_NUM_THREADS=1 python scripts/train_char_model.py train --seeds 0 1 2 3 4
    OPENBLAS_NUM_THREADS=1 python scripts/train_char_model.py measure

``train`` writes ``src/lstm_magnifier/data/char_lstm_seed{s}.npz`` (float32 weights, the
vocabulary as code points, and the training's CPU and wall seconds); seeds may be trained in
separate processes. ``measure`` reads every shipped model and writes
``char_lstm_measured.json``: held-out perplexities, the n-gram baselines, the best unit for
each property of the text (trained and untrained), and samples.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from lstm_magnifier import text
from lstm_magnifier.training import split_seed

DATA = Path(__file__).resolve().parents[1] / "src" / "lstm_magnifier" / "data"
SETTINGS = {"hidden_size": 128, "steps": 2500, "length": 64, "batch": 32, "lr": 5e-3}
TEMPERATURES = (0.5, 0.8, 1.0)
PROMPT = "def "


def train(seed, settings, out_dir=DATA, progress=True):
    """Train one model from ``seed`` and write its weights; returns the model."""
    train_text, _ = text.load_text()
    vocab = text.vocabulary(train_text)
    ids = text.encode(train_text, vocab)
    init_rng, data_rng, _ = split_seed(seed)
    model = text.char_model(len(vocab), settings["hidden_size"], rng=init_rng)
    cpu, wall = time.process_time(), time.perf_counter()
    options = {k: settings[k] for k in ("steps", "length", "batch", "lr")}
    losses = text.train_char_model(model, ids, rng=data_rng, progress=progress, **options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    arrays = {k: v.astype(np.float32) for k, v in model.state_dict().items()}
    np.savez_compressed(
        Path(out_dir) / f"char_lstm_seed{seed}.npz",
        vocab=np.array([ord(ch) for ch in vocab], dtype=np.int32),
        train_cpu_seconds=np.float32(cpu),
        train_wall_seconds=np.float32(wall),
        final_train_loss=np.float32(np.mean(losses[-100:])),
        **arrays,
    )
    print(
        f"seed {seed}: {cpu:.0f} s CPU, {wall:.0f} s wall, last loss {np.mean(losses[-100:]):.3f}"
    )
    return model


def measure(out_dir=DATA):
    """Measure every shipped model on the held-out text; write and return the numbers."""
    train_text, held = text.load_text()
    vocab = text.vocabulary(train_text)
    ids = text.encode(held, vocab)
    props = text.properties(held)
    ngram = {
        f"{order},{k}": text.ngram_perplexity(train_text, held, order, k, vocab)
        for order in range(1, 6)
        for k in (0.01, 0.1, 1.0)
    }
    result = {"settings": SETTINGS, "held_out_chars": len(held), "ngram": ngram, "seeds": {}}
    for seed in text.shipped_seeds():
        model, _ = text.load_char_model(seed)
        logits, h, c = text.run(model, ids, streams=64)
        untrained = text.char_model(len(vocab), model.core.hidden_size, rng=split_seed(seed)[0])
        _, h0, c0 = text.run(untrained, ids, streams=64)
        with np.load(out_dir / f"char_lstm_seed{seed}.npz") as archive:
            times = {k: float(archive[k]) for k in ("train_cpu_seconds", "train_wall_seconds")}
        result["seeds"][str(seed)] = {
            "perplexity": text.perplexity_from_logits(logits, ids),
            "units": text.best_units(h, c, props),
            "untrained_units": text.best_units(h0, c0, props),
            "samples": {
                str(t): text.sample(model, vocab, 300, temperature=t, seed=seed, prompt=PROMPT)
                for t in TEMPERATURES
            },
            **times,
        }
    (Path(out_dir) / "char_lstm_measured.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("train", "measure"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"])
    args = parser.parse_args()
    if args.what == "train":
        for seed in args.seeds:
            train(seed, {**SETTINGS, "steps": args.steps})
    else:
        result = measure()
        for seed, numbers in result["seeds"].items():
            print(seed, round(numbers["perplexity"], 3), numbers["units"])
        print("best n-gram", min(result["ngram"].items(), key=lambda item: item[1]))


if __name__ == "__main__":
    main()
