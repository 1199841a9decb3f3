"""A check's raw evidence: redacted, handed to the report's sink, recorded with its sha256."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.report.hashing import sha256
from golive.report.redact import Redactor


@dataclass(frozen=True)
class EvidenceRecord:
    """One attachment: its name, media type and the sha256 of the bytes written."""

    name: str
    mime: str
    sha256: str


class Evidence:
    """Evidence attacher for the current check; ``record`` receives each attachment's record."""

    def __init__(
        self,
        redactor: Redactor,
        record: Callable[[EvidenceRecord], None],
        sink: Callable[[bytes, str, str, str], None],
    ) -> None:
        self._redactor = redactor
        self._record = record
        self._sink = sink  # (data, name, mime, extension): the report's attach

    def raw(
        self, name: str, data: bytes, mime: str, extension: str, summary: str | None = None
    ) -> EvidenceRecord:
        """Redact and attach raw bytes (JSON value by value, so it stays JSON; other text as
        text; binary is attached as is), after a short human ``summary`` when given (large raw
        evidence is attached whole, with a few lines beside it a reader takes in at once)."""
        if summary is not None:
            self.text(f"{name.rsplit('.', 1)[0]} (summary)", summary)
        json_doc = mime == "application/json" or extension == "json"
        data = self._redactor.json(data) if json_doc else self._redactor.data(data)
        self._sink(data, name, mime, extension)
        rec = EvidenceRecord(name, mime, sha256(data))
        self._record(rec)
        return rec

    def text(self, name: str, text: str) -> EvidenceRecord:
        return self.raw(name, text.encode("utf-8"), "text/plain", "txt")

    def json(self, name: str, value: Any) -> EvidenceRecord:
        body = json.dumps(value, indent=2, sort_keys=True, default=str)
        return self.raw(name, body.encode("utf-8"), "application/json", "json")

    def xml(self, name: str, text: str) -> EvidenceRecord:
        return self.raw(name, text.encode("utf-8"), "application/xml", "xml")

    def file(self, path: Path, name: str | None = None) -> EvidenceRecord:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        ext = path.suffix.lstrip(".") or "bin"
        return self.raw(name or path.name, path.read_bytes(), mime, ext)
