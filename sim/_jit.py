"""The one place numba is imported by the physics.

`sim.reference` re-executes the `sim/kernel/` package with this module swapped for a stub whose
`njit` is the identity and whose `prange` is `range`: the same source then runs as plain
Python and serves as the test oracle, with no second copy of the equations.
"""

from numba import njit, prange

__all__ = ["njit", "prange"]
