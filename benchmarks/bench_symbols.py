"""What a symbol should be: extended grapheme clusters (UAX #29) against code points, measured.

    python benchmarks/bench_symbols.py                  # both lists, 3,000 steps each
    python benchmarks/bench_symbols.py --steps 10000 --words 4000

Two seeded, generated word lists (no real list of either kind ships offline):
- Devanagari names: 2 to 4 syllables, each a consonant with an optional vowel sign (matra), a
  conjunct (consonant + virama + consonant) now and then, and a final anusvara sometimes; the
  syllables drawn with Zipf-like weights, so there is something to learn.
- emoji sequences: 1 to 4 units, each a person emoji with a skin tone, a flag (two regional
  indicators, from real country codes), a ZWJ family or couple, or a plain emoji.

For each list and each unit the same network (the seed MLP, block size 3, 2,000-step-free of luck:
the same seed, the same steps, the same split of the same words) is trained, then measured:
- symbols: the vocabulary's size (the boundary included);
- dev loss: nats per symbol (what the run reports) and nats per word (the whole dev split's total
  over its words: the units cut words into different numbers of symbols, so only this one compares);
- broken: pieces of characters in 1,000 samples (symbols.broken: half a flag, an orphan skin tone
  or joiner, a vowel sign with no letter, a bidirectional control), at temperature 1;
- also ASCII names (the 32,033 of makemore, ../shared/data/names.txt when present, else the
  bundled list): the vocabulary must be the same 27 symbols either way.

Prints a line per run, a Markdown table and a JSON line. Timings are not measured: the figures do not
depend on the machine's speed (only on the seed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from makemore_tui.config import Config  # noqa: E402
from makemore_tui.data import bundled_dataset, load_dataset, make_dataset  # noqa: E402
from makemore_tui.evaluation import split_loss  # noqa: E402
from makemore_tui.sampling import sample  # noqa: E402
from makemore_tui.symbols import broken  # noqa: E402
from makemore_tui.trainer import Trainer  # noqa: E402

CONSONANTS = [chr(c) for c in range(0x0915, 0x0939 + 1)]  # क .. ह
MATRAS = [chr(c) for c in (0x093E, 0x093F, 0x0940, 0x0941, 0x0942, 0x0947, 0x0948, 0x094B, 0x094C)]
VIRAMA, ANUSVARA = "\u094d", "\u0902"
TONES = [chr(c) for c in range(0x1F3FB, 0x1F3FF + 1)]
PEOPLE = ["\U0001F44D", "\U0001F44B", "\U0001F64F", "\U0001F44F", "\U0001F9D1", "\U0001F466", "\U0001F467",
          "\U0001F468", "\U0001F469", "\U0001F475", "\U0001F476", "\U0001F46E", "\U0001F477", "\U0001F482"]
PLAIN = ["\U0001F600", "\U0001F602", "\U0001F60D", "\U0001F525", "\U0001F389", "\U0001F308", "\U0001F355",
         "\u2764\ufe0f", "\u2600\ufe0f", "\U0001F680", "\U0001F3B8", "\U0001F431", "\U0001F436", "\U0001F340"]
COUNTRIES = ["IN", "FR", "DE", "JP", "BR", "US", "GB", "IT", "ES", "CN", "KE", "MX", "CA", "NG", "EG", "AR"]
FAMILY = ["\U0001F468", "\U0001F469", "\U0001F467", "\U0001F466"]
ZWJ = "\u200d"


def flag(code: str) -> str:
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


def devanagari_names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    syllables = []
    for c in CONSONANTS:
        syllables.append(c)
        syllables += [c + m for m in MATRAS]
    syllables += [a + VIRAMA + b for a, b in zip(rng.sample(CONSONANTS, 12), rng.sample(CONSONANTS, 12))]
    rng.shuffle(syllables)
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(syllables))]
    out = set()
    while len(out) < n:
        k = rng.choice((2, 2, 3, 3, 3, 4))
        name = "".join(rng.choices(syllables, weights, k=k))
        if rng.random() < 0.15:
            name += ANUSVARA
        out.add(name)
    return sorted(out)


def emoji_sequences(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)

    def unit() -> str:
        r = rng.random()
        if r < 0.35:
            return rng.choice(PEOPLE) + rng.choice(TONES)
        if r < 0.6:
            return flag(rng.choice(COUNTRIES))
        if r < 0.75:
            return ZWJ.join(rng.sample(FAMILY, rng.choice((2, 3, 4))))
        return rng.choice(PLAIN)

    out = set()
    while len(out) < n:
        out.add("".join(unit() for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))))
    return sorted(out)


def measure(words: list[str], symbols: str, steps: int, samples: int, seed: int) -> dict:
    cfg = Config(max_steps=steps, eval_every=0, log_every=steps, seed=seed, symbols=symbols,
                 eval_exact=True, keep_best=False).validate()
    data = make_dataset(words, cfg.block_size, symbols=symbols)
    trainer = Trainer(cfg, data)
    fin = trainer.run()
    dev = data.splits["dev"]
    per_symbol = split_loss(trainer.model, dev)
    per_word = per_symbol * dev.examples / dev.n_words
    names = sample(trainer.model, data.vocab, cfg.block_size, n=samples, seed=seed)
    pieces = sum(broken(s.text) for s in names)
    return {"symbols": symbols, "vocab": len(data.vocab), "dev_per_symbol": round(per_symbol, 4),
            "dev_per_word": round(per_word, 3), "broken_per_1000": round(1000 * pieces / samples, 1),
            "broken_samples": sum(broken(s.text) > 0 for s in names), "val_loss": round(fin.val_loss, 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--words", type=int, default=3000, help="words of each generated list")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    lists = {"Devanagari names": devanagari_names(args.words, args.seed),
             "emoji sequences": emoji_sequences(args.words, args.seed)}
    rows = []
    for name, words in lists.items():
        for unit in ("grapheme", "codepoint"):
            r = {"list": name, **measure(words, unit, args.steps, args.samples, args.seed)}
            rows.append(r)
            print(f"{name:17} {unit:9}  {r['vocab']:4} symbols  dev {r['dev_per_symbol']:.4f}/symbol "
                  f"{r['dev_per_word']:.3f}/word  broken {r['broken_per_1000']:g} per 1,000 samples", flush=True)
    names_file = ROOT.parent / "shared" / "data" / "names.txt"
    names_file = names_file if names_file.is_file() else bundled_dataset()
    same = [load_dataset(names_file, 3, symbols=u).vocab.itos for u in ("grapheme", "codepoint")]
    print(f"ASCII names ({names_file.name}): {len(same[0])} symbols either way, identical: {same[0] == same[1]}")
    print("\n| list | symbol | vocabulary | dev nats/symbol | dev nats/word | broken per 1,000 samples |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['list']} | {r['symbols']} | {r['vocab']} | {r['dev_per_symbol']:.4f} | {r['dev_per_word']:.3f} "
              f"| {r['broken_per_1000']:g} |")
    print(json.dumps({"steps": args.steps, "words": args.words, "rows": rows, "ascii_same": same[0] == same[1]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
