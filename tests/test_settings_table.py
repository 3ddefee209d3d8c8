"""The settings live in one table (settings.py): one entry reaches the flags, Config, the form, the
compare view, config.json and a sweep's --space; each setting's name is spelled in few modules."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import textwrap
from pathlib import Path

from makemore_tui import models
from makemore_tui.config import Config, default, read_by
from makemore_tui.settings import SETTINGS, model_settings

from helpers import PYTHON, SRC, subprocess_env

TOY_ENTRY = ('    S("toy_knob", int, 7, "a test\'s setting: how far the knob turns", ("--toy-knob",), 0, 100,\n'
             '      search=IntRange(1, 50)),\n'
             '    S("toy_flag", bool, False, "a test\'s switch", ("--toy-flag",)),\n'
             '    S("toy_note", str, "", "a test\'s free text", ("--toy-note",), metavar="TEXT"),\n')

# What the child checks, with the copied sources (one more entry in the table) first on its path.
CHILD = textwrap.dedent('''
    import asyncio, json, subprocess, sys
    from pathlib import Path

    from makemore_tui.config import Config, ConfigError, preset
    from makemore_tui.settings import parse_number

    words, work = Path(sys.argv[1]), Path(sys.argv[2])
    found = {}
    # the flag, in --help and on the command line
    helptext = subprocess.run([sys.executable, "-m", "makemore_tui", "--help"], capture_output=True, text=True).stdout
    found["help"] = all(f in helptext for f in ("--toy-knob", "how far the knob turns", "--toy-flag", "--toy-note"))
    # Config: its field, its default, its range
    found["config"] = ((Config().toy_knob, Config().toy_flag, Config().toy_note) == (7, False, "")
                       and preset("fast", toy_knob=9).validate().toy_knob == 9)
    try:
        Config(toy_knob=101).validate()
        found["checked"] = False
    except ConfigError as e:
        found["checked"] = "toy_knob must be between 0 and 100" in str(e)
    # a run's config.json
    p = subprocess.run([sys.executable, "-m", "makemore_tui", "--headless", "-i", str(words), "-o", str(work),
                        "--max-steps", "3", "--eval-every", "0", "--toy-knob", "42", "--threads", "1",
                        "--toy-flag", "--toy-note", "hello"],
                       capture_output=True, text=True)
    saved = json.loads((work / "config.json").read_text()) if p.returncode == 0 else {}
    found["run"] = (saved.get("toy_knob"), saved.get("toy_flag"), saved.get("toy_note")) == (42, True, "hello")
    # the compare view
    from makemore_tui.insight.compare import compare_rows, load_run

    rows = {r[0]: r[1:] for r in compare_rows([load_run(work)])[1]}
    found["compare"] = (rows.get("toy_knob"), rows.get("toy_flag"), rows.get("toy_note")) == (["42"], ["yes"], ["hello"])
    # a sweep searches it (its range in the table), and --space narrows it
    from makemore_tui.models.search import IntRange
    from makemore_tui.sweep.space import narrowed

    found["searched"] = all(narrowed(t).searched().get("toy_knob") == IntRange(1, 50) for t in ("mlp", "rnn"))
    space = narrowed("mlp", ["toy_knob=3:9", "toy_flag=true"])
    found["space"] = (space.params["toy_knob"].low, space.params["toy_knob"].high, space.params["toy_flag"]) == (
        3, 9, True)

    # the form (Pilot): the field, the current value, what is typed reaching the Config
    from textual.app import App
    from makemore_tui.app.settings_screen import SettingsScreen

    class FormApp(App):
        def on_mount(self):
            self.push_screen(SettingsScreen(preset("fast", toy_knob=11)))

    async def form():
        app = FormApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            field, note = app.screen.query_one("#f-toy_knob"), app.screen.query_one("#f-toy_note")
            flag = app.screen.query_one("#f-toy_flag")
            shown = field.display and field.value == "11" and note.display and flag.display and flag.value is False
            field.value, note.value, flag.value = "12", " hi ", True
            await pilot.pause()
            got = app.screen.check()
            return shown and (got.toy_knob, got.toy_note, got.toy_flag) == (12, "hi", True)

    found["form"] = asyncio.run(form())
    print(json.dumps(found))
''')


def test_a_setting_added_with_one_entry_reaches_every_place(tmp_path, words_file):
    """The sources copied, one entry added to the table and nothing else changed: the setting is a
    flag (and in --help), a Config field with its check, a field of the form, a row of the compare
    view, a key of config.json, a setting every type's sweep searches over its range, and a name
    a sweep's --space narrows."""
    src = tmp_path / "src"
    shutil.copytree(SRC / "makemore_tui", src / "makemore_tui", ignore=shutil.ignore_patterns("__pycache__"))
    table = src / "makemore_tui" / "settings.py"
    text = table.read_text(encoding="utf-8")
    end = text.index("\n)\ndel S") + 1
    table.write_text(text[:end] + TOY_ENTRY + text[end:], encoding="utf-8")
    env = {**subprocess_env(), "PYTHONPATH": str(src)}
    p = subprocess.run([PYTHON, "-c", CHILD, str(words_file), str(tmp_path / "run")], capture_output=True,
                       text=True, env=env, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    found = json.loads(p.stdout.strip().splitlines()[-1])
    assert found == dict.fromkeys(("help", "config", "checked", "run", "compare", "searched", "space", "form"),
                                         True), found


def test_config_is_the_table():
    assert [f for f in Config.__dataclass_fields__] == [s.name for s in SETTINGS]
    assert Config().to_dict() == {s.name: default(s) for s in SETTINGS}


def test_every_type_reads_only_settings_of_the_table():
    """A type lists the settings of some types only that it reads; each of those is read by some type."""
    for t in models.types():
        assert set(t.reads) <= set(model_settings()), t.name
    for name in model_settings():
        s = next(s for s in SETTINGS if s.name == name)
        assert read_by(s), f"no type reads {name}"


def _string_constants(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_each_setting_is_spelled_out_in_few_modules():
    """A setting's name (or flag) as a string of the code, outside the table and the models that read
    it, is in at most 3 modules: the rest of the program reads the table."""
    pkg = SRC / "makemore_tui"
    modules = {p: _string_constants(p) for p in pkg.rglob("*.py")
               if p != pkg / "settings.py" and pkg / "models" not in p.parents}
    for s in SETTINGS:
        names = {s.name, *s.flags}
        where = sorted(str(p.relative_to(pkg)) for p, strings in modules.items() if names & strings)
        assert len(where) <= 3, f"{s.name} is spelled out in {len(where)} modules: {', '.join(where)}"
