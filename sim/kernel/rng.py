"""Counter-based random streams keyed by (seed, athlete key, day, stream)."""

import math

from sim._jit import njit

# Counter-based: every draw is a pure function of (seed, athlete key, day, stream), so two
# plans run on the same seed meet the same athletes and the same draws (common random
# numbers), in any order, on any number of threads. 32-bit mixing with multipliers below
# 2**31 keeps every product inside int64, so numba and Python give identical integers.
_M32 = 0xFFFFFFFF
STREAM_INJURY, STREAM_NIGGLE, STREAM_DURATION_A, STREAM_DURATION_B = 1, 2, 3, 4
STREAM_SKIP_RUN, STREAM_SKIP_LIFT, STREAM_INJURY_SITE = 5, 6, 7
STREAM_OBS = 16  # first stream reserved for environment observation noise


@njit(error_model='numpy', cache=True)
def _mix32(h):
    h = h & _M32
    h ^= h >> 16
    h = (h * 0x7FEB352D) & _M32
    h ^= h >> 15
    h = (h * 0x5BD1E995) & _M32
    h ^= h >> 16
    return h


@njit(error_model='numpy', cache=True)
def draw_base(seed, key):
    """Hash of (seed, athlete key): the root of that athlete's streams."""
    h = _mix32(seed ^ 0x2545F491)
    h = _mix32(h ^ ((seed >> 32) & _M32))
    h = _mix32(h ^ (key & _M32))
    return _mix32(h ^ ((key >> 32) & _M32))


@njit(error_model='numpy', cache=True)
def day_hash(base, day):
    return _mix32(base ^ (day & _M32) ^ 0x68E31DA4)


@njit(error_model='numpy', cache=True)
def uniform_at(dhash, stream):
    """Uniform in (0, 1) for one stream of one athlete-day."""
    return (_mix32(dhash ^ (stream * 0x1B873593)) + 0.5) * (1.0 / 4294967296.0)


@njit(error_model='numpy', cache=True)
def normal_at(dhash, stream):
    """Standard normal (Box-Muller over two streams)."""
    u1 = uniform_at(dhash, stream)
    u2 = uniform_at(dhash, stream + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
