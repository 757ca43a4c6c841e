"""Pydantic errors of the experiment config as one line per problem.

The lines are written by the project's one formatter, `sim.plan.format_validation_error` (plans,
calibration scenarios and the env config use it too); this module only adds what the experiment
config's shape needs before the errors reach it: union tags (algorithm names, schedule kinds) taken
out of the key path, the failed alternatives of a union dropped, dotted key paths named by
cross-field checks joined onto the location, and the unknown algorithm named with the allowed ones.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from experiments.config.algorithms import ALGORITHMS
from sim.plan import format_validation_error

_KEY_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*): ")


class _Errors:
    """What `format_validation_error` reads of a ValidationError: its `errors()`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


def format_errors(source: str, err: ValidationError) -> str:
    """One line per problem: source, dotted key path, the value given and what is allowed.

    Union tags (algorithm names, schedule kinds) are dropped from the path; an error saying
    "not a number" for a value that is a valid alternative of a union (a schedule mapping, a
    {pi, vf} net) is dropped when a more specific error exists deeper in the same key.
    Cross-field checks raise "key.path: message", which is joined onto the location.
    """
    return format_validation_error(source, _Errors(config_errors(err)))  # type: ignore[arg-type]


def config_errors(err: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors of an experiment config, in the shape described in `format_errors`."""
    rows = []
    for e in err.errors():
        # an algorithm name is a union tag under `algo`, but a key under `tune` (tune.ppo.*)
        loc = [str(p) for i, p in enumerate(e["loc"]) if not _is_tag(p) or (i and e["loc"][i - 1] == "tune")]
        rows.append((loc, e))
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()
    for loc, e in rows:
        if e["type"].endswith("_type") and any(
            other is not e and loc2[: len(loc)] == loc and len(loc2) > len(loc) for loc2, other in rows
        ):
            continue
        if e["type"].endswith("_type") and any(
            other is not e and loc2 == loc and (other["type"] == "union_tag_invalid"
                                                or not other["type"].endswith("_type")) for loc2, other in rows
        ):
            continue  # the other alternative of a union (a list vs {pi, vf}) failed for a plainer reason
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
            m = _KEY_PREFIX.match(msg)
            if m:
                loc = loc + m.group(1).split(".")
                # a validator naming an absolute path (env.level) must not repeat the prefix
                joined = ".".join(loc)
                for i in range(1, len(loc)):
                    if loc[i:] and ".".join(loc[:i]) == ".".join(loc[i:2 * i]):
                        joined = ".".join(loc[i:])
                loc = joined.split(".")
                msg = msg[m.end():]
        if e["type"] == "union_tag_invalid" and loc and loc[-1] == "algo":
            msg = f"unknown algorithm; allowed: {', '.join(ALGORITHMS)}"
        key = (".".join(loc), msg, e["type"], repr(e.get("input")))
        if key in seen:
            continue
        seen.add(key)
        out.append({**e, "loc": tuple(loc), "msg": msg})
    return out


def _is_tag(part: object) -> bool:
    p = str(part)
    return p in ALGORITHMS or p in ("constant", "linear", "SplitNetArch") or p.startswith(
        ("function-", "tagged-union", "list[", "constrained-", "dict[")) or p in ("float", "int")
