"""The Lesson engine as the screen uses it: step k alone equals step k after the steps before it, a
step computed in a worker while titles() is read, every block within the widths of page.py, the whole
lesson in Italian with no step left in English, run_config, ui, and data the lecture's defaults do not
cover (a '.' in the words, a context of one symbol)."""

from __future__ import annotations

import threading

import random

import pytest
from rich.cells import cell_len

from helpers import make_words
from makemore_tui.config import preset
from makemore_tui.lesson import Lesson
from makemore_tui.lesson.core import STEP_KEYS
from makemore_tui.lesson.page import PRE_WIDTH, Bars, Chart, Para, Pre, Step
from makemore_tui.lesson.text_en import TEXT as EN
from makemore_tui.lesson.text_it import TEXT as IT
from makemore_tui.lesson.words import lang_from_env

WORDS = make_words(300, seed=3)


@pytest.fixture(scope="module")
def walked() -> Lesson:
    lesson = Lesson(WORDS)
    for n in range(1, lesson.count + 1):
        lesson.step(n)
    return lesson


@pytest.fixture(scope="module")
def italian() -> Lesson:
    return Lesson(WORDS, lang="it")


def test_the_steps_are_the_notes_in_order(walked):
    assert walked.count == 10 and len(walked.titles()) == 10
    assert [walked.step(n).key for n in range(1, 11)] == list(STEP_KEYS)
    assert [walked.step(n).number for n in range(1, 11)] == list(range(1, 11))
    assert all(isinstance(walked.step(n), Step) and walked.step(n).code and walked.step(n).blocks for n in range(1, 11))
    with pytest.raises(ValueError):
        walked.step(11)


@pytest.mark.parametrize("n", [3, 6, 8, 10])
def test_a_step_alone_gives_the_numbers_it_gives_after_the_others(walked, n):
    assert Lesson(WORDS).step(n) == walked.step(n)


def test_steps_are_computed_once_and_kept(walked):
    assert walked.is_ready(9) and walked.step(9) is walked.step(9)


def test_a_worker_computes_a_step_while_titles_are_read():
    lesson = Lesson(WORDS)
    got: list[Step] = []
    workers = [threading.Thread(target=lambda: got.append(lesson.step(9))) for _ in range(2)]
    for w in workers:
        w.start()
    titles = set()
    while any(w.is_alive() for w in workers):
        titles.add(lesson.titles())
        assert lesson.ui()["step_of"].format(n=9, count=lesson.count)
        workers[0].join(0.01)  # wait without holding the GIL: a spinning loop starves the workers on one core
    for w in workers:
        w.join()
    assert len(titles) <= 1 and len(got) == 2 and got[0] is got[1]


def test_a_computed_step_answers_while_another_is_computing():
    lesson = Lesson(WORDS)
    first = lesson.step(1)
    worker = threading.Thread(target=lesson.step, args=(9,))
    with lesson._lock:  # as while a worker computes a step
        worker.start()
        assert lesson.step(1) is first and not lesson.is_ready(9)
    worker.join()
    assert lesson.is_ready(9)


def _check_widths(lesson: Lesson, code_too: bool) -> None:
    for n in range(1, lesson.count + 1):
        step = lesson.step(n)
        for block in step.blocks:
            if isinstance(block, Pre):
                assert all(cell_len(line) <= PRE_WIDTH for line in block.lines), (n, block.lines)
            elif isinstance(block, Bars):
                assert len(block.labels) == len(block.values) and block.values
                assert block.marked is None or 0 <= block.marked < len(block.values)
            elif isinstance(block, Chart):
                assert block.series and all(ys for _, ys in block.series)
            else:
                assert isinstance(block, Para) and block.text.strip()
        if code_too:
            assert all(cell_len(line) <= PRE_WIDTH for line in step.code), (n, step.code)


def test_every_line_fits_the_width_of_a_step(walked):
    _check_widths(walked, code_too=True)


def test_other_sizes_fit_too():
    _check_widths(Lesson(WORDS, seed=5, block_size=8, n_embd=10, n_hidden=300, batch_size=64), code_too=False)


def test_wide_characters_spaces_and_dots_fit_too():
    r = random.Random(0)
    pieces = ["東京", "大阪", "山", "🙂", "é", "ß", "Ab", "x y", "O.K"]
    words = ["".join(r.choice(pieces) for _ in range(r.randint(1, 3))) for _ in range(200)]
    lesson = Lesson(words)
    assert lesson.state.vocab.mark not in ".·"  # the data has '.' and a space (shown as ·)
    _check_widths(lesson, code_too=False)


def test_every_text_has_an_italian_entry_and_no_step_stays_english(walked, italian):
    assert EN.keys() == IT.keys()
    assert all(IT[k] != EN[k] for k in EN if not k.startswith("net.col_") and k not in ("mb.y",))
    assert set(italian.titles()).isdisjoint(walked.titles())
    for n in range(1, 11):
        en = [b.text for b in walked.step(n).blocks if isinstance(b, Para) and not b.text.startswith("RuntimeError")]
        it = [b.text for b in italian.step(n).blocks if isinstance(b, Para) and not b.text.startswith("RuntimeError")]
        assert en and len(en) == len(it) and all(a != b for a, b in zip(en, it)), n
        labels = [b.title for b in walked.step(n).blocks if isinstance(b, (Chart, Bars))]
        italian_labels = [b.title for b in italian.step(n).blocks if isinstance(b, (Chart, Bars))]
        assert all(a != b for a, b in zip(labels, italian_labels)), n
        assert _python(italian.step(n).code) == _python(walked.step(n).code)  # the code stays Python
        en_notes, it_notes = _comments(walked.step(n).code), _comments(italian.step(n).code)
        assert len(en_notes) == len(it_notes) and all(a != b for a, b in zip(en_notes, it_notes) if "(" not in a), n


