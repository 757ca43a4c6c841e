"""Pydantic errors of the experiment config as one line per problem."""

from __future__ import annotations

import re

from pydantic import ValidationError

from experiments.config.algorithms import ALGORITHMS

_KEY_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*): ")


def format_errors(source: str, err: ValidationError) -> str:
    """One line per problem: source, dotted key path, the value given and what is allowed.

    Union tags (algorithm names, schedule kinds) are dropped from the path; an error saying
    "not a number" for a value that is a valid alternative of a union (a schedule mapping, a
    {pi, vf} net) is dropped when a more specific error exists deeper in the same key.
    Cross-field checks raise "key.path: message", which is joined onto the location.
    """
    errors = err.errors()
    rows = []
    for e in errors:
        # an algorithm name is a union tag under `algo`, but a key under `tune` (tune.ppo.*)
        loc = [str(p) for i, p in enumerate(e["loc"]) if not _is_tag(p) or (i and e["loc"][i - 1] == "tune")]
        rows.append((loc, e))
    lines: list[str] = []
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
        where = ".".join(loc) or "(top level)"
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not allowed here)"
        elif e["type"] == "missing":
            msg = "required field is missing"
        elif e["type"] == "union_tag_invalid" and loc and loc[-1] == "algo":
            msg = f"unknown algorithm; allowed: {', '.join(ALGORITHMS)}"
        shown = "" if e["type"] in ("missing", "value_error") else f" (got {e.get('input')!r})"
        line = f"{source}: {where}: {msg}{shown}"
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def _is_tag(part: object) -> bool:
    p = str(part)
    return p in ALGORITHMS or p in ("constant", "linear", "SplitNetArch") or p.startswith(
        ("function-", "tagged-union", "list[", "constrained-", "dict[")) or p in ("float", "int")
