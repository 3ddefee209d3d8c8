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


def test_readme_settings_table_is_the_table_of_settings():
    from makemore_tui.config import markdown_table

    text = (ROOT / "README.md").read_text()
    start, end = text.index("<!-- settings -->\n") + len("<!-- settings -->\n"), text.index("<!-- /settings -->")
    assert text[start:end].strip() == markdown_table()


def test_readme_images_exist():
    import re

    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert "docs/app.svg" in images
    for path in images:
        assert (ROOT / path).is_file(), path


def _layout_modules() -> set[str]:
    """The module paths the README's layout names: each `name.py` under its section's folder, and
    under a sub-package's own bullet (one that starts with `pkg/`) inside that package."""
    import re

    text = (ROOT / "README.md").read_text()
    block = text[text.index("<!-- layout -->"):text.index("<!-- /layout -->")]
    found, top, sub = set(), "", ""
    for line in block.splitlines():
        m = re.match(r"- `src/makemore_tui/(app/)?`", line)
        if m:
            top, sub = m.group(1) or "", ""
            continue
        m = re.match(r"  - `(\w+/)`", line)
        if m:
            sub = m.group(1)
        elif line.startswith("  - "):
            sub = ""
        for name in re.findall(r"`(\w+\.py)`", line):
            found.add(top + sub + name)
    return found


def test_readme_layout_names_every_module():
    pkg = ROOT / "src" / "makemore_tui"
    modules = {str(p.relative_to(pkg)) for p in pkg.rglob("*.py")
               if p.name != "__init__.py" or p.parent.name == "models"}
    named = _layout_modules()
    assert sorted(modules - named) == [], "modules the README's layout does not name"
    assert sorted(named - modules) == [], "names in the README's layout that are no module"
