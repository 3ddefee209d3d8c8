"""`makemore-tui lesson --plain`: every step printed with numbers that equal tensors this test computes
on its own, with the lecture's code (the X rows, the shapes, the torch error, the loss by hand and
by F.cross_entropy, the two loops of the notes, the short training and the sampled name); -i, --seed
and the sizes change them; --lang and LANG choose the language; bad flags give one line and exit 2."""

from __future__ import annotations

import math
import random
import re
import subprocess

import pytest
import torch
import torch.nn.functional as F

from helpers import NAMES, PYTHON, make_words, subprocess_env
from makemore_tui.config import LECTURE_SEED
from makemore_tui.lesson import command
from makemore_tui.lesson.text_en import TEXT as EN
from makemore_tui.lesson.text_it import TEXT as IT

HEADER = re.compile(r"^== \S+ (\d+) \S+ 10: (.*) ==$", re.M)


# ---- the lecture's code, written out here: what the printed numbers must equal --------------------

class Reference:
    """The lecture's tensors for a word list: the vocabulary, the first batch, the initial weights."""

    def __init__(self, words, seed=LECTURE_SEED, T=3, E=2, H=100, B=32):
        self.words, self.seed, self.T, self.E, self.H, self.B = words, seed, T, E, H, B
        chars = sorted(set("".join(words)))
        self.itos = ["."] + chars  # the test words have no '.'
        self.stoi = {c: i + 1 for i, c in enumerate(chars)}
        X, Y = self.build(words, stop=B)
        self.X, self.Y = X[:B], Y[:B]
        self.params = self.draw(torch.Generator().manual_seed(seed))

    def build(self, words, stop=None):
        X, Y = [], []
        for w in words:
            context = [0] * self.T
            for ix in [self.stoi[c] for c in w] + [0]:
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
            if stop is not None and len(X) >= stop:
                break
        return torch.tensor(X), torch.tensor(Y)

    def draw(self, g):
        V, T, E, H = len(self.itos), self.T, self.E, self.H
        return [torch.randn((V, E), generator=g), torch.randn((T * E, H), generator=g),
                torch.randn(H, generator=g), torch.randn((H, V), generator=g), torch.randn(V, generator=g)]

    def logits(self, params, X):
        C, W1, b1, W2, b2 = params
        h = torch.tanh(C[X].view(X.shape[0], self.T * self.E) @ W1 + b1)
        return h @ W2 + b2

    def epochs(self, learning_rate):
        params = [p.clone().requires_grad_() for p in self.params]
        losses = []
        for _ in range(100):
            loss = F.cross_entropy(self.logits(params, self.X), self.Y)
            losses.append(loss.item())
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data += -learning_rate * p.grad
        return losses

    def trained(self, steps=2000):
        """The lecture's split (random.seed(42), shuffle, 80/10/10) and `steps` minibatch steps."""
        words = list(self.words)
        random.Random(42).shuffle(words)
        n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
        Xtr, Ytr = self.build(words[:n1])
        Xdev, Ydev = self.build(words[n1:n2])
        g = torch.Generator().manual_seed(self.seed)
        params = self.draw(g)
        for p in params:
            p.requires_grad_()
        for _ in range(steps):
            ix = torch.randint(0, Xtr.shape[0], (self.B,), generator=g)
            loss = F.cross_entropy(self.logits(params, Xtr[ix]), Ytr[ix])
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data += -0.1 * p.grad
        with torch.no_grad():
            return params, F.cross_entropy(self.logits(params, Xtr), Ytr).item(), \
                F.cross_entropy(self.logits(params, Xdev), Ydev).item()

    def sample(self, params):
        """The first name drawn from `params` as the lecture draws it: (context, probs, drawn) a character."""
        g = torch.Generator().manual_seed(self.seed + 10)
        context, draws = [0] * self.T, []
        while True:
            with torch.no_grad():
                probs = F.softmax(self.logits(params, torch.tensor([context])), dim=1)[0]
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            draws.append(("".join(self.itos[i] for i in context), probs, ix))
            context = context[1:] + [ix]
            if ix == 0:
                return draws


