"""Why a request got no answer, as data (host, endpoint, kind, detail), said as one sentence:
filled by the probes (golive/probe/failures.py), weighed by the gate, which groups every check
that failed for the same reason under it (golive/gate/causes.py). A model, so that the gate
needs no probe to read one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["tls", "refused", "timeout", "dns", "closed", "connection"]


@dataclass(frozen=True)
class Cause:
    """Why a request got no answer: ``host`` is the inventory host (or the address or name
    when none matches), ``endpoint`` what was dialled (``name:port``)."""

    host: str
    endpoint: str
    kind: Kind
    detail: str = ""

    def sentence(self) -> str:
        """The cause in one sentence, naming the host."""
        return f"{self.host}: {self.what()}"

    def what(self) -> str:
        """The cause without the host (for a message that names the host already)."""
        return {
            "tls": f"TLS handshake with {self.endpoint} failed: {self.detail}",
            "refused": f"connection to {self.endpoint} refused",
            "timeout": f"{self.endpoint} did not answer {self.detail or 'in time'}",
            "dns": f"DNS lookup for {self.endpoint} failed: {self.detail}",
            "closed": f"{self.endpoint} closed the connection without an answer",
            "connection": f"connection to {self.endpoint} failed: {self.detail}",
        }[self.kind]

    def record(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Cause:
        return cls(str(data["host"]), str(data["endpoint"]), data["kind"], str(data["detail"]))
