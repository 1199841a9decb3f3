"""What a check saw: the probes record each remote command, HTTP exchange and SQL query into
the frames being watched (the current check's, and the fixture being set up), so every check
carries the raw evidence of what it judged without each check attaching it by hand.

- remote commands: the Testinfra backend of every host (golive/probe/hosts.py), so every
  Testinfra module (``host.file``, ``host.socket``, ...) is recorded with its command;
- HTTP: every ``requests`` exchange of the process (:func:`install`, once): the request line,
  the status, the headers that matter and a body excerpt, or why there was no answer;
- SQL: golive's database connection (golive/probe/db.py): the query, its parameters and the
  first rows of its result.

Nothing is recorded when nothing is watched (outside a check), nor from a thread that is
:func:`quiet` (the host pool's background connection probes). Records are plain text; the
report layer redacts them before they are attached.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

EXCERPT = 16000
"""Characters of one output or body kept in a record."""
MAX_RECORDS = 200
"""Records kept per frame; later ones are counted, not kept."""
HEADERS = (
    "content-type",
    "content-length",
    "location",
    "server",
    "strict-transport-security",
    "www-authenticate",
    "x-content-type-options",
    "x-frame-options",
    "content-security-policy",
    "retry-after",
)
"""Response headers a record keeps (the ones checks judge)."""


@dataclass
class Frame:
    """Records made while a check (or a fixture) ran, in order."""

    records: list[str] = field(default_factory=list)
    dropped: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, text: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if len(self.records) < MAX_RECORDS:
            self.records.append(text)
        else:
            self.dropped += 1

    def merge(self, title: str, other: Frame) -> None:
        """``other``'s records as one record of this frame, under ``title``."""
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
        if len(self.records) < MAX_RECORDS:
            self.records.append(f"----- {title}: {other.summary()} -----\n\n{other.text()}")
        else:
            self.dropped += 1

    def text(self) -> str:
        more = f"\n\n... {self.dropped} more records not kept" if self.dropped else ""
        return "\n\n".join(self.records) + more

    def summary(self) -> str:
        """``3 commands, 1 HTTP exchange``: what the frame holds."""
        names = {"command": "command", "http": "HTTP exchange", "sql": "SQL quer"}
        plural = {"sql": ("y", "ies")}
        parts = []
        for kind, n in sorted(self.counts.items()):
            one, many = plural.get(kind, ("", "s"))
            parts.append(f"{n} {names.get(kind, kind)}{one if n == 1 else many}")
        return ", ".join(parts) or "nothing"

    def __bool__(self) -> bool:
        return bool(self.counts)


_lock = threading.Lock()
_frames: list[Frame] = []
_local = threading.local()


