"""No function in the library (sim/, envs/, agents/, experiments/) takes more than MAX_PARAMS
parameters (issues 14, 21).

Twenty arrays of one dtype in a row make a misplaced argument a silent bug; state that travels
together is one value (a namedtuple of arrays for numba, a typed config for constructors, an
options dataclass such as `experiments.report.compare.CompareOptions`).
Parsed with `ast`, so numba kernels count like any function; self, *args and **kwargs count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_PARAMS = 10
LIBRARY = ("sim", "envs", "agents", "experiments")


def n_params(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> int:
    a = fn.args
    return len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + (a.vararg is not None) + (a.kwarg is not None)


def signatures(package: str) -> dict[str, int]:
    """{'file:line name': number of parameters} of every def and lambda in the package."""
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                name = getattr(node, "name", "<lambda>")
                out[f"{path.relative_to(ROOT)}:{node.lineno} {name}"] = n_params(node)
    return out


def test_counting_sees_numba_kernels_and_every_kind_of_parameter():
    tree = ast.parse("def f(a, /, b, *c, d, **e): pass\ng = lambda x, y: x")
    assert [n_params(n) for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))] == [5, 2]
    found = {key.split()[-1] for key in signatures("envs")}
    assert {"step_row", "step_slot", "begin_episode", "reset_rows", "_step_rows"} <= found  # @njit ones
    assert "step_day" in {key.split()[-1] for key in signatures("sim")}


def test_the_library_is_every_package_with_code():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == set(LIBRARY)  # a new top-level package joins LIBRARY (scripts/ are thin entry points)
    assert any(key.endswith(" compare") for key in signatures("experiments"))


@pytest.mark.parametrize("package", LIBRARY)
def test_no_function_takes_more_than_ten_parameters(package):
    too_many = {where: n for where, n in signatures(package).items() if n > MAX_PARAMS}
    assert not too_many, f"more than {MAX_PARAMS} parameters (bundle them): {too_many}"
