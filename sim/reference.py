"""Plain-Python reference of the physics: the `sim/kernel/` package executed by the interpreter.

The kernel package is loaded a second time from its own sources, every section under the
private package name `sim._reference_kernel`, with `sim._jit` replaced by a stub
(`njit` = identity), so the reference runs exactly the same
equations line by line with Python floats and numpy scalars, and no copy of the physics
exists to drift. Tests compare the two (numba vs interpreter: compiler flags, integer
typing, float contraction), and `stridelab bench sim` times both.

    >>> from sim.reference import kernel as ref
    >>> ref.simulate(states, athletes, gp, plans, seed, keys, 0, out)   # same API, slow
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path


def _identity_njit(*args, **kwargs):
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


PACKAGE = "sim._reference_kernel"


def _load() -> types.ModuleType:
    stub = types.ModuleType("sim._jit")
    stub.njit = _identity_njit
    stub.get_num_threads = lambda: 1
    stub.borrowed = lambda arr: arr
    folder = Path(__file__).with_name("kernel")
    spec = importlib.util.spec_from_file_location(
        PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    real = sys.modules.get("sim._jit")
    sys.modules["sim._jit"] = stub
    # Registered before it runs, so the sections' relative imports (`from .day import ...`)
    # load `sim._reference_kernel.day` etc. from the same files, under the stub.
    sys.modules[PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        raise
    finally:
        if real is not None:
            sys.modules["sim._jit"] = real
        else:
            del sys.modules["sim._jit"]
    return module


kernel = _load()
