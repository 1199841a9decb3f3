"""Ask an app node's own HTTP port from the node itself (its port is not public)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from golive.probe.hosts import Target


@dataclass(frozen=True)
class NodeAnswer:
    """What a node answered: HTTP status (0 when nothing answered), body, and error."""

    url: str
    status: int
    body: Any
    error: str = ""

    def describe(self) -> str:
        if self.status == 0:
            return f"{self.url} did not answer ({self.error})"
        return f"{self.url} answered HTTP {self.status}"


def get_json(
    target: Target,
    port: int,
    path: str,
    timeout: float = 5.0,
    headers: dict[str, str] | None = None,
) -> NodeAnswer:
    """GET http://<node address>:<port><path> with curl on the node (optional headers)."""
    url = f"http://{target.address}:{port}{path}"
    extra = [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
    out = target.run(
        "curl -sS -m %s -o /dev/stdout -w '\\n%%{http_code}'" + " %s" * len(extra) + " %s",
        str(int(timeout)),
        *extra,
        url,
    )
    if out.rc != 0:
        reason = (
            out.stderr.strip().removeprefix("curl: ").split(")", 1)[-1].strip()
            or f"curl exit {out.rc}"
        )
        return NodeAnswer(url, 0, None, reason)
    body, _, code = out.stdout.rpartition("\n")
    try:
        parsed: Any = json.loads(body) if body else None
    except json.JSONDecodeError:
        parsed = body
    return NodeAnswer(url, int(code), parsed)