@contextlib.contextmanager
def watching() -> Iterator[Frame]:
    """Record into a new frame while the block runs (frames nest: every watching frame gets
    each record, so a fixture's records are also its check's)."""
    frame = Frame()
    with _lock:
        _frames.append(frame)
    try:
        yield frame
    finally:
        with _lock:
            _frames[:] = [f for f in _frames if f is not frame]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Record nothing from this thread while the block runs (golive's own bookkeeping)."""
    depth = getattr(_local, "quiet", 0)
    _local.quiet = depth + 1
    try:
        yield
    finally:
        _local.quiet = depth


@contextlib.contextmanager
def apart() -> Iterator[Frame]:
    """Record what this thread does into a frame of its own only, never into the frames
    watched by the current check: a probe run ahead, in the background, for a check that
    reads its answer later (golive/probe/ahead.py) and replays this frame then."""
    previous = getattr(_local, "apart", None)
    _local.apart = frame = Frame()
    try:
        yield frame
    finally:
        _local.apart = previous


def watched() -> bool:
    if getattr(_local, "quiet", 0):
        return False
    return bool(_frames) or getattr(_local, "apart", None) is not None


def record(kind: str, text: str) -> None:
    """Add ``text`` to every frame being watched (no-op outside a check), or to this
    thread's own frame only when it records :func:`apart`."""
    if not watched():
        return
    own: Frame | None = getattr(_local, "apart", None)
    with _lock:
        for frame in [own] if own is not None else _frames:
            frame.add(kind, text)


def replay(frame: Frame, title: str) -> None:
    """What ``frame`` saw, again, into the frames watched now (or into this thread's own
    frame, when it records :func:`apart`): a value computed once (a cached snapshot) is
    evidence of every check that judges it."""
    if not watched() or not frame:
        return
    own: Frame | None = getattr(_local, "apart", None)
    with _lock:
        for current in [own] if own is not None else _frames:
            if current is not frame:
                current.merge(title, frame)


class Once:
    """Values computed once per key, each remembering what computing it saw: a later use
    replays that into the current check's evidence (:func:`replay`)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._values: dict[str, tuple[Any, Frame]] = {}

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        if key in self._values:
            value, frame = self._values[key]
            replay(frame, f"{self.what} {key}, taken once earlier in the run")
            return value
        with watching() as frame:
            value = compute()
        self._values[key] = (value, frame)
        return value

    def __contains__(self, key: str) -> bool:
        return key in self._values


def excerpt(text: str | bytes, limit: int = EXCERPT) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.rstrip("\n")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n... ({len(text) - limit} more characters)"


def _block(label: str, text: str) -> str:
    return f"{label}:\n" + "\n".join(f"  {line}" for line in text.splitlines()) if text else ""


def command(host: str, cmd: str, rc: int | None, stdout: Any, stderr: Any, seconds: float) -> None:
    """A remote command and what it answered."""
    if not watched():
        return
    lines = [f"[{host}] $ {cmd}", f"exit {rc} ({seconds:.2f} s)"]
    lines += [
        b for b in (_block("stdout", excerpt(stdout)), _block("stderr", excerpt(stderr))) if b
    ]
    record("command", "\n".join(lines))


def command_failed(host: str, cmd: str, exc: BaseException, seconds: float) -> None:
    record("command", f"[{host}] $ {cmd}\nno result after {seconds:.2f} s: {exc}")


def observed_backend(backend: Any, host: str) -> Any:
    """``backend`` (a Testinfra backend) with its ``run`` recording each command."""
    run: Callable[..., Any] = backend.run
    if getattr(run, "golive_observed", False):
        return backend

    def run_and_record(command_: str, *args: str, **kwargs: Any) -> Any:
        if not watched():
            return run(command_, *args, **kwargs)
        try:
            shown = backend.get_command(command_, *args)
        except Exception:  # a backend that cannot quote: show the template
            shown = command_
        started = time.monotonic()
        try:
            result = run(command_, *args, **kwargs)
        except BaseException as exc:
            command_failed(host, shown, exc, time.monotonic() - started)
            raise
        command(
            host, shown, getattr(result, "rc", None), getattr(result, "stdout_bytes", b""),
            getattr(result, "stderr_bytes", b""), time.monotonic() - started,
        )  # fmt: skip
        return result

    run_and_record.golive_observed = True  # type: ignore[attr-defined]
    backend.run = run_and_record
    return backend


def sql(where: str, query: str, params: Any, cursor: Any, seconds: float) -> None:
    """A query, its parameters and the first rows of its result (read without consuming it:
    a client-side cursor is scrolled back)."""
    if not watched():
        return
    lines = [f"[{where}] SQL: {query}"]
    if params:
        lines.append(f"params: {params!r}")
    rows: list[Any] = []
    with contextlib.suppress(Exception):
        if cursor is not None and cursor.description is not None:
            position = cursor.rownumber
            rows = cursor.fetchmany(10)
            cursor.scroll(position, mode="absolute")
    count = getattr(cursor, "rowcount", -1)
    lines.append(f"{count} row(s) ({seconds:.3f} s)" if count >= 0 else f"done ({seconds:.3f} s)")
    if rows:
        names = [c.name for c in cursor.description]
        lines.append("  " + " | ".join(names))
        lines += ["  " + excerpt(" | ".join(map(str, r)), 400) for r in rows]
    record("sql", "\n".join(lines))


def sql_failed(where: str, query: str, exc: BaseException, seconds: float) -> None:
    record("sql", f"[{where}] SQL: {query}\nfailed after {seconds:.3f} s: {exc}")


def _http(send: Callable[..., Any]) -> Callable[..., Any]:
    def send_and_record(self: Any, request: Any, **kwargs: Any) -> Any:
        if not watched():
            return send(self, request, **kwargs)
        line = f"{request.method} {request.url}"
        started = time.monotonic()
        try:
            response = send(self, request, **kwargs)
        except BaseException as exc:
            record("http", f"{line}\nno answer after {time.monotonic() - started:.2f} s: {exc}")
            raise
        took = time.monotonic() - started
        lines = [line, f"-> HTTP {response.status_code} {response.reason} ({took:.2f} s)"]
        lines += [f"  {k}: {v}" for k, v in response.headers.items() if k.lower() in HEADERS]
        if not kwargs.get("stream"):
            ctype = response.headers.get("content-type", "")
            if response.content and ("json" in ctype or "text" in ctype or not ctype):
                lines.append(_block("body", excerpt(response.content, 1000)))
        record("http", "\n".join(lines))
        return response

    send_and_record.golive_observed = True  # type: ignore[attr-defined]
    return send_and_record


def install() -> None:
    """Record every HTTP exchange of the process made through ``requests`` (idempotent)."""
    send = requests.Session.send
    if not getattr(send, "golive_observed", False):
        requests.Session.send = _http(send)  # type: ignore[method-assign]
