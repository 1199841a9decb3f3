"""Load YAML configuration into pydantic models with errors naming file, key and expectation."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from golive.model.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class Strict(BaseModel):
    """Base for configuration models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def expand(value: Any, file: Path, key: str = "") -> Any:
    """Expand ``${VAR}`` and ``${VAR:-default}`` in every string of a YAML document."""
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name, default = match.group("name"), match.group("default")
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            raise ConfigError(file, key or "(root)", f"environment variable {name} is not set")

        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {k: expand(v, file, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, file, f"{key}[{i}]") for i, v in enumerate(value)]
    return value


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning I/O and syntax errors into ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "file exists") from None
    except OSError as exc:
        raise ConfigError(path, "(file)", f"readable file ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(document)"
        raise ConfigError(path, where, f"valid YAML ({getattr(exc, 'problem', exc)})") from None


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def validate(data: Any, model: type[M], path: Path) -> M:
    """Validate parsed data against a model; the first error becomes a ConfigError."""
    try:
        return model.model_validate(expand(data if data is not None else {}, path))
    except ValidationError as exc:
        err = exc.errors()[0]
        expected = err["msg"]
        if err["type"] == "extra_forbidden":
            expected = "no such key (unknown key; check the spelling)"
        elif err["type"] == "missing":
            expected = "required key is missing"
        more = len(exc.errors()) - 1
        if more:
            expected += f" (and {more} more error{'s' if more > 1 else ''})"
        raise ConfigError(path, _key(err["loc"]), expected) from None


def load_model(path: Path, model: type[M]) -> M:
    """Read a YAML file and validate it against ``model``."""
    return validate(read_yaml(path), model, path)
