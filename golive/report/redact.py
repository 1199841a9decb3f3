"""Redaction of secrets from everything golive attaches or writes.

Masks secret VALUES, nothing else:

- the environment's secret values, from its secrets file (plain, JSON-escaped and XML-escaped);
- PEM private key blocks;
- ``otpauth://`` URIs (they carry TOTP seeds);
- the value of an obvious credential assignment: a key that *is* a credential name
  (``password``, ``db.password``, ``client_secret``, ``access_token``, ...) given a literal
  value: quoted (``password = "x"``, ``"token": "x"``), unquoted with no space
  (``jdbc.password=x``), or alone on a YAML-like line (``password: x``);
- the credential of an ``Authorization`` header and the password in a URL's user info.

An ordinary word is never masked: "secret" in a sentence, a test named
``test_login_without_totp_is_rejected``, a source line ``token = self.token(order)`` and
sslyze's key ``"tls_extended_master_secret": {`` all pass unchanged. JSON is redacted
structurally (values, never keys), so every JSON file stays JSON.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from golive.report.files import WriteError, write_atomic

MASK = "[REDACTED]"
_CREDENTIAL_WORD = r"(?:password|passwd|pwd|secret|token|api[_-]?key|totp[_-]?seed|private[_-]?key)"
_CREDENTIAL = rf"[\w.-]*{_CREDENTIAL_WORD}"
_KEY = re.compile(rf"(?i){_CREDENTIAL}")
_NOT_A_VALUE = r"(?!\[REDACTED\])(?!(?:true|false|on|off|yes|no|null|none)\b)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL
        ),
        f"-----BEGIN PRIVATE KEY-----{MASK}-----END PRIVATE KEY-----",
    ),
    (re.compile(r"otpauth://[^\s\"'<>\\]+"), f"otpauth://{MASK}"),
    # "key": "value", key = 'value': a quoted literal
    (
        re.compile(
            rf"(?i)(?<![\w.-])({_CREDENTIAL}[\"']?\s*[=:]\s*)([\"']){_NOT_A_VALUE}"
            r"(?:(?!\2)[^\\\n]|\\.)+\2"
        ),
        rf"\1\2{MASK}\2",
    ),
    # key=value (properties, query strings, command lines): no space around "=", and a value
    # that ends its word (not code: `t._placeToken=function(e)` in a script assigns nothing)
    (
        re.compile(
            rf"(?i)(?<![\w.-])({_CREDENTIAL}=){_NOT_A_VALUE}(?![\"'])"
            r"[^\s&;,\"'<>\\(){}\[\]]+(?=[\s&;,\"']|$)"
        ),
        rf"\1{MASK}",
    ),
    # a YAML-like line "  password: value" (one token, nothing else on the line)
    (
        re.compile(rf"(?im)^(\s*-?\s*{_CREDENTIAL}:[ \t]+){_NOT_A_VALUE}(?![\"'])[^\s\"']+[ \t]*$"),
        rf"\1{MASK}",
    ),
    (re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)[^\s\"'\\]+"), rf"\1{MASK}"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@\\]+:)[^\s@/\\]+@"), rf"\1{MASK}@"),
)
# A pattern runs only on a text it could match: one holding its words (case folded,
# :func:`_fold`) and, for the three credential assignments, a credential word followed by its
# ``=`` or ``:`` (one search for the three). A text none of them could match, holding none of
# the secret values, is returned as it is: the end of a run reads every file it wrote, and most
# of their strings assign no credential. A URL alone (``http://``, in nearly every command and
# request golive records) runs no pattern: the user-info one also needs an ``@``; a word such
# as ``passwd`` (``/etc/passwd``) runs only the one search.
_CREDENTIAL_WORDS = (
    "password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
    "totpseed", "totp_seed", "totp-seed", "privatekey", "private_key", "private-key",
)  # fmt: skip
# on the folded text, case-sensitive: ten times faster than ``(?i)`` on the text itself, and
# it finds every assignment that could (folding changes letters only)
_ASSIGNED = re.compile(rf"{_CREDENTIAL_WORD}[\"']?\s*[=:]")


def _fold(text: str) -> str:
    """``text`` case folded as the patterns' ``(?i)`` matches it: casefold, and the two letters
    Python's regular expressions also take for an ``i`` (dotless ı, dotted İ)."""
    return text.casefold().replace("\u0131", "i").replace("i\u0307", "i")


def _runnable(text: str) -> tuple[bool, ...]:
    """Which of :data:`_PATTERNS` could match ``text`` (in their order)."""
    folded = _fold(text)
    credential = any(w in folded for w in _CREDENTIAL_WORDS) and bool(_ASSIGNED.search(folded))
    return (
        "private key" in folded,
        "otpauth://" in folded,
        credential,
        credential,
        credential,
        "authorization" in folded,
        "://" in folded and "@" in folded,
    )


