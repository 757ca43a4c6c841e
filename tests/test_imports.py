"""The layout holds: data flows one way, sim < envs < agents < experiments, and no module imports
itself back through a circle (issue 14).

Every import statement counts, also those inside functions or under `if TYPE_CHECKING`: a lazy
import still ties two modules together, it only defers the failure to the first call.
"""

from __future__ import annotations

import ast
import functools
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
    """module -> the project modules it imports (`from pkg import mod` counts as pkg.mod). A fresh copy of
    the graph parsed once per run (the sources do not change while the tests run; parsing them is 0.3 s)."""
    return {m: set(ts) for m, ts in _parsed_import_graph().items()}


@functools.cache
def _parsed_import_graph() -> dict[str, set[str]]:
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
    assert "experiments.training.run" in g["experiments.headline.run"]  # a lazy import inside a function
    assert "sim.errors" in g["experiments.policy.loading"]
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


# --------------------------------------------------------------------------- sub-packages (issue 21)
#: circles between sub-packages known when the check came in, each by the one edge whose removal breaks
#: it, with the issue that removes it. An allowance, not a licence: the test below fails once the edge is
#: gone (then delete the entry) and any new circle fails `test_no_import_circle_between_sub_packages`.
KNOWN_CIRCLE_EDGES: set[tuple[str, str]] = set()  # empty since issue 21 (config/ no longer imports tune/)


def sub_package(module: str) -> str:
    """The sub-package (or top-level module) of a layer a module belongs to: experiments.tune.space ->
    experiments.tune; experiments.config -> experiments.config; sim.kernel.day -> sim.kernel."""
    return ".".join(module.split(".")[:2])


def sub_package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m, ts in graph.items():
        a = sub_package(m)
        out.setdefault(a, set()).update(b for b in map(sub_package, ts) if b != a)
    return out


def test_the_sub_package_graph_folds_modules_into_their_sub_package():
    g = sub_package_graph({"p.a.x": {"p.a.y", "p.b.z"}, "p.a.y": set(), "p.b.z": {"p.c"}, "p.c": set()})
    assert g == {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": set()}
    # a circle through two sub-packages is one, even when no module imports itself back
    assert find_cycle(sub_package_graph({"p.a.x": {"p.b.y"}, "p.b.y": set(), "p.b.z": {"p.a.w"}, "p.a.w": set()}))


def test_no_import_circle_between_sub_packages():
    g = sub_package_graph(import_graph())
    for a, b in KNOWN_CIRCLE_EDGES:
        g[a].discard(b)
    cycle = find_cycle(g)
    assert cycle is None, "import circle between sub-packages: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("edge", sorted(KNOWN_CIRCLE_EDGES))
def test_a_known_circle_edge_is_still_there(edge):
    """When the edge is gone, remove it from KNOWN_CIRCLE_EDGES (the allowance must not outlive the circle)."""
    a, b = edge
    assert b in sub_package_graph(import_graph())[a], f"{a} -> {b} no longer exists: drop it from KNOWN_CIRCLE_EDGES"


# --------------------------------------------------------------------------- experiments' own layers (issue 21)
#: what each `experiments` sub-package may import of `experiments` (docs/architecture.md, "The experiments
#: packages"); sim, envs and agents are allowed to all of them, and `experiments.cli` may import anything
_BASE = {"experiments.io", "experiments.progress"}
EXPERIMENTS_MAY_IMPORT: dict[str, set[str]] = {
    "experiments.io": set(),
    "experiments.progress": set(),
    "experiments.config": set(),
    "experiments.tracking": _BASE,
    "experiments.policy": _BASE | {"experiments.config", "experiments.tracking"},
    "experiments.plans": _BASE,
    "experiments.report": _BASE | {"experiments.config", "experiments.tracking", "experiments.policy",
                                   "experiments.plans"},
    "experiments.athlete": _BASE | {"experiments.plans", "experiments.policy"},
    "experiments.serving": _BASE | {"experiments.config", "experiments.tracking", "experiments.policy",
                                    "experiments.plans", "experiments.athlete"},
    "experiments.training": _BASE | {"experiments.config", "experiments.tracking", "experiments.policy",
                                     "experiments.report", "experiments.serving"},
    "experiments.optimize": _BASE | {"experiments.report"},
    "experiments.tune": _BASE | {"experiments.config", "experiments.tracking", "experiments.report",
                                 "experiments.training"},
    "experiments.bench": _BASE | {"experiments.config", "experiments.policy", "experiments.training",
                                  "experiments.athlete"},
    "experiments.headline": _BASE | {"experiments.config", "experiments.tracking", "experiments.policy",
                                     "experiments.optimize", "experiments.report", "experiments.training"},
    "experiments.train": {"experiments.training"},  # deprecated re-export, one release
}


def test_each_experiments_package_imports_only_what_it_may():
    g = sub_package_graph(import_graph())
    bad = sorted(f"{a} -> {b}" for a, bs in g.items() if a.startswith("experiments.") and a != "experiments.cli"
                 for b in bs if b.startswith("experiments.") and b not in EXPERIMENTS_MAY_IMPORT.get(a, set()))
    assert not bad, f"not in EXPERIMENTS_MAY_IMPORT (docs/architecture.md): {bad}"
    assert set(EXPERIMENTS_MAY_IMPORT) | {"experiments.cli"} >= {a for a in g if a.startswith("experiments.")}
