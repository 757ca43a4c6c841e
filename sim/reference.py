"""Plain-Python reference of the physics: `sim/kernel.py` executed by the interpreter.

The kernel module is compiled a second time from its own source with `sim._jit` replaced
by a stub (`njit` = identity, `prange` = range), so the reference runs exactly the same
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


def _load() -> types.ModuleType:
    stub = types.ModuleType("sim._jit")
    stub.njit = _identity_njit
    stub.prange = range
    path = Path(__file__).with_name("kernel.py")
    spec = importlib.util.spec_from_file_location("sim._reference_kernel", path)
    module = importlib.util.module_from_spec(spec)
    real = sys.modules.get("sim._jit")
    sys.modules["sim._jit"] = stub
    try:
        spec.loader.exec_module(module)
    finally:
        if real is not None:
            sys.modules["sim._jit"] = real
        else:
            del sys.modules["sim._jit"]
    return module


kernel = _load()
