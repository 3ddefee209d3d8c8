"""The README's two set-up commands are the ones CI and users run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    return [ln.strip() for ln in lines[:12] if ln.startswith("    ")]


def test_readme_opens_with_two_commands():
    cmds = _commands()
    assert len(cmds) == 2
    assert cmds[0].endswith("makemore-tui")
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    test_cmd = _commands()[1]
    assert test_cmd in ci.splitlines()
