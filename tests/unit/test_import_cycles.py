"""No import hides a cycle (issue 20; docs/architecture.md#layers): import-linter sees the
imports at the top of a module only, so an import inside a function could close a cycle it
never sees. Here every import counts, at any depth (but ``if TYPE_CHECKING:`` ones, which never
run), and golive's and pytest_golive's module graph has no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from golive.model.resources import resource

MAPPED = ("pytest_golive.suites", "pytest_golive.fixtures", "pytest_golive.plugins")

PACKAGES = ("golive", "pytest_golive", *MAPPED)
"""The packages, each read from its own folder (pytest_golive's subpackages are top-level
folders: setup.py's ``MAPPED``)."""


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        root = resource(package)
        for path in root.rglob("*.py"):
            parts = [*package.split("."), *path.relative_to(root).with_suffix("").parts]
            if package == "pytest_golive" and parts[1] in ("suites", "fixtures", "plugins"):
                continue  # not there in a checkout; read from its own folder
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST) -> list[str]:
    """The names every import of a module names (``from a import b``: ``a.b``, which is ``a``
    when ``b`` is no module of its own)."""
    out: list[str] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [f"{node.module}.{a.name}" for a in node.names]
        todo.extend(ast.iter_child_nodes(node))
    return out


def graph() -> dict[str, set[str]]:
    """module -> the modules of golive and pytest_golive it imports, at any depth."""
    modules = _modules()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = {owner(n) for n in _imported(ast.parse(path.read_text()))}
        edges[name] = {m for m in found if m is not None and m != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_at_any_depth_closes_a_cycle() -> None:
    assert cycles(graph()) == []


def test_an_import_inside_a_function_is_seen() -> None:
    tree = ast.parse("import a\ndef f():\n    from b import c\nif TYPE_CHECKING:\n    import d\n")
    assert sorted(_imported(tree)) == ["a", "b.c"]
    assert cycles({"x": {"y"}, "y": {"x"}, "z": {"x"}}) == [["x", "y"]]
