"""Load YAML configuration into pydantic models with errors naming file, key and expectation."""

from __future__ import annotations

import os
import re
import stat
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from golive.model.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class Strict(BaseModel):
    """Base for configuration models: unknown keys are errors, values are immutable, and no
    number is NaN or infinite (``.nan``, ``.inf``, ``"nan"``: a threshold every comparison
    passes or fails silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


# The ranges numbers of the configuration share (each model adds its own where it knows better).
DAY_S = 86_400.0
YEAR_H = 366 * 24.0
Seconds = Annotated[float, Field(gt=0, le=DAY_S)]
"""A timeout, interval or wait in seconds: more than 0, at most a day."""
Port = Annotated[int, Field(gt=0, lt=65536)]
"""A TCP or UDP port: 1 to 65535."""
Limit = Annotated[int, Field(ge=0, le=1_000_000)]
"""A count or limit that may be 0 (0 to a million)."""
Count = Annotated[int, Field(gt=0, le=1_000_000)]
"""A count of at least 1 (to a million)."""


class Expiring(Strict):
    """An entry valid through its ``expires`` date (a waiver, a sign-off)."""

    expires: date

    def expired(self, today: date) -> bool:
        """Whether ``today`` is past the expiry date (the entry is valid on that day)."""
        return today > self.expires


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


MAX_FILE_BYTES = 1 << 20  # a configuration file is small; a larger one is refused unread
MAX_NODES = 100_000  # nodes after alias expansion: a YAML "billion laughs" stops here


# libyaml's parser where PyYAML was built with it (Debian's and PyPI's wheels are): parsing
# the sandbox's expectations.yml in pure Python was a tenth of a smoke run's CPU time
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe YAML with three differences: dates stay strings (pydantic parses them, so a bad
    date is a validation error naming its key), a key given twice in one mapping is an error,
    and a document whose aliases expand past ``MAX_NODES`` nodes is refused before it is built."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base` merges; the mapping's own keys override what it brings
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Duplicate(key, seen[key], key_node.start_mark.line + 1)
            seen[key] = key_node.start_mark.line + 1
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class _Duplicate(Exception):
    def __init__(self, key: Any, first: int, again: int) -> None:
        self.key, self.first, self.again = key, first, again


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a recursive alias counts once
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(n, memo) for n in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[id(node)] = min(size, MAX_NODES + 1)
    return memo[id(node)]


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; I/O, encoding, syntax, duplicate keys and alias bombs become
    ConfigError (one line naming the file and where)."""
    try:
        facts = path.stat()
        if not stat.S_ISREG(facts.st_mode):  # a FIFO would block the read, a device not end
            raise ConfigError(path, "(file)", "a regular file (not a directory, FIFO or device)")
        size = facts.st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(path, "(file)", f"at most {MAX_FILE_BYTES} bytes (it has {size})")
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # bounded even should it grow meanwhile
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigError(path, "(file)", f"at most {MAX_FILE_BYTES} bytes (it grew)")
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "an existing file (there is no such file)") from None
    except OSError as exc:
        raise ConfigError(path, "(file)", f"a readable file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            path, f"line {line}", f"UTF-8 text (byte 0x{raw[exc.start]:02x} is not)"
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_NODES:
            raise ConfigError(
                path, "(document)", f"at most {MAX_NODES} values once aliases are expanded"
            )
        return loader.construct_document(node) if node is not None else None
    except _Duplicate as dup:
        raise ConfigError(
            path, f"line {dup.again}", f"each key once ({dup.key!r} is also on line {dup.first})"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(document)"
        raise ConfigError(path, where, f"valid YAML ({getattr(exc, 'problem', exc)})") from None
    finally:
        loader.dispose()


def _key(loc: tuple[int | str, ...], nested: bool = False) -> str:
    out = ""
    for part in loc:
        out += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if out or nested else str(part))
        )
    return out or ("" if nested else "(root)")


_RANGE = {
    "greater_than": ("greater than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _expected(err: Any) -> str:
    """What pydantic's error ``err`` says was expected, in golive's words."""
    if err["type"] == "extra_forbidden":
        return "no such key (unknown key; check the spelling)"
    if err["type"] == "missing":
        return "required key is missing"
    if str(err["type"]).startswith(("date_", "datetime_")):
        return f"{err['input']!r} is not a date (YYYY-MM-DD)"
    if err["type"] == "value_error":  # a validator's own sentence, without pydantic's prefix
        return str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "finite_number":
        return f"a finite number, not {err['input']!r}"
    if err["type"] in _RANGE:
        word, bound = _RANGE[err["type"]]
        return f"a number {word} {_number(err['ctx'][bound])}, not {err['input']!r}"
    return str(err["msg"])


def problems(
    data: Any, model: type[M], path: Path, prefix: str = ""
) -> tuple[M | None, list[ConfigError]]:
    """Validate parsed data against a model: the model, or None and every problem found
    (each naming ``path`` and the key, under ``prefix`` such as ``[2]``)."""
    try:
        return model.model_validate(expand(data if data is not None else {}, path, prefix)), []
    except ConfigError as exc:
        return None, [exc]
    except ValidationError as exc:
        return None, [
            ConfigError(path, f"{prefix}{_key(e['loc'], bool(prefix))}", _expected(e))
            for e in exc.errors()
        ]


def first(found: list[ConfigError]) -> ConfigError:
    """The first of several problems, saying how many more there are (``golive validate``
    lists them all)."""
    err = found[0]
    more = len(found) - 1
    if not more:
        return err
    return ConfigError(
        err.file, err.key, f"{err.expected} (and {more} more error{'s' if more > 1 else ''})"
    )


def validate(data: Any, model: type[M], path: Path) -> M:
    """Validate parsed data against a model; the first error becomes a ConfigError."""
    value, found = problems(data, model, path)
    if value is None:
        raise first(found) from None
    return value


def load_model(path: Path, model: type[M]) -> M:
    """Read a YAML file and validate it against ``model``."""
    return validate(read_yaml(path), model, path)
