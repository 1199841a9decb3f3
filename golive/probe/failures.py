"""Connection-level failures said as one sentence naming the host and the cause.

A request that never got an answer (the TLS handshake failed, the connection was refused or
timed out, the name did not resolve) is a fact about the endpoint, not about the check that
asked: :class:`Cause` holds it as data (host, endpoint, kind, detail) so that the gate can
group every check that failed for the same reason under it, and says it as one sentence.
A raw exception repr (``requests.exceptions.SSLError(...)``) is never the message.

Probes note each connection failure they meet (:func:`note`) into the current check's own list
(:func:`noting`: plugins/records.py keeps one per check, in its stash, so it
travels with the check's report from an xdist worker too); the gate attributes a failure whose
message says one of them (:meth:`Cause.what`) to it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator

import dns.exception
import dns.resolver
import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, ReadTimeoutError

from golive.model.cause import Cause, Kind

# OpenSSL's X509_V_ERR_* codes a client meets, said as a change board reads them
_VERIFY = {
    9: "certificate not yet valid",
    10: "certificate expired",
    18: "unknown CA (self-signed certificate)",
    19: "unknown CA (self-signed certificate in the chain)",
    20: "unknown CA (issuer not trusted)",
    21: "unknown CA (issuer not trusted)",
    2: "unknown CA (issuer not trusted)",
    23: "certificate revoked",
    62: "wrong host name (the certificate is not for {name})",
}
# curl exit statuses (man curl, EXIT CODES)
_CURL: dict[int, tuple[Kind, str]] = {
    6: ("dns", "the name does not resolve"),
    7: ("refused", ""),
    28: ("timeout", ""),
    35: ("tls", "handshake error"),
    51: ("tls", "wrong host name"),
    52: ("closed", ""),
    56: ("closed", ""),
    60: ("tls", "certificate not trusted (expired, unknown CA or wrong host name)"),
}


class ConnectionFailure(requests.exceptions.ConnectionError):
    """A request got no answer; its message is the cause's sentence and the request line."""

    def __init__(self, cause: Cause, request: str = "") -> None:
        self.cause = cause
        text = cause.sentence() + (f" ({request})" if request else "")
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0])


_lock = threading.Lock()
_current: list[Cause] | None = None
"""The connection failures of the check running now (:func:`noting`), noted from any thread but
one kept :func:`apart`; None between checks (a failure then is no check's)."""
_hung: dict[tuple[str, str], Cause] = {}
_local = threading.local()


def note(cause: Cause) -> Cause:
    """Remember a connection failure a probe met during the current check (in a thread
    :func:`apart`: for the check that will read that thread's answer)."""
    own: list[Cause] | None = getattr(_local, "seen", None)
    with _lock:
        into = own if own is not None else _current
        if into is not None:
            into.append(cause)
    return cause


@contextlib.contextmanager
def noting(into: list[Cause]) -> Iterator[list[Cause]]:
    """The connection failures noted while the block runs (one check, by any of its threads)
    go to ``into``."""
    global _current
    with _lock:
        previous, _current = _current, into
    try:
        yield into
    finally:
        with _lock:
            _current = previous


@contextlib.contextmanager
def apart() -> Iterator[list[Cause]]:
    """The connection failures this thread notes while the block runs, kept apart from the
    current check's: a probe run ahead, in the background, for a check that reads its answer
    later (golive/probe/ahead.py), which notes them again then."""
    previous = getattr(_local, "seen", None)
    mine: list[Cause] = []
    _local.seen = mine
    try:
        yield mine
    finally:
        _local.seen = previous


def found_hung(cause: Cause) -> None:
    """A check failed because ``cause`` (a timeout) met it: the endpoint is hung for the rest
    of the run (:func:`hung`). Said by the gate, for failed checks only: a drill that waits
    through a service's restart, and passes, hangs nothing."""
    if cause.kind == "timeout":
        with _lock:
            _hung.setdefault((cause.host, cause.endpoint), cause)


def hung(host: str | None, endpoint: str) -> Cause | None:
    """The timeout a failed check met earlier in this run asking ``endpoint`` (as ``host``
    saw it), if one did: a hung service is waited for once per run, not once per check that
    asks it. The caller fails at once with it (and notes it again, so the gate groups the
    check with the one that waited). ``host`` None: as any host saw it."""
    if host is None:
        return next((c for (_, e), c in _hung_now() if e == endpoint), None)
    return _hung.get((host, endpoint))