# ---- reading the printed lesson -----------------------------------------------------------------

def lesson_text(capsys, *argv) -> str:
    assert command.main(["--plain", *argv]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def steps_of(text: str) -> dict[int, str]:
    """Each step's printed text (its header included), by number."""
    heads = list(HEADER.finditer(text))
    assert [int(m.group(1)) for m in heads] == list(range(1, 11))
    ends = [m.start() for m in heads[1:]] + [len(text)]
    return {int(m.group(1)): text[m.start() : end] for m, end in zip(heads, ends)}


def flat(text: str) -> str:
    return " ".join(text.split())


def number_after(text: str, words: str) -> float:
    m = re.search(re.escape(words) + r"\s*([-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?)", flat(text))
    assert m, f"{words!r} is not in the step"
    return float(m.group(1).replace(",", ""))


def series(text: str, name: str) -> list[float]:
    """The values a text chart lists under `x = name:`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s+[a-h] = {re.escape(name)}:$", line))
    values = []
    for line in lines[start + 1 :]:
        if not line.startswith("    ") or not line.strip():
            break
        values += [float(v) for v in line.split()]
    return values


# ---- the lesson on a small word list -------------------------------------------------------------

WORDS = make_words(300)


@pytest.fixture(scope="module")
def words_path(tmp_path_factory):
    p = tmp_path_factory.mktemp("lesson") / "words.txt"
    p.write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def printed(words_path) -> dict[int, str]:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        assert command.main(["--plain", "-i", str(words_path), "--lang", "en"]) == 0
    return steps_of(out.getvalue())


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference(WORDS)


def test_every_step_is_printed_with_its_title_and_code(printed):
    titles = [EN[f"title.{k}"] for k in ("network", "data", "embedding", "shapes", "hidden", "loss", "backward",
                                         "loop", "minibatch", "sampling")]
    for n, text in printed.items():
        assert HEADER.match(text).group(2) == titles[n - 1]
        assert "\nCode:\n    " in text


def test_step1_counts_the_weights_of_every_layer(printed, ref):
    total = sum(p.numel() for p in ref.params)
    assert number_after(printed[1], "In all the network has") == total
    assert number_after(printed[1], "Input to hidden: 6x100 =") == ref.params[1].numel()
    assert f"o {ref.itos[-1]}" in printed[1]  # the output layer ends on the last symbol


def test_step2_prints_the_first_rows_of_X_with_their_characters(printed, ref):
    rows = re.findall(r"^\s+(\d+)\s+\[([\d, ]+)\]\s+(\S+)\s+->\s+(\d+) (\S)$", printed[2], re.M)
    assert len(rows) >= 5
    for i, xs, chars, y, ych in rows:
        i = int(i)
        assert [int(v) for v in xs.split(",")] == ref.X[i].tolist()
        assert chars == "".join(ref.itos[int(v)] for v in ref.X[i])
        assert int(y) == int(ref.Y[i]) and ych == ref.itos[int(ref.Y[i])]
    assert f"X.shape is {tuple(ref.X.shape)}" in flat(printed[2])
    assert tuple(ref.X.shape) == (32, 3)


def test_step3_takes_a_row_of_emb_apart(printed, ref):
    C = ref.params[0]
    emb = C[ref.X]
    assert f"the shape {tuple(emb.shape)}" in flat(printed[3])
    parts = re.findall(r"^emb\[(\d+), (\d+)\] = C\[(\d+)\] \((\S)\)\s+\[\s*([-\d.]+),\s*([-\d.]+)\]$", printed[3], re.M)
    assert len(parts) == 3
    for i, j, k, ch, a, b in parts:
        assert int(ref.X[int(i), int(j)]) == int(k) and ref.itos[int(k)] == ch
        assert [float(a), float(b)] == pytest.approx(emb[int(i), int(j)].tolist(), abs=1e-4)


def test_step4_shows_the_error_torch_raises(printed, ref):
    C, W1 = ref.params[:2]
    with pytest.raises(RuntimeError) as raised:
        C[ref.X] @ W1
    assert f"RuntimeError: {raised.value}" in flat(printed[4])
    assert "(96x2 and 6x100)" in str(raised.value)
    assert "emb.view(32, 6)" in printed[4]


def test_step5_counts_the_saturated_units(printed, ref):
    C, W1, b1 = ref.params[:3]
    h = torch.tanh(C[ref.X].view(32, 6) @ W1 + b1)
    sat = int((h.abs() > 0.99).sum())
    assert number_after(printed[5], f"Of h's {h.numel():,} values,") == sat


def test_step6_loss_by_hand_equals_cross_entropy(printed, ref):
    logits = ref.logits(ref.params, ref.X)
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    hand = -probs[torch.arange(32), ref.Y].log().mean().item()
    ce = F.cross_entropy(logits, ref.Y).item()
    shown_hand = number_after(printed[6], "By hand:")
    shown_ce = number_after(printed[6], "F.cross_entropy(logits, Y) does the same in one call (and stays exact "
                                        "for large logits):")
    assert shown_hand == pytest.approx(hand, abs=1e-6) and shown_ce == pytest.approx(ce, abs=1e-6)
    assert abs(shown_hand - shown_ce) <= 1e-6 * max(1.0, ce)
    assert number_after(printed[6], "ln(27) =") == pytest.approx(math.log(27), abs=1e-4)


def test_step8_the_notes_sign_climbs_and_the_fixed_one_falls(printed, ref):
    climbing, falling = ref.epochs(-0.1), ref.epochs(0.1)
    up, down = series(printed[8], EN["loop.series_up"]), series(printed[8], EN["loop.series_down"])
    assert up == pytest.approx(climbing, rel=1e-4, abs=1e-3)
    assert down == pytest.approx(falling, rel=1e-4, abs=1e-3)
    assert len(up) == len(down) == 100 and up[0] == down[0]  # the same initial weights
    assert up[-1] > 10 * up[0] and down[-1] < up[0] / 10


def test_step9_and_10_train_and_sample_as_the_lecture_does(printed, ref):
    params, train, dev = ref.trained()
    result = flat(printed[9])
    m = re.search(r"the loss went from [\d.]+ to (\d+\.\d+); over the dev split's [\d,]+ examples, from [\d.]+ "
                  r"to (\d+\.\d+)", result)
    assert m and float(m.group(1)) == pytest.approx(train, abs=1e-3) and float(m.group(2)) == pytest.approx(dev, abs=1e-3)
    draws = ref.sample(params)
    shown = re.findall(r'^character (\d+): after "(\S+)" it drew "(\S)" \(p = ([\d.]+)\)$', printed[10], re.M)
    assert len(shown) == min(len(draws), 12)
    for (k, ctx, ch, p), (context, probs, ix) in zip(shown, draws):
        assert ctx == context and ch == ref.itos[ix] and float(p) == pytest.approx(probs[ix].item(), abs=1e-4)
    first = printed[10].split("character 1:")[1].split("\n\n")[0]
    bars = {label: float(v) for label, v in re.findall(r"^\s+(\S)\s+([\d.]+)(?: |$)", first, re.M)}
    assert bars == pytest.approx({s: p for s, p in zip(ref.itos, draws[0][1].tolist())}, abs=1e-4)
    name = "".join(ref.itos[ix] for _, _, ix in draws[:-1])
    if len(draws) <= 12:
        assert f'The name: "{name}"' in flat(printed[10])


def test_seed_sizes_and_input_change_the_numbers(capsys, words_path):
    other = Reference(WORDS[5:], seed=7, T=4, E=3, H=50, B=16)
    words_file = words_path.parent / "other.txt"
    words_file.write_text("\n".join(WORDS[5:]) + "\n", encoding="utf-8")
    steps = steps_of(lesson_text(capsys, "-i", str(words_file), "--seed", "7", "--block-size", "4", "--n-embd", "3",
                                 "--n-hidden", "50", "-b", "16", "--lang", "en"))
    assert f"X.shape is {tuple(other.X.shape)}" in flat(steps[2])
    row = re.search(r"^\s+0\s+\[([\d, ]+)\]", steps[2], re.M)
    assert [int(v) for v in row.group(1).split(",")] == other.X[0].tolist()
    with pytest.raises(RuntimeError) as raised:
        other.params[0][other.X] @ other.params[1]
    assert f"RuntimeError: {raised.value}" in flat(steps[4]) and "(64x3 and 12x50)" in str(raised.value)
    ce = F.cross_entropy(other.logits(other.params, other.X), other.Y).item()
    assert number_after(steps[6], "By hand:") == pytest.approx(ce, abs=1e-5)
    assert "manual_seed(7)" in steps[1]


def test_italian_leaves_nothing_in_english(capsys, words_path):
    text = lesson_text(capsys, "-i", str(words_path), "--lang", "it")
    steps = steps_of(text)
    for n, step in steps.items():
        assert step.startswith(f"== Passo {n} di 10: ")
        assert "\nCodice:\n" in step
    for key, words in EN.items():  # no English title or prose sentence (one without {fields}) is printed
        if words != IT[key] and "{" not in words and len(words) > 12:
            assert words not in text, key

def test_lang_env_picks_italian_and_the_flag_wins(monkeypatch):
    from makemore_tui.lesson import Lesson

    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    assert Lesson.from_args(["--plain"]).lang == "it"
    assert Lesson.from_args(["--plain"]).titles()[0] == IT["title.network"]
    assert Lesson.from_args(["--lang", "en"]).lang == "en"
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")  # LC_ALL overrides LANG
    assert Lesson.from_args([]).lang == "en"
    monkeypatch.delenv("LC_ALL")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert Lesson.from_args([]).lang == "en"


@pytest.mark.parametrize("argv, says", [
    (["--lang", "fr"], "--lang"),
    (["--block-size", "0"], "block_size"),
    (["--n-embd", "two"], "not a number"),
    (["-b", "1.5"], "not a whole number"),
    (["--n-hidden", "100000"], "n_hidden"),
    (["-i", "/nonexistent/words.txt"], "does not exist"),
    (["--bogus"], "unrecognized"),
])
def test_bad_flags_give_one_line_and_exit_2(capsys, argv, says):
    assert command.main(["--plain", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("makemore-tui lesson: error: ") and says in err


def test_without_a_terminal_the_lesson_is_printed(capsys, words_path, printed):
    assert command.main(["-i", str(words_path), "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert "not a terminal" in err and err.count("\n") == 1
    assert steps_of(out) == printed


def test_a_batch_larger_than_the_data_is_refused(capsys, tmp_path):
    p = tmp_path / "few.txt"
    p.write_text("\n".join(make_words(12)) + "\n", encoding="utf-8")
    examples = sum(len(w) + 1 for w in make_words(12))
    assert command.main(["--plain", "-i", str(p), "-b", str(examples + 1)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{examples:,} examples" in err


def test_the_command_on_the_makemore_names_in_a_child(tmp_path):
    if not NAMES.is_file():
        pytest.skip(f"{NAMES} is not present")
    words = NAMES.read_text(encoding="utf-8").split()
    ref = Reference(words)
    proc = subprocess.run([PYTHON, "-m", "makemore_tui", "lesson", "--plain", "-i", str(NAMES), "--lang", "en"],
                          capture_output=True, text=True, env=subprocess_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr
    steps = steps_of(proc.stdout)
    k = next(n for n in range(1, len(words)) if sum(len(w) + 1 for w in words[:n]) >= 32)
    first = ", ".join(f'"{w}"' for w in words[:k])
    assert f"The data's first {k} words ({first}) give {sum(len(w) + 1 for w in words[:k])} examples" in flat(steps[2])
    assert words[0] == "emma" and ref.X[3].tolist() == [5, 13, 13]
    assert re.search(r"^\s+3\s+\[5, 13, 13\]\s+emm\s+->\s+1 a$", steps[2], re.M)
    ce = F.cross_entropy(ref.logits(ref.params, ref.X), ref.Y).item()
    assert number_after(steps[6], "By hand:") == pytest.approx(ce, abs=1e-5)
    with pytest.raises(RuntimeError) as raised:
        ref.params[0][ref.X] @ ref.params[1]
    assert f"RuntimeError: {raised.value}" in flat(steps[4])
