"""The README's two set-up commands are the ones CI and users run."""

from helpers import REPO as ROOT


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


def test_readme_keys_table_lists_every_key_of_the_app():
    from makemore_tui.app.keys import markdown_table

    text = (ROOT / "README.md").read_text()
    start, end = text.index("<!-- keys -->\n") + len("<!-- keys -->\n"), text.index("<!-- /keys -->")
    assert text[start:end].strip() == markdown_table()


def test_readme_images_exist():
    import re

    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert "docs/app.svg" in images
    for path in images:
        assert (ROOT / path).is_file(), path
