"""What a symbol is: a grapheme cluster by default (a flag, an emoji with its skin tone, a ZWJ family,
a letter with its marks never come out in pieces), a code point with --symbols codepoint; the same
27 symbols on names either way. And every pane measures in terminal cells: wide symbols line up."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len

from makemore_tui.cli import main
from makemore_tui.data import load_dataset, make_dataset
from makemore_tui.recorder import read_json

from helpers import make_words, small_model

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
THUMB = "\U0001F44D\U0001F3FD"  # thumbs up, medium skin tone
FLAG_IN = "\U0001F1EE\U0001F1F3"
HINDI = ["नमस्ते", "सीता", "राम", "कृष्ण", "लक्ष्मी", "गीता", "अर्जुन", "प्रिया"]
CJK = ["王小明", "李华", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄蓉"]


def _words(n: int = 400, seed: int = 0) -> list[str]:
    """Names made of emoji units and Devanagari and CJK names, seeded."""
    rng = random.Random(seed)
    units = [FAMILY, THUMB, FLAG_IN, "\U0001F1EB\U0001F1F7", "\U0001F600", "\u2764\ufe0f"]
    out = set()
    while len(out) < n:
        r = rng.random()
        if r < 0.4:
            out.add("".join(rng.choices(units, k=rng.randint(1, 4))))
        elif r < 0.7:
            out.add(rng.choice(HINDI) + rng.choice(HINDI)[: rng.randint(1, 3)])
        else:
            out.add(rng.choice(CJK) + rng.choice(CJK)[:1])
    return sorted(out)


def _broken(text: str) -> int:
    from makemore_tui.symbols import broken

    return broken(text)


def test_names_are_the_same_27_symbols_either_way(names_path):
    a = load_dataset(names_path, 3, symbols="grapheme")
    b = load_dataset(names_path, 3, symbols="codepoint")
    assert a.vocab.itos == b.vocab.itos and len(a.vocab) == 27
    assert all(bool((a.splits[k].tokens == b.splits[k].tokens).all()) for k in ("train", "dev", "test"))


def test_a_symbol_is_a_whole_character_by_default():
    words = _words()
    d = make_dataset(words, 3)
    for whole in (FAMILY, THUMB, FLAG_IN, "स्ते", "क्ष्मी", "कृ"):
        assert whole in d.vocab.symbols
    assert "\u200d" not in d.vocab.symbols and "\U0001F3FD" not in d.vocab.symbols
    assert d.words == words  # every word read back whole
    assert d.is_known(d.split_words["train"][0]) and d.vocab.encode("सीता") == [d.vocab.stoi[c] for c in
                                                                                 ("सी", "ता")]
    cp = make_dataset(words, 3, symbols="codepoint")  # the other unit, on the same words
    assert "\u200d" in cp.vocab.symbols and FAMILY not in cp.vocab.symbols and not cp.vocab.clustered


def test_samples_never_hold_half_characters(tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(_words()) + "\n", encoding="utf-8")
    work = tmp_path / "run"
    assert main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "60", "--eval-every", "0"]) == 0
    assert read_json(work / "config.json")["symbols"] == "grapheme"
    capsys.readouterr()
    assert main(["--sample-only", "-o", str(work), "-i", str(words), "--num-samples", "300", "--seed", "1"]) == 0
    names = capsys.readouterr().out.splitlines()
    assert len(names) == 300 and sum(map(_broken, names)) == 0
    # the same words cut into code points: the pieces come out (what the default prevents)
    cp = tmp_path / "cp"
    assert main(["--headless", "-i", str(words), "-o", str(cp), "--max-steps", "60", "--eval-every", "0",
                 "--symbols", "codepoint"]) == 0
    capsys.readouterr()
    assert main(["--sample-only", "-o", str(cp), "-i", str(words), "--num-samples", "300", "--seed", "1"]) == 0
    assert sum(map(_broken, capsys.readouterr().out.splitlines())) > 0


def test_the_sample_columns_line_up_in_cells():
    from makemore_tui.app.sample_panel import SampleList
    from makemore_tui.sampling import Sample

    texts = ["王小明", "ab", THUMB + FLAG_IN, "नमस्ते", "z" * 30, "李\u202eevil"]
    lst = SampleList()
    lst.samples = [Sample(text=t, logprob=-3.5, is_new=True, ended=True, held_out=False) for t in texts]
    cells, width = lst._cells()
    assert {cell_len(plain) for _, plain in cells} == {width}  # every cell the same width on the screen
    assert all("\u202e" not in plain for _, plain in cells)  # a bidirectional override made visible


@pytest.mark.parametrize("names", [CJK, [THUMB, FLAG_IN, "a" + FAMILY, "b"]])
def test_the_confusion_header_lines_up_with_its_rows(names):
    from makemore_tui.insight.confusion import confusion
    from makemore_tui.insight.render import heat_table

    d = make_dataset(names * 20 + make_words(50), 3)
    conf = confusion(small_model(d), d.eval_split("dev"), None, d.vocab)
    lines = heat_table(conf, cell=2).plain.split("\n")
    # each row: its label and its cells, then " 12.5% of 40" or "   (none)" (render.heat_table)
    header, rows = lines[0], [ln[:-9] if ln.endswith("(none)") else ln[:ln.rindex("% of ") - 6] for ln in lines[1:]]
    assert {cell_len(r) for r in rows} == {cell_len(header)}, (header, rows[:3])  # the grid, in cells
