"""The one place numba is imported by the physics.

`sim.reference` re-executes the `sim/kernel/` package with this module swapped for a stub whose
`njit` is the identity, whose `get_num_threads` gives 1 and whose `borrowed` returns its argument:
the same source then runs as plain Python and serves as the test oracle, with no second copy of the
equations.
"""

import functools

import numba
from numba import get_num_threads
from numba.core import types
from numba.core.types.containers import BaseTuple
from numba.extending import intrinsic
from numba.np.arrayobj import populate_array

__all__ = ["borrowed", "get_num_threads", "njit"]

#: numba's `njit`, without the C-callable wrapper numba otherwise compiles for every function (for
#: ctypes/cffi callers, which the project has none of): a first call compiles less.
njit = functools.partial(numba.njit, no_cfunc_wrapper=True)


def _borrow(context, builder, ty, value):
    """LLVM value of `value` (numba type `ty`) with every array in it re-made without its memory owner."""
    if isinstance(ty, types.Array):
        src = context.make_array(ty)(context, builder, value=value)
        view = context.make_array(ty)(context, builder)
        populate_array(view, data=src.data, shape=src.shape, strides=src.strides, itemsize=src.itemsize,
                       meminfo=None)
        return view._getvalue()
    if isinstance(ty, BaseTuple):
        items = [_borrow(context, builder, t, builder.extract_value(value, i)) for i, t in enumerate(ty)]
        return context.make_tuple(builder, ty, items)
    return value


def _borrowable(ty) -> bool:
    if isinstance(ty, BaseTuple):
        return all(_borrowable(t) for t in ty)
    return isinstance(ty, (types.Array, types.Number, types.Boolean))


@intrinsic
def borrowed(typingctx, arr):
    """`arr` (an array, or a (named) tuple of arrays and numbers) as borrowed views: the same data,
    shape and strides without a memory owner.

    numba counts references to every array it binds to a name: an atomic add on the owner's counter,
    for every view and every call that takes the array, thousands of times per simulated season
    (`sim.kernel.season.season_rows`; about 30% of a one-thread season, 40% of a one-thread env step).
    An array without an owner skips that (the counting functions return on a null owner), which is
    what numba itself does with the arrays inside a `parallel=True` loop. Safe while the caller holds
    the originals: use it only on a kernel's own arguments, in kernels that allocate nothing that
    outlives them and return no array.
    """
    if not _borrowable(arr):
        return None

    def codegen(context, builder, sig, args):
        return _borrow(context, builder, sig.args[0], args[0])

    return arr(arr), codegen
