"""Ask a node's own HTTP servers from the node itself (an app port is not public): the
status, the response headers and the body, with curl on the node."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from golive.model.cause import Cause
from golive.probe import failures, observe
from golive.probe.hosts import Target

# curl exit statuses that mean "no HTTP answer within the time allowed": connection refused,
# timed out. Any other failure (TLS handshake, empty or non-HTTP reply) means the listener
# answered, in some other protocol.
_SILENT = {7, 28}


@dataclass(frozen=True)
class NodeAnswer:
    """What a node answered: HTTP status (0 when nothing answered), body, headers and error."""

    url: str
    status: int
    body: Any
    error: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    rc: int = 0  # curl's exit status

    def describe(self) -> str:
        if self.status == 0:
            return f"{self.url} did not answer: {self.error}"
        return f"{self.url} answered HTTP {self.status}"

    def header(self, name: str) -> str | None:
        """The first value of a response header (names compare case-insensitively)."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def _headers(block: str) -> tuple[tuple[str, str], ...]:
    lines = block.split("\r\n")[1:]
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return tuple((k.strip(), v.strip()) for k, v in pairs)


def fetch(
    target: Target,
    url: str,
    *,
    method: str = "GET",
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    resolve: str | None = None,
    insecure: bool = False,
) -> NodeAnswer:
    """Request ``url`` with curl on the node: ``resolve`` (``name:port:address``) sends a
    name to a given address (SNI and Host stay the name); ``insecure`` skips certificate
    verification (for looking at a TLS server's headers only, never at its certificate).
    ``timeout``: the seconds the whole request may take (the environment's, e.g.
    ``public.timeout``); there is no default."""
    args = ["-sS", "-m", f"{timeout:g}", "-D", "-", "-o", "/dev/stdout", "-w", "\\n%{http_code}"]
    if method != "GET":
        args += ["-X", method]
    if json_body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(json_body)]
    args += [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
    args += ["--resolve", resolve] if resolve else []
    args += ["-k"] if insecure else []
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    name = parts.hostname or "?"
    if (hung := failures.hung(target.name, f"{name}:{port}")) is not None:
        return NodeAnswer(url, 0, None, failures.again(hung).what(), rc=28)  # curl's timeout
    out = target.run("curl" + " %s" * (len(args) + 1), *args, url)
    if out.rc != 0:
        cause = failures.from_curl(target.name, name, port, out.rc, out.stderr, timeout)
        return NodeAnswer(url, 0, None, failures.note(cause).what(), rc=out.rc)
    text, _, code = out.stdout.rpartition("\n")
    block, _, text = text.partition("\r\n\r\n")
    while block.split(" ", 2)[1:2] in (["100"], ["101"], ["102"], ["103"]):
        block, _, text = text.partition("\r\n\r\n")  # an interim answer: the final follows
    try:
        parsed: Any = json.loads(text) if text else None
    except json.JSONDecodeError:
        parsed = text
    return NodeAnswer(url, int(code), parsed, headers=_headers(block))


_LAST: dict[tuple[str, str], NodeAnswer] = {}
_LAST_LOCK = threading.Lock()


def last_answers() -> list[dict[str, Any]]:
    """Every last answer of this process (:func:`last_answer`), as plain records: what a
    pytest-xdist worker hands its controller, whose end-of-run provenance then asks no node
    a worker's check asked already (:func:`remember`)."""
    with _LAST_LOCK:
        found = list(_LAST.items())
    return [{"host": host, **asdict(answer)} for (host, _), answer in found]


def remember(records: list[dict[str, Any]]) -> None:
    """Take another process's last answers (:func:`last_answers`) as this process's."""
    for record in records:
        fields = {k: v for k, v in record.items() if k != "host"}
        fields["headers"] = tuple(tuple(h) for h in fields.get("headers", ()))
        answer = NodeAnswer(**fields)
        with _LAST_LOCK:
            _LAST[(str(record["host"]), answer.url)] = answer


def last_answer(host: str, url: str) -> NodeAnswer | None:
    """The last answer this process got from ``url`` asked on inventory host ``host`` with
    :func:`get_json` (None if it never asked): the end of a run's provenance reads the version
    answer a check already asked for instead of asking every node again."""
    with _LAST_LOCK:
        return _LAST.get((host, url))


def get_json(
    target: Target,
    port: int,
    path: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> NodeAnswer:
    """GET http://<node address>:<port><path> with curl on the node (optional headers),
    within ``timeout`` seconds; the answer keeps its status, headers and (JSON) body."""
    url = f"http://{target.address}:{port}{path}"
    answer = fetch(target, url, headers=headers, timeout=timeout)
    if not headers:  # an answer to no particular request headers: what the node serves anyone
        with _LAST_LOCK:
            _LAST[(target.name, url)] = answer
    return answer


def http_server(
    target: Target, port: int, path: str, timeout: float, name: str | None = None
) -> NodeAnswer | None:
    """The answer of whatever listens on ``port`` of the node to a request for ``path``: over
    TLS first, then in the clear; None when the listener speaks no HTTP (an SSH banner, a
    database's refusal) or stays silent. ``name`` is sent as SNI and Host instead of the
    node's address."""
    host = name or target.address
    resolve = f"{name}:{port}:{target.address}" if name else None
    for scheme in ("https", "http"):
        url = f"{scheme}://{host}:{port}{path}"
        answer = fetch(target, url, timeout=timeout, resolve=resolve, insecure=True)
        if answer.status:
            return answer
        if answer.rc in _SILENT:
            return None
    return None


PORTS_AT_ONCE = 4
"""Ports of one node :func:`http_servers` asks at once (each request is a session of the
node's one shared SSH connection; sshd allows 10 by default)."""


def _paths(
    target: Target, port: int, paths: list[str], timeout: float, name: str | None
) -> list[NodeAnswer]:
    first = http_server(target, port, paths[0], timeout, name)
    if first is None:
        return []
    origin = first.url.removesuffix(paths[0])
    resolve = f"{name}:{port}:{target.address}" if name else None
    return [first] + [
        fetch(target, origin + path, timeout=timeout, resolve=resolve, insecure=True)
        for path in paths[1:]
    ]


def _apart(
    ask: Callable[[], list[NodeAnswer]],
) -> tuple[list[NodeAnswer], BaseException | None, observe.Frame, list[Cause]]:
    """``ask`` in a worker thread: its answer or exception, and what it saw, kept apart for
    the thread it works for (:func:`http_servers`)."""
    with observe.apart() as frame, failures.apart() as causes:
        try:
            return ask(), None, frame, causes
        except BaseException as exc:  # raised again in the thread it works for
            return [], exc, frame, causes


def http_servers(
    target: Target, ports: Iterable[int], paths: list[str], timeout: float, name: str | None = None
) -> list[tuple[int, list[NodeAnswer]]]:
    """Each of ``ports`` of the node (in order) and the answers of the HTTP server there
    (:func:`http_server`) for each of ``paths`` (none: no HTTP server there), each request
    within ``timeout``. The ports are asked :data:`PORTS_AT_ONCE` at a time, each port's
    requests one after the other; what each port's requests saw (commands, connection
    failures) is the calling thread's, port by port, as if it had asked them itself."""
    ports = sorted(ports)
    if not ports:
        return []
    with ThreadPoolExecutor(min(PORTS_AT_ONCE, len(ports)), "golive-http-ports") as workers:
        asked = list(
            workers.map(lambda p: _apart(lambda: _paths(target, p, paths, timeout, name)), ports)
        )
    found = []
    for port, (answers, error, frame, causes) in zip(ports, asked, strict=True):
        observe.replay(frame, f"port {port}")
        for cause in causes:
            failures.note(cause)
        if error is not None:
            raise error
        found.append((port, answers))
    return found
