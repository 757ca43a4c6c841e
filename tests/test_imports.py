"""The layout holds: data flows one way, sim < envs < agents < experiments, and no module imports
itself back through a circle (issue 14).

Every import statement counts, also those inside functions or under `if TYPE_CHECKING`: a lazy
import still ties two modules together, it only defers the failure to the first call.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("sim", "envs", "agents", "experiments")  # lowest first: a package imports only from its left


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in LAYERS for p in sorted((ROOT / top).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is, or the nearest enclosing one; None outside the project."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (`from pkg import mod` counts as pkg.mod)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets.update(f"{base}.{a.name}" for a in node.names)
        graph[name] = {t for t in (_resolve(t, modules) for t in targets) if t and t != name}
    return graph


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path [a, b, ..., a], or None (depth-first search, colours)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_graph_sees_the_imports_it_should():
    g = import_graph()
    assert {"sim", "envs", "agents", "experiments"} <= set(g)
    assert "experiments.cli.args" in g["experiments.cli.simulate"]  # from experiments.cli import args
    assert "experiments.serving.pyfunc" in g["experiments.train"]  # a lazy import inside a function
    assert "sim.errors" in g["experiments.policy"]
    assert not any(t.split(".")[0] not in LAYERS for ts in g.values() for t in ts)  # only project modules


def test_find_cycle_finds_a_circle_and_only_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y2"}, "y2": {"y"}}) == ["y", "y2", "y"]


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_from_a_higher_layer(layer):
    up = sorted(f"{m} -> {t}" for m, ts in import_graph().items() if m.split(".")[0] == layer
                for t in ts if _layer(t) > _layer(m))
    assert up == [], f"{layer} imports from above it ({' < '.join(LAYERS)}): {up}"


def test_the_command_line_is_the_top():
    """Library code never imports the CLI (only the CLI's own modules do)."""
    down = sorted(f"{m} -> {t}" for m, ts in import_graph().items() if not m.startswith("experiments.cli")
                  for t in ts if t.startswith("experiments.cli"))
    assert down == [], down
