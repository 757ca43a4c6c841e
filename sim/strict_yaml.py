"""Strict, bounded YAML for every file a user hands StrideLab (plans, configs, `--set` values).

`yaml.safe_load` builds no objects but is unbounded and forgiving (issue 15, points 5 and 6):
a "billion laughs" alias bomb expands to gigabytes once anything walks it, `[` x 20000 ends in
a RecursionError inside the composer, and a duplicate key silently resolves last-wins. Here the
event stream is scanned first (PyYAML's parser is iterative), with limits on the file size, the
nesting depth and the number of nodes *after* alias expansion (each anchor's expanded size is
known when it closes, so an alias costs O(1)); only then is the document composed, by a
SafeLoader that rejects duplicate keys.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.errors import InputError

MAX_BYTES = 1_000_000  # the largest config or plan in the repository is a few kB
MAX_DEPTH = 32  # nesting of mappings and sequences
MAX_NODES = 100_000  # scalars + collections, counting what every alias expands to


class _NoDuplicates(yaml.SafeLoader):
    """SafeLoader whose mappings refuse a key given twice (merge keys `<<` may still be overridden)."""

    source = "YAML"

    def construct_mapping(self, node, deep=False):  # noqa: ANN001, D102
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # SafeConstructor reports unhashable keys itself
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise InputError(f"{self.source}: line {line}: duplicate key {key!r} (first given on line "
                                     f"{seen[key]}); allowed: each key once")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def check_events(text: str, source: str) -> None:
    """InputError if the document nests deeper than MAX_DEPTH or expands to more than MAX_NODES nodes."""
    sizes: list[int] = [0]  # expanded node count of each open collection (bottom: the stream)
    anchors_of: list[str | None] = [None]
    anchored: dict[str, int] = {}
    depth = 0
    try:
        for ev in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(ev, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = ev.start_mark.line + 1
                    raise InputError(f"{source}: line {line}: nesting deeper than {MAX_DEPTH} levels; allowed: at "
                                     f"most {MAX_DEPTH} nested mappings/lists")
                sizes.append(1)
                anchors_of.append(ev.anchor)
            elif isinstance(ev, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
                n = sizes.pop()
                anchor = anchors_of.pop()
                if anchor is not None:
                    anchored[anchor] = n
                sizes[-1] += n
            elif isinstance(ev, yaml.ScalarEvent):
                sizes[-1] += 1
                if ev.anchor is not None:
                    anchored[ev.anchor] = 1
            elif isinstance(ev, yaml.AliasEvent):
                sizes[-1] += anchored.get(ev.anchor, 1)
            else:
                continue
            if sizes[-1] > MAX_NODES or sum(sizes) > MAX_NODES:
                line = ev.start_mark.line + 1
                raise InputError(f"{source}: line {line}: the document expands (aliases included) to more than "
                                 f"{MAX_NODES} values; allowed: at most {MAX_NODES} (is it an alias bomb?)")
    except yaml.YAMLError as err:
        raise InputError(f"{source}: invalid YAML: {err}".replace("\n", " ")) from None


def loads(text: str, source: str) -> object:
    """Parse YAML text strictly (bounded, no duplicate keys); InputError naming `source` on any problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputError(f"{source}: {len(text)} characters is too large; allowed: at most {MAX_BYTES} bytes")
    check_events(text, source)
    loader = _NoDuplicates(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        raise InputError(f"{source}: invalid YAML: {err}".replace("\n", " ")) from None
    except RecursionError:  # belt and braces: check_events bounds the depth first
        raise InputError(f"{source}: nesting too deep; allowed: at most {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def load_file(path: str | Path) -> object:
    """Read and strictly parse a YAML file; InputError on a missing, special, oversized or bad file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a regular file; allowed: a YAML file")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{p}: {size} bytes is too large; allowed: at most {MAX_BYTES} bytes")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(f"{p}: cannot be read ({err.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"{p}: more than {MAX_BYTES} bytes; allowed: at most {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file; allowed: a YAML file") from None
    return loads(text, str(p))
