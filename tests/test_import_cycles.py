"""The core's modules import each other in one direction: no import loop, not even one hidden in a function.

Every module under ``yse_core/`` is parsed with ``ast``; every import statement counts (at module level, in a
function, relative or absolute), except those under ``if TYPE_CHECKING:``, which never run. An import of
``yse_core.a.b`` is an edge to that module (or package ``__init__``), ``from yse_core.a import b`` an edge to
``yse_core.a.b`` when that is a module and to ``yse_core.a`` otherwise.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "yse_core"


def module_files() -> dict[str, Path]:
    """Dotted module name → file, for every module and package of the core."""
    modules = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom node that can run, wherever it is (functions, classes, try blocks)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)  # only the else branch runs
                continue
            stack.append(child)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The core modules that module ``name`` imports."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for target in targets:
            while target and target not in modules:  # ``import yse_core.a.b.c`` of a name: its module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between the core's top-level parts: ``yse_core.indicators.store`` counts as ``yse_core.indicators``."""
    def part(name: str) -> str:
        return ".".join(name.split(".")[:2])

    parts: dict[str, set[str]] = {}
    for name, targets in graph.items():
        parts.setdefault(part(name), set()).update(part(target) for target in targets if part(target) != part(name))
    return parts


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One concrete loop per strongly connected group of modules (Tarjan), each as a path back to its start."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_loop_in(group, graph) for group in groups]


def _loop_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for successor in sorted(graph[node] & group):
            if successor == start:
                return [*paths[node], start]
            if successor not in paths:
                paths[successor] = [*paths[node], successor]
                queue.append(successor)
    raise AssertionError(f"no loop in {group}")  # a strongly connected group always has one


def test_the_graph_sees_relative_absolute_and_function_level_imports():
    graph = import_graph()
    assert "yse_core.db" in graph["yse_core.responses"]  # from .db import ...
    assert "yse_core.questionnaire" in graph["yse_core.responses"]  # from .questionnaire import ... (a package)
    assert "yse_core.indicators.store" in graph["yse_core.gaps.service"]  # from yse_core.indicators.store import
    assert "yse_core.gaps.service" in graph["yse_core.exports.content"]  # imported inside a function


def test_imports_under_type_checking_do_not_count_and_relative_levels_resolve(tmp_path):
    source = tmp_path / "b.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .. import c\n"
        "import pkg.sub.a.thing\n"
        "if TYPE_CHECKING:\n    from pkg.d import X\nelse:\n    X = None\n"
        "def f():\n    from .a import y\n",
        encoding="utf-8")
    modules = {name: source for name in ("pkg", "pkg.c", "pkg.d", "pkg.sub", "pkg.sub.a", "pkg.sub.b")}
    assert imports_of("pkg.sub.b", source, modules) == {"pkg.c", "pkg.sub.a"}


def test_find_cycles_names_a_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_core_has_no_import_loop():
    cycles = find_cycles(import_graph())
    assert not cycles, "import loops in the core:\n" + "\n".join(" → ".join(cycle) for cycle in cycles)


def test_the_cores_packages_depend_on_each_other_one_way():
    """A loop through a package (area_registry → indicators.store, indicators.situation → area_registry) counts too."""
    cycles = find_cycles(package_graph(import_graph()))
    assert not cycles, "import loops between the core's packages:\n" + "\n".join(" → ".join(c) for c in cycles)
