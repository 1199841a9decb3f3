"""Redaction of secrets from everything golive attaches or writes.

Removes the environment's secret values (plain, JSON-escaped and XML-escaped) and known
patterns: PEM private key blocks, ``otpauth://`` URIs (TOTP seeds), ``password=...`` style
assignments in properties, and passwords in URL user info.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from golive.report.files import WriteError, write_atomic

MASK = "[REDACTED]"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL
        ),
        f"-----BEGIN PRIVATE KEY-----{MASK}-----END PRIVATE KEY-----",
    ),
    (re.compile(r"otpauth://[^\s\"'<>\\]+"), f"otpauth://{MASK}"),
    (
        re.compile(
            r"(?i)\b([\w.-]*(?:password|passwd|pwd|secret|totp|token)[\w.-]*"
            r"[\"']?\s*[=:]\s*[\"']?)(?!\[REDACTED\]|(?:true|false|on|off|yes|no|null|none)\b)[^\s&;,\"'<>\\]+"
        ),
        rf"\1{MASK}",
    ),
    (re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)[^\s\"'\\]+"), rf"\1{MASK}"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@\\]+:)[^\s@/\\]+@"), rf"\1{MASK}@"),
)
_TEXT_SUFFIXES = frozenset(
    {".json", ".txt", ".xml", ".properties", ".md", ".html", ".csv", ".log", ".yml", ".yaml", ""}
)


class Redactor:
    """Redacts a fixed set of secret values and the known secret patterns."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for s in secrets:
            if len(s) >= 4:
                forms.update({s, json.dumps(s)[1:-1], html.escape(s), html.escape(s, quote=False)})
        longest_first = sorted(forms, key=len, reverse=True)
        self._values = (
            re.compile("|".join(re.escape(f) for f in longest_first)) if longest_first else None
        )

    def text(self, text: str) -> str:
        """``text`` with every secret and secret pattern masked."""
        if self._values is not None:
            text = self._values.sub(MASK, text)
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
        return text

    def data(self, data: bytes) -> bytes:
        """Redact UTF-8 text; binary data that does not decode is returned unchanged."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        out = self.text(text)
        return data if out == text else out.encode("utf-8")

    def value(self, value: Any) -> Any:
        """Redact every string of a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value

    def _json(self, data: bytes) -> bytes:
        try:
            doc = json.loads(data)
        except ValueError:
            return self.data(data)
        out = self.value(doc)
        return data if out == doc else json.dumps(out).encode("utf-8")

    def file(self, path: Path) -> bool:
        """Redact a text file in place (JSON value by value, so it stays JSON); True if changed."""
        if path.suffix.lower() not in _TEXT_SUFFIXES and not path.name.endswith("-attachment"):
            return False
        data = path.read_bytes()
        out = self._json(data) if path.suffix.lower() == ".json" else self.data(data)
        if out is data:
            return False
        try:
            write_atomic(path, out)
        except WriteError:
            # fail closed: a file that could not be redacted is not left behind
            path.unlink(missing_ok=True)
            raise
        return True

    def tree(self, root: Path, since: float = 0.0) -> tuple[list[Path], list[WriteError]]:
        """Redact the text files under ``root`` modified since ``since``: the changed ones, and
        the ones that could not be rewritten (removed rather than left unredacted)."""
        changed: list[Path] = []
        failed: list[WriteError] = []
        for path in sorted(root.rglob("*")):
            try:
                if not path.is_file() or path.is_symlink() or path.stat().st_mtime < since:
                    continue
            except FileNotFoundError:  # another writer's temporary file, renamed meanwhile
                continue
            try:
                if self.file(path):
                    changed.append(path)
            except WriteError as exc:
                failed.append(exc)
        return changed, failed
