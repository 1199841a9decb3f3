"""Connection-level errors said as one sentence naming host and cause (golive/probe/failures.py),
from the exceptions requests, urllib3, ssl and dnspython really raise (built here, no network)."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import dns.resolver
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from conftest import errors_beside
from golive.model.cause import Cause
from golive.probe import failures
from golive.probe.failures import ConnectionFailure, classify, from_curl
from golive.probe.http import EnvironmentAdapter


def _verify(code: int, message: str) -> requests.exceptions.SSLError:
    inner = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    inner.verify_code = code
    inner.verify_message = message
    reason = SSLError(inner)
    return requests.exceptions.SSLError(MaxRetryError(None, "/api/login", reason))  # type: ignore[arg-type]


def _raised(outer: type[BaseException], inner: BaseException, *args: Any) -> BaseException:
    """``outer(*args)`` raised from ``inner``, as urllib3 raises it."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer(*args) from exc
    except BaseException as exc:
        return exc


def _wrapped(exc: BaseException, kind: type[Exception] = requests.ConnectionError) -> Exception:
    return kind(MaxRetryError(None, "/x", exc))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "kind", "detail"),
    [
        (_verify(10, "certificate has expired"), "tls", "certificate expired"),
        (_verify(9, "certificate is not yet valid"), "tls", "certificate not yet valid"),
        (
            _verify(20, "unable to get local issuer certificate"),
            "tls",
            "unknown CA (issuer not trusted)",
        ),
        (
            _verify(18, "self-signed certificate"),
            "tls",
            "unknown CA (self-signed certificate)",
        ),
        (
            _verify(62, "Hostname mismatch, certificate is not valid for 'x'."),
            "tls",
            "wrong host name (the certificate is not for trading.example.test)",
        ),
        (
            _wrapped(
                _raised(NewConnectionError, ConnectionRefusedError(111, "refused"), None, "x")
            ),
            "refused",
            "",
        ),
        (
            _wrapped(_raised(ConnectTimeoutError, TimeoutError("timed out"), None, "x")),
            "timeout",
            "within 5 s (no connection)",
        ),
        (
            _wrapped(ReadTimeoutError(None, "/x", "read timed out"), requests.ReadTimeout),  # type: ignore[arg-type]
            "timeout",
            "within 5 s (no response)",
        ),
        (
            _wrapped(
                _raised(NameResolutionError, socket.gaierror(-2, "unknown"), "x", None, "no")
            ),
            "dns",
            "the name does not resolve",
        ),
        (dns.resolver.NXDOMAIN(), "dns", "no such name"),
        (
            _wrapped(_raised(requests.ConnectionError, ConnectionResetError(104, "reset"))),
            "closed",
            "",
        ),
    ],
    ids=[
        "expired", "not-yet-valid", "unknown-ca", "self-signed", "wrong-name", "refused",
        "connect-timeout", "read-timeout", "no-name", "nxdomain", "reset",
    ],
)  # fmt: skip
def test_connection_errors_are_classified(exc: BaseException, kind: str, detail: str):
    assert classify(exc, "trading.example.test", 5) == (kind, detail)


def test_a_sentence_names_host_and_cause_never_a_repr():
    exc = _verify(10, "certificate has expired")
    cause = failures.from_exception(exc, "lb1", "trading.example.test", 443, 5)
    text = str(ConnectionFailure(cause, "POST /api/login"))
    assert text == (
        "lb1: TLS handshake with trading.example.test:443 failed: certificate expired "
        "(POST /api/login)"
    )
    assert "SSLError" not in text and "HTTPSConnectionPool" not in text


@pytest.mark.parametrize(
    ("rc", "stderr", "sentence"),
    [
        (7, "curl: (7) Failed to connect", "app2: connection to 127.0.2.12:8080 refused"),
        (28, "curl: (28) Operation timed out", "app2: 127.0.2.12:8080 did not answer within 3 s"),
        (60, "curl: (60) SSL certificate problem: certificate has expired",
         "app2: TLS handshake with 127.0.2.12:8080 failed: certificate expired"),
        (52, "curl: (52) Empty reply from server",
         "app2: 127.0.2.12:8080 closed the connection without an answer"),
    ],
)  # fmt: skip
def test_curl_failures_are_translated(rc: int, stderr: str, sentence: str):
    assert from_curl("app2", "127.0.2.12", 8080, rc, stderr, 3).sentence() == sentence


class _Resolver:
    def addresses(self, name: str) -> tuple[str, ...]:
        return ("127.0.2.1",)


def test_the_http_adapter_raises_one_sentence_naming_the_inventory_host(monkeypatch):
    """The environment's HTTP session: a failed request names the inventory host whose
    address the name resolved to, the endpoint, the cause and the request line; the cause
    is noted for the gate."""

    def send(self: HTTPAdapter, request: requests.PreparedRequest, **kw: Any) -> None:
        raise _verify(10, "certificate has expired")

    monkeypatch.setattr(HTTPAdapter, "send", send)
    session = requests.Session()
    session.mount("https://", EnvironmentAdapter(_Resolver(), None, {"127.0.2.1": "lb1"}))  # type: ignore[arg-type]
    with failures.noting([]) as met, pytest.raises(ConnectionFailure) as caught:
        session.get("https://trading.example.test/health", timeout=4)
    assert str(caught.value) == (
        "lb1: TLS handshake with trading.example.test:443 failed: certificate expired (GET /health)"
    )
    assert isinstance(caught.value, requests.ConnectionError)  # callers' handlers still apply
    assert met == [Cause("lb1", "trading.example.test:443", "tls", "certificate expired")]


@pytest.mark.usefixtures("switching")
def test_asking_whether_an_endpoint_hung_beside_the_gate_noting_timeouts() -> None:
    """Probes ask (in their threads) while the gate notes the timeouts of failed checks (the
    main thread): the question reads a copy, never the dictionary as it grows."""
    failures.forget()

    def note() -> None:
        for n in range(3000):
            failures.found_hung(Cause(f"app{n}", f"10.0.{n // 250}.{n % 250}:8080", "timeout", ""))

    try:
        assert errors_beside(note, lambda: failures.hung(None, "no-such-endpoint:1")) == []
        assert failures.hung(None, "10.0.0.1:8080") is not None
    finally:
        failures.forget()
