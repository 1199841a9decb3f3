"""Redaction masks secret values, private keys, TOTP seeds and credential assignments, and
nothing else; JSON stays JSON (property tests with hypothesis)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from golive.report.redact import _PATTERNS, MASK, Redactor

# text that looks like a credential assignment, a key, a seed or a URL password: excluded from
# "text without a secret" (the explicit examples below cover the ordinary words)
_TRIGGER = re.compile(
    r"(?i)(password|passwd|pwd|secret|token|api[_-]?key|totp[_-]?seed|private[_-]?key)"
    r"[\"']?\s*[=:]|otpauth://|PRIVATE KEY|authorization|://[^\s]*@|\[REDACTED\]"
)
ORDINARY = [
    "secret",
    "the secret sauce is testing",
    "token = self.token(order.account)",
    'token: str = response.json()["token"]',
    "test_login_without_totp_is_rejected: requests.exceptions.SSLError: bad handshake",
    '"tls_extended_master_secret": {"supports_ems_extension": true},',
    'body = {"password": self.env.secret(spec.password), "totp": self.totp(account)}',
    "password: the account's password from the secrets file",
    "secret: true",
    "PGPASSWORD is not set",
    "tokens issued: 3",
    "t.prototype._placeToken=function(e,t){return e}",
]
WORDS = st.sampled_from([*ORDINARY, "password", "pwd", "totp", "key", "=", ":", "{", '"'])
TEXT = st.lists(st.one_of(st.text(max_size=40), WORDS), max_size=12).map(" ".join)
SECRET = st.text(string.ascii_letters + string.digits + "!#%+/", min_size=8, max_size=32)


@given(TEXT)
@example("\n".join(ORDINARY))
@settings(max_examples=300, deadline=None)
def test_text_without_a_secret_passes_unchanged(text: str) -> None:
    if _TRIGGER.search(text):
        return
    assert Redactor(["correct-horse-battery"]).text(text) == text


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_words_and_source_lines_are_not_masked(line: str) -> None:
    assert Redactor().text(line) == line


@given(TEXT, SECRET, TEXT)
@settings(max_examples=300, deadline=None)
def test_text_with_a_secret_has_exactly_that_value_masked(
    before: str, secret: str, after: str
) -> None:
    text = before + secret + after
    at = text.find(secret)
    # exactly one occurrence (also counting overlapping ones), where it was put
    if _TRIGGER.search(before + after) or at != len(before) or text.find(secret, at + 1) >= 0:
        return
    assert Redactor([secret]).text(text) == before + MASK + after


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ('password = "hunter2"', 'password = "[REDACTED]"'),
        ("spring.datasource.password=hunter2", "spring.datasource.password=[REDACTED]"),
        ("PGPASSWORD=hunter2 psql -h db1", "PGPASSWORD=[REDACTED] psql -h db1"),
        ("  password: hunter2", "  password: [REDACTED]"),
        ('{"api_key": "abc123"}', '{"api_key": "[REDACTED]"}'),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer [REDACTED]"),
        ("postgresql://qa:hunter2@db1/trading", "postgresql://qa:[REDACTED]@db1/trading"),
        ("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", "otpauth://[REDACTED]"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----",
        ),
    ],
)
def test_credential_assignments_keys_and_seeds_are_masked(text: str, masked: str) -> None:
    assert Redactor().text(text) == masked


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | SECRET,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.one_of(st.text(max_size=12), st.sampled_from(ORDINARY)), inner,
                          max_size=4)
    ),
    max_leaves=20,
)  # fmt: skip


def _strings(doc: object) -> list[str]:
    """The string values of a JSON document (keys aside: a key is never a secret's value)."""
    if isinstance(doc, dict):
        return [s for v in doc.values() for s in _strings(v)]
    if isinstance(doc, list):
        return [s for v in doc for s in _strings(v)]
    return [doc] if isinstance(doc, str) else []


def _keys(doc: object) -> list[str]:
    if isinstance(doc, dict):
        return [k for key, v in doc.items() for k in (key, *_keys(v))]
    if isinstance(doc, list):
        return [k for v in doc for k in _keys(v)]
    return []


@given(JSON, SECRET)
@settings(max_examples=200, deadline=None)
def test_json_stays_valid_with_its_keys(doc: object, secret: str) -> None:
    raw = json.dumps({"tls_extended_master_secret": {"ok": True}, "v": doc, "s": secret})
    out = Redactor([secret]).json(raw.encode())
    parsed = json.loads(out)
    assert _keys(parsed) == _keys(json.loads(raw))
    # a secret's digits inside a number are not the secret (a number is never masked)
    assert not [s for s in _strings(parsed) if secret in s]
    assert parsed["s"] == MASK
    assert parsed["tls_extended_master_secret"] == {"ok": True}


def test_sslyze_like_json_attached_as_text_stays_json() -> None:
    raw = b'{"tls_extended_master_secret": {\n  "result": {"supports_ems_extension": true}}}'
    assert json.loads(Redactor().data(raw)) == json.loads(raw)
    assert Redactor().json(raw) == raw


PATTERNED = st.lists(
    st.one_of(
        TEXT,
        st.sampled_from(
            [
                "password=hunter2x", "API-KEY: abcdef", "Authorization: Bearer abc.def",
                "https://user:pw1234@host/x", "otpauth://totp/x?secret=ABC", "PAſſWORD=x1234",
                "-----BEGIN EC PRIVATE KEY-----\nMIIE\n-----END EC PRIVATE KEY-----",
                '"db.Password": "s3cr3t!"', "  totp_seed: JBSWY3DP",
                "cat /etc/passwd", "token = self.token(order)", "AUTHOR\u0130ZATION: Basic x1y2",
            ]
        ),
    ),
    max_size=6,
).map("\n".join)  # fmt: skip


@given(PATTERNED)
@settings(max_examples=300, deadline=None)
def test_text_skipped_as_unsuspect_is_what_every_pattern_leaves(text: str) -> None:
    """The shortcut (no pattern run on a text that names no credential, key, seed or URL)
    masks exactly what running every pattern masks."""
    full = text
    for pattern, repl in _PATTERNS:
        full = pattern.sub(repl, full)
    assert Redactor().text(text) == full


def test_a_file_with_nothing_to_mask_is_not_rewritten(tmp_path: Path) -> None:
    plain, secret = tmp_path / "plain-result.json", tmp_path / "secret-result.json"
    plain.write_text(json.dumps({"name": "test_quotes[lb1]", "status": "passed"}))
    secret.write_text(json.dumps({"name": "login", "params": {"password": "hunter2x"}}))
    redactor = Redactor()
    assert redactor.file(plain) is False
    assert redactor.file(secret) is True
    assert json.loads(secret.read_text())["params"]["password"] == MASK


def test_files_of_one_content_are_redacted_alike_once(tmp_path: Path) -> None:
    """One evidence attached by several checks is walked once, each copy redacted."""
    doc = json.dumps({"tls_extended_master_secret": {"ok": True}, "password": "hunter2x"})
    copies = [tmp_path / f"{n}-attachment.json" for n in range(3)]
    for copy in copies:
        copy.write_text(doc)
    (tmp_path / "other.txt").write_text("the secret sauce")
    redactor, walked = Redactor(), []
    walk = redactor.json
    redactor.json = lambda data: walked.append(data) or walk(data)  # type: ignore[method-assign]
    changed, failed = redactor.tree(tmp_path)
    assert sorted(changed) == copies and not failed
    assert len(walked) == 1
    for copy in copies:
        assert json.loads(copy.read_text())["password"] == MASK


def test_a_url_alone_runs_no_pattern_but_user_info_and_folded_letters_are_masked() -> None:
    """The patterns run only on a text holding their words: a URL without user info (most
    evidence) runs none; the words are folded as the patterns' ``(?i)`` folds them (a dotted
    or dotless i is an i there too)."""
    redactor = Redactor()
    plain = "$ curl -sS http://127.10.0.11:8080/health\n200"
    assert redactor.text(plain) == plain and not redactor.suspect(plain)
    assert redactor.text("see https://user:pw1234@host/x") == f"see https://user:{MASK}@host/x"
    for text in ("AUTHOR\u0130ZATION: Bearer abcdef", "AUTHOR\u0131ZAT\u0131ON: Bearer abcdef"):
        full = text
        for pattern, repl in _PATTERNS:
            full = pattern.sub(repl, full)
        assert MASK in full and redactor.text(text) == full


def test_a_large_json_document_attached_again_is_redacted_once_and_alike() -> None:
    """An sslyze scan attached by each TLS check: the second attach is the first's bytes,
    without walking the document again; a small one is redacted each time."""
    from golive.report import redact

    secret = "s3cr3t-value-xyz"
    big = {"rows": [{"name": f"n{i}", "note": f"token={secret}" if i == 7 else "x"} for i in
                    range(4000)]}  # fmt: skip
    data = json.dumps(big).encode()
    assert len(data) >= redact.MEMO_BYTES
    redactor = Redactor([secret])
    walked: list[int] = []
    value = redactor.value

    def counting(v: object, key: str | None = None) -> object:
        if key is None and isinstance(v, dict) and "rows" in v:
            walked.append(1)
        return value(v, key)

    redactor.value = counting  # type: ignore[method-assign,assignment]
    first = redactor.json(data)
    again = redactor.json(data)
    assert again == first and secret.encode() not in first
    json.loads(first)
    assert walked == [1]
    small = json.dumps({"password": secret}).encode()
    assert redactor.json(small) == redactor.json(small)
    assert secret.encode() not in redactor.json(small)
    for i in range(redact.MEMO_ENTRIES + 2):  # the memo stays bounded
        redactor.json(json.dumps({**big, "i": i}).encode())
    assert len(redactor._memo) == redact.MEMO_ENTRIES