def _python(code) -> list[str]:
    """The code lines without their comments (a comment is in the lesson's language)."""
    return [line.split("    # ")[0] for line in code]


def _comments(code) -> list[str]:
    return [line.split("    # ", 1)[1] for line in code if "    # " in line]


def test_the_ui_words_are_in_the_lessons_language(walked, italian):
    for lesson in (walked, italian):
        ui = lesson.ui()
        for key in ("steps", "next", "back", "start_run", "help", "quit", "computing", "step_of"):
            assert ui[key].strip()
        assert ui["step_of"].format(n=2, count=10) != ui["step_of"]
    assert all(walked.ui()[k] != italian.ui()[k] for k in ("steps", "next", "back", "start_run", "quit"))


def test_the_locale_picks_the_language():
    assert lang_from_env({"LANG": "it_IT.UTF-8"}) == "it"
    assert lang_from_env({"LC_MESSAGES": "it_CH", "LANG": "en_US.UTF-8"}) == "it"
    assert lang_from_env({"LC_ALL": "en_US.UTF-8", "LANG": "it_IT.UTF-8"}) == "en"
    assert lang_from_env({"LANG": "C"}) == "en" and lang_from_env({}) == "en"


def test_run_config_is_the_seed_mlp_with_the_lessons_settings():
    lesson = Lesson(WORDS, seed=9, block_size=4, n_embd=3, n_hidden=40, batch_size=20, input_file="w.txt")
    cfg = lesson.run_config()
    assert cfg == preset("seed", seed=9, block_size=4, n_embd=3, n_hidden=40, batch_size=20)
    assert cfg.type == "mlp" and lesson.input_file == "w.txt"


def test_words_with_a_dot_show_the_runs_own_boundary_mark():
    words = [w + ".x" if i % 7 == 0 else w for i, w in enumerate(make_words(200, seed=4))]
    lesson = Lesson(words)
    mark = lesson.state.vocab.mark
    assert mark != "." and "." in lesson.state.vocab.itos
    assert f"stoi['{mark}'] = 0" in lesson.step(2).code
    table = next(b for b in lesson.step(2).blocks if isinstance(b, Pre) and any("->" in line for line in b.lines))
    assert table.lines[1].split("]")[1].split()[0] == mark * 3  # the first context: three boundary tokens


def test_a_context_of_one_symbol_has_no_shapes_error():
    lesson = Lesson(WORDS, block_size=1)
    texts = [b.text for b in lesson.step(4).blocks if isinstance(b, Para)]
    assert not any(t.startswith("RuntimeError") for t in texts)
    assert EN["shapes.noerror"].format(T=1) in texts


def test_the_first_step_draws_every_layer():
    lesson = Lesson(WORDS, n_hidden=7, n_embd=5)
    diagram = next(b for b in lesson.step(1).blocks if isinstance(b, Pre)).lines
    assert "7 tanh" in diagram[1] and "3x5 = 15" in diagram[1] and "27 scores" in diagram[1]
    assert sum(line.count("o") for line in diagram[3:]) >= 3 * 4  # input, hidden, output: 4 drawn each


def test_italian_writes_numbers_the_italian_way(walked, italian):
    total = sum(p.numel() for p in italian.state.init)
    assert total >= 1000
    assert f"{total:,}".replace(",", ".") + " parametri" in italian.step(1).blocks[2].text
    hand = next(b.text for b in walked.step(6).blocks if isinstance(b, Para) and "By hand:" in b.text)
    value = hand.split("By hand: ")[1].split(". ")[0]
    assert f"A mano: {value.replace('.', ',')}." in " ".join(b.text for b in italian.step(6).blocks if isinstance(b, Para))
    assert _python(italian.step(8).code) == _python(walked.step(8).code) and "learning_rate = -0.1" in italian.step(8).blocks[0].text


def test_a_climb_that_breaks_down_is_said_and_charted_up_to_there():
    from makemore_tui.lesson.state import Loop

    lesson = Lesson(WORDS)
    losses = (18.0, 400.0, float("inf"), float("nan"))
    lesson.state.__dict__["climb"] = Loop(-0.1, losses, lesson.state.init)  # what the cached loop would hold
    step = lesson.step(8)
    chart = next(b for b in step.blocks if isinstance(b, Chart))
    assert chart.series[0][1] == (18.0, 400.0)
    assert EN["loop.up_bad"].format(epoch=3, value="inf", first=18.0) in [b.text for b in step.blocks if isinstance(b, Para)]


def test_too_few_words_are_refused_at_once():
    from makemore_tui.data import MIN_WORDS, DataError

    with pytest.raises(DataError):
        Lesson(make_words(MIN_WORDS - 1))


def test_the_vocabulary_is_the_runs_grapheme_clusters_included():
    from makemore_tui.data import make_dataset

    words = [w + "e\u0301" if i % 5 == 0 else w for i, w in enumerate(make_words(200))] + ["a👩\u200d👩\u200d👧b"] * 3
    lesson = Lesson(words)
    assert lesson.state.vocab == make_dataset(words, 3).vocab and lesson.state.vocab.clustered
    _, _, k, n = lesson.state.first
    assert n == sum(len(lesson.state.vocab.split(w)) + 1 for w in words[:k])
