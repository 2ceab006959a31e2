"""The import graph of `tgbot`: no circle, the domain as its ground floor, the engine apart.

Read from the source with `ast`, counting every import (also those only for type checking:
a circle of types is a circle a reader walks).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tgbot"
# what the domain stands on: leaves that import nothing of the bot but each other
GROUND = ("tgbot.domain", "tgbot.errors", "tgbot.config", "tgbot.telegram_html")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """Each module of tgbot, and the modules of tgbot it imports."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from tgbot.x import y` imports module tgbot.x.y if there is one
                imported |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}"
                             in paths else node.module for alias in node.names}
        graph[name] = {module for module in imported
                       if module in paths and module != name and module != "tgbot"}
    return graph


def _within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while (top := stack.pop()) != module:
                group.append(top)
            if group:
                circles.append(sorted([module, *group]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return _graph()


def test_no_module_imports_itself_through_others(graph: dict[str, set[str]]) -> None:
    assert _circles(graph) == []


def test_the_domain_stands_on_nothing_above_it(graph: dict[str, set[str]]) -> None:
    above = {(module, imported) for module, imports in graph.items()
             if _within(module, *GROUND) for imported in imports
             if not _within(imported, *GROUND)}
    assert above == set()


def test_storage_stands_on_the_domain_only(graph: dict[str, set[str]]) -> None:
    above = {(module, imported) for module, imports in graph.items()
             if _within(module, "tgbot.storage") for imported in imports
             if not _within(imported, "tgbot.storage", *GROUND)}
    assert above == set()


def test_handlers_import_nothing_of_the_engine_but_sending(graph: dict[str, set[str]]) -> None:
    reaching = {(module, imported) for module, imports in graph.items()
                if _within(module, "tgbot.handlers") for imported in imports
                if _within(imported, "tgbot.delivery") and imported != "tgbot.delivery.sending"}
    assert reaching == set()


def test_the_engine_and_ops_are_built_from_arguments_not_the_services(
        graph: dict[str, set[str]]) -> None:
    """Neither reads back from `Services` nor knows the handlers or the wiring."""
    reaching = {(module, imported) for module, imports in graph.items()
                if _within(module, "tgbot.delivery", "tgbot.ops") for imported in imports
                if _within(imported, "tgbot.context", "tgbot.handlers", "tgbot.app")}
    assert reaching == set()


def test_only_the_wiring_imports_the_handlers(graph: dict[str, set[str]]) -> None:
    reaching = {(module, imported) for module, imports in graph.items()
                if not _within(module, "tgbot.handlers", "tgbot.app") for imported in imports
                if _within(imported, "tgbot.handlers")}
    assert reaching == set()
