"""A config file to a validated `ExperimentConfig` (with `--set` overrides) and back to YAML and
MLflow params."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from experiments.config.errors import format_errors
from experiments.config.experiment import ExperimentConfig
from sim.errors import InputError
from sim.plan import load_yaml
from sim.strict_yaml import loads


# --------------------------------------------------------------------------- loading
def parse_override(text: str) -> tuple[list[str], Any]:
    """`key.sub=value` -> (["key", "sub"], value parsed as a YAML scalar/flow value)."""
    if "=" not in text:
        raise InputError(f"--set {text!r}: need key.sub=value")
    key, raw = text.split("=", 1)
    path = [p for p in key.strip().split(".")]
    if not key.strip() or any(not p for p in path):
        raise InputError(f"--set {text!r}: the key path {key!r} is empty or has an empty part")
    value = loads(raw, f"--set {text!r}") if raw.strip() else None
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text; a number was meant
        for conv in (int, float):
            try:
                return path, conv(value)
            except ValueError:
                pass
    return path, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """A copy of `data` with each `key.sub=value` set (missing mappings created)."""
    out = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        node: Any = out
        for i, part in enumerate(path[:-1]):
            if isinstance(node, list):
                node = _list_item(node, part, path[: i + 1], text)
                continue
            if not isinstance(node, dict):
                raise InputError(f"--set {text!r}: {'.'.join(path[:i])} is not a mapping")
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        last = path[-1]
        if isinstance(node, list):
            idx = _index(node, last, path, text)
            node[idx] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise InputError(f"--set {text!r}: {'.'.join(path[:-1])} is not a mapping")
    return out


def _index(node: list, part: str, path: list[str], text: str) -> int:
    try:
        idx = int(part)
    except ValueError:
        raise InputError(f"--set {text!r}: {'.'.join(path)}: a list index must be a number") from None
    if not -len(node) <= idx < len(node):
        raise InputError(f"--set {text!r}: {'.'.join(path)}: index out of range (list has {len(node)} items)")
    return idx


def _list_item(node: list, part: str, path: list[str], text: str) -> Any:
    return node[_index(node, part, path, text)]


def validate(data: object, source: str) -> ExperimentConfig:
    """Validate an already-loaded mapping; InputError naming source, key path and what is allowed."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: the config must be a mapping of keys (got {type(data).__name__})")
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as err:
        raise InputError(format_errors(source, err)) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
    """Read `path`, apply `--set` overrides, validate. InputError on any problem."""
    data = load_yaml(path)
    if data is None:
        data = {}
    source = str(path)
    if overrides:
        if not isinstance(data, dict):
            raise InputError(f"{source}: the config must be a mapping of keys (got {type(data).__name__})")
        data = apply_overrides(data, overrides)
        source = f"{path} (with --set {' --set '.join(overrides)})"
    return validate(data, source)


def to_yaml(cfg: ExperimentConfig) -> str:
    """The resolved config, every default filled in (reloads to the same config)."""
    return yaml.safe_dump(resolved(cfg), sort_keys=False)


def resolved(cfg: ExperimentConfig) -> dict[str, Any]:
    """The config as plain data; an unset `tune:` section is left out, so a training config's logged
    config.yaml and params are what they were before `stridelab tune` existed."""
    return cfg.model_dump(mode="json", exclude={"tune"} if cfg.tune is None else None)


def flatten(cfg: ExperimentConfig) -> dict[str, str]:
    """Dotted key -> value string, for MLflow params."""
    out: dict[str, str] = {}

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)
        else:
            out[prefix] = str(v)

    walk("", resolved(cfg))
    return out