def _hung_now() -> list[tuple[tuple[str, str], Cause]]:
    """A copy, taken under the lock: the gate adds to it from the main thread while probes
    ask. (Copying without it is not enough: a garbage collection during the copy can run a
    finalizer's Python code, and another thread then, and change the dictionary.)"""
    with _lock:
        return list(_hung.items())


def hung_on(host: str) -> Cause | None:
    """A timeout a failed check met earlier in this run asking any endpoint of ``host`` (as
    that host itself or any other saw it): a probe asked ahead on the host, still waiting, is
    no longer waited for (golive/probe/ahead.py)."""
    return next((c for (h, _), c in _hung_now() if h == host or c.host == host), None)


def again(cause: Cause) -> Cause:
    """A remembered timeout, said for a later request that was not sent."""
    detail = f"{cause.detail} earlier in this run; not asked again".strip()
    return note(Cause(cause.host, cause.endpoint, cause.kind, detail))


def forget() -> None:
    """A new run: no hung endpoint is remembered."""
    with _lock:
        _hung.clear()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (urllib3's reason, args, cause, context)."""
    todo, seen = [exc], set()
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        nested = [getattr(e, "reason", None), *e.args, e.__cause__, e.__context__]
        todo += [n for n in nested if isinstance(n, BaseException)]


def _tls(e: ssl.SSLError, name: str) -> str:
    if isinstance(e, ssl.SSLCertVerificationError):
        said = _VERIFY.get(e.verify_code)
        if said is not None:
            return said.format(name=name)
        return str(e.verify_message or e.reason or "certificate not accepted")
    reason = str(e.reason or "").replace("_", " ").lower()
    return reason or "handshake error"


def classify(exc: BaseException, name: str, timeout: float | None = None) -> tuple[Kind, str]:
    """The kind and detail of a connection-level exception (of requests, urllib3, ssl,
    socket or dnspython); ``name`` is the host name dialled (for a wrong-host-name)."""
    chain = list(_chain(exc))
    within = f"within {timeout:g} s" if timeout else ""
    for e in chain:
        if isinstance(e, ssl.SSLError):
            return "tls", _tls(e, name)
    for e in chain:
        if isinstance(e, ConnectionRefusedError):
            return "refused", ""
        if isinstance(e, NameResolutionError | socket.gaierror):
            return "dns", "the name does not resolve"
        if isinstance(e, dns.resolver.NXDOMAIN):
            return "dns", "no such name"
        if isinstance(e, dns.resolver.NoAnswer):
            return "dns", "no address record"
        if isinstance(e, dns.exception.Timeout):
            return "dns", f"the DNS server did not answer {within}".rstrip()
        if isinstance(e, dns.exception.DNSException):
            return "dns", str(e).splitlines()[0] if str(e) else type(e).__name__
    for e in chain:
        if isinstance(e, ReadTimeoutError | requests.exceptions.ReadTimeout):
            return "timeout", f"{within} (no response)".strip()
        if isinstance(e, ConnectTimeoutError | socket.timeout | TimeoutError):
            return "timeout", f"{within} (no connection)".strip()
        if isinstance(e, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
            return "closed", ""
    for e in chain:
        text = str(e)
        if "RemoteDisconnected" in type(e).__name__ or "without response" in text:
            return "closed", ""
    last = chain[-1]
    text = str(last).splitlines()[0] if str(last) else type(last).__name__
    return "connection", text[:200]


def from_exception(
    exc: BaseException, host: str, name: str, port: int, timeout: float | None = None
) -> Cause:
    """The cause of a request to ``name:port`` (on inventory host ``host``) that raised."""
    kind, detail = classify(exc, name, timeout)
    return Cause(host, f"{name}:{port}", kind, detail)


def from_curl(host: str, name: str, port: int, rc: int, stderr: str, timeout: float) -> Cause:
    """The cause of a curl request to ``name:port`` run on ``host`` that exited ``rc``."""
    kind, detail = _CURL.get(rc, ("connection", ""))
    if kind == "timeout":
        detail = f"within {timeout:g} s"
    if kind == "tls" and "expired" in stderr:
        detail = "certificate expired"
    if kind == "connection":
        detail = stderr.strip().removeprefix("curl: ").splitlines()[0] if stderr.strip() else ""
        detail = detail or f"curl exit {rc}"
    return Cause(host, f"{name}:{port}", kind, detail)
