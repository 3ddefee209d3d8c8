"""The package's shape: no import cycles, the engine imports no Textual, modules a reader takes in at
once, and no overrides of Textual's private methods.

Every import statement counts, at module level, inside functions and under `if TYPE_CHECKING:`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import SRC

PKG = SRC / "makemore_tui"
MAX_LINES = 450
UI_PACKAGES = ("textual", "textual_plotext")


def _modules() -> dict[str, Path]:
    mods = {}
    for f in sorted(PKG.rglob("*.py")):
        parts = f.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = f
    return mods


def _imports(name: str, f: Path) -> set[str]:
    """Every module name an import statement in f refers to (absolute, with the names it imports)."""
    tree = ast.parse(f.read_text(encoding="utf-8"))
    pkg = name if f.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


MODULES = _modules()
IMPORTS = {n: _imports(n, f) for n, f in MODULES.items()}


def _graph() -> dict[str, set[str]]:
    return {n: {m for m in imps if m in MODULES and m != n} for n, imps in IMPORTS.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(n: str, path: list[str]) -> list[str] | None:
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return path[path.index(m):] + [m]
            if m not in state:
                found = visit(m, path + [m])
                if found:
                    return found
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n, [n])
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_package_has_no_import_cycle():
    assert len(MODULES) > 20  # the walk found the package
    assert find_cycle(_graph()) is None


def test_nothing_outside_app_imports_textual():
    offenders = sorted(
        f"{n} imports {m}" for n, imps in IMPORTS.items() if not (n + ".").startswith("makemore_tui.app.")
        for m in imps if m.split(".")[0] in UI_PACKAGES
    )
    assert offenders == []
    # and the walk does see the app's own imports of it
    assert any(m.split(".")[0] == "textual" for m in IMPORTS["makemore_tui.app.app"])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_of_a_size_a_reader_takes_in_at_once(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"


def _textual_subclasses_overriding_private_methods() -> list[str]:
    """Methods named _x (not dunder) defined in classes of app/ that Textual's own classes define."""
    import inspect

    import textual.app
    import textual.screen
    import textual.widget

    private = set()
    for cls in (textual.app.App, textual.screen.Screen, textual.widget.Widget):
        for klass in inspect.getmro(cls):
            if klass.__module__.startswith("textual"):
                private |= {k for k in vars(klass) if k.startswith("_") and not k.startswith("__")}
    found = []
    for n, f in MODULES.items():
        if not n.startswith("makemore_tui.app"):
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in private:
                        found.append(f"{n}.{node.name}.{item.name}")
    return found


def test_no_override_of_textual_private_methods():
    assert _textual_subclasses_overriding_private_methods() == []