_TEXT_SUFFIXES = frozenset(
    {".json", ".txt", ".xml", ".properties", ".md", ".html", ".csv", ".log", ".yml", ".yaml", ""}
)


MEMO_BYTES = 64 * 1024
"""A JSON document at least this large is redacted once per content (:meth:`Redactor.json`)."""
MEMO_ENTRIES = 8
"""How many such documents a redactor keeps, the oldest forgotten first."""


def credential_key(key: str) -> bool:
    """Whether ``key`` names a credential (``password``, ``db.password``, ``api_key``, ...)."""
    return _KEY.fullmatch(key) is not None


def _suspect(text: str) -> bool:
    return any(_runnable(text))


class Redactor:
    """Redacts a fixed set of secret values and the known secret patterns."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for s in secrets:
            if len(s) >= 4:
                forms.update({s, json.dumps(s)[1:-1], html.escape(s), html.escape(s, quote=False)})
        longest_first = sorted(forms, key=len, reverse=True)
        self._forms = tuple(longest_first)
        self._values = (
            re.compile("|".join(re.escape(f) for f in longest_first)) if longest_first else None
        )
        self._memo: dict[bytes, bytes] = {}  # large JSON documents redacted: :meth:`json`
        self._memo_lock = threading.Lock()

    def suspect(self, text: str) -> bool:
        """Whether ``text`` may hold something to mask (if not, :meth:`text` leaves it as is)."""
        return any(f in text for f in self._forms) or _suspect(text)

    def text(self, text: str) -> str:
        """``text`` with every secret value and secret pattern masked (a pattern whose words
        are not in the text, as it is by then, is not run: it could not match)."""
        if self._values is not None and any(f in text for f in self._forms):
            text = self._values.sub(MASK, text)
        runnable = _runnable(text)
        for i, (pattern, repl) in enumerate(_PATTERNS):
            if runnable[i]:
                masked = pattern.sub(repl, text)
                if masked != text:  # what the next patterns could match is asked again
                    text, runnable = masked, _runnable(masked)
        return text

    def data(self, data: bytes) -> bytes:
        """Redact UTF-8 text; binary data that does not decode is returned unchanged."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        out = self.text(text)
        return data if out == text else out.encode("utf-8")

    def value(self, value: Any, key: str | None = None) -> Any:
        """A JSON-like value with every string redacted (keys are kept as they are); a string
        under a credential key is masked whole."""
        if isinstance(value, str):
            if key is not None and value and credential_key(key):
                return MASK
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        return value

    def json(self, data: bytes) -> bytes:
        """Redact a JSON document structurally (it stays JSON); text that is not JSON as text.
        A large document attached again (an sslyze scan: 190 kB, by each of a dozen TLS
        checks) is redacted once: the last few are kept by their sha256 (:data:`MEMO_BYTES`,
        :data:`MEMO_ENTRIES`)."""
        if len(data) < MEMO_BYTES:
            return self._json(data)
        key = hashlib.sha256(data).digest()
        with self._memo_lock:
            found = self._memo.get(key)
        if found is None:
            found = self._json(data)
            with self._memo_lock:
                self._memo[key] = found
                while len(self._memo) > MEMO_ENTRIES:
                    del self._memo[next(iter(self._memo))]
        return found

    def _json(self, data: bytes) -> bytes:
        try:
            doc = json.loads(data)
        except ValueError:
            return self.data(data)
        out = self.value(doc)
        if out == doc:
            return data
        return json.dumps(out, indent=2, ensure_ascii=False).encode("utf-8")

    def file(self, path: Path, memo: dict[tuple[bool, bytes], bytes] | None = None) -> bool:
        """Redact a text file in place (JSON value by value, so it stays JSON); True if changed.
        ``memo`` (of :meth:`tree`) holds what files of the same content were redacted to: one
        evidence attached by several checks (an sslyze scan: 190 kB, a dozen times in the
        union) is redacted once."""
        if path.suffix.lower() not in _TEXT_SUFFIXES and not path.name.endswith("-attachment"):
            return False
        data = path.read_bytes()
        try:
            if not self.suspect(data.decode("utf-8")):
                return False  # nothing to mask anywhere in it: no JSON walk
        except UnicodeDecodeError:
            return False  # binary: left as it is (as :meth:`data` leaves it)
        as_json = path.suffix.lower() == ".json"
        key = (as_json, hashlib.sha256(data).digest())
        out = memo.get(key) if memo is not None else None
        if out is None:
            out = self.json(data) if as_json else self.data(data)
            if memo is not None:
                memo[key] = out
        if out == data:
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
        memo: dict[tuple[bool, bytes], bytes] = {}
        for path in sorted(root.rglob("*")):
            try:
                if not path.is_file() or path.is_symlink() or path.stat().st_mtime < since:
                    continue
            except FileNotFoundError:  # another writer's temporary file, renamed meanwhile
                continue
            try:
                if self.file(path, memo):
                    changed.append(path)
            except WriteError as exc:
                failed.append(exc)
        return changed, failed
