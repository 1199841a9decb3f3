"""golive's psycopg connection class: every ``execute`` has golive's deadline (see
:mod:`golive.probe.db`, which opens it). Apart so that importing :mod:`golive.probe.db` does not
import psycopg: a run that opens no database connection does not pay for it."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg.errors

from golive.probe import observe


def _text(query: Any, conn: psycopg.Connection[Any], limit: int = 80) -> str:
    """The query as one short line, for a finding."""
    as_string = getattr(query, "as_string", None)
    try:
        text = as_string(conn) if as_string is not None else str(query)
    except Exception:  # a composed query that cannot render without its connection
        text = str(query)
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class Connection(psycopg.Connection[tuple[Any, ...]]):
    """A psycopg connection whose every ``execute`` has golive's deadline."""

    host: str = ""
    label: str = ""
    statement_timeout: float = 30.0
    limit: float = 30.0
    lost: str | None = None

    @contextlib.contextmanager
    def _deadline(self, query: Any) -> Iterator[None]:
        if self.lost is not None:
            raise ConnectionError(f"{self.host}: the database connection was lost: {self.lost}")
        fired = threading.Event()

        def cut() -> None:
            fired.set()
            with contextlib.suppress(OSError):
                dup = os.dup(self.pgconn.socket)
                with socket.socket(fileno=dup) as sock:
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the waiting query with an EOF

        timer = threading.Timer(self.limit, cut)
        timer.daemon = True
        timer.start()
        try:
            yield
        except psycopg.errors.QueryCanceled:
            raise TimeoutError(
                f"{self.host}: `{_text(query, self)}` timed out after "
                f"{self.statement_timeout:g} s (the server's statement_timeout)"
            ) from None
        except psycopg.OperationalError as exc:
            if fired.is_set():
                self.lost = f"`{_text(query, self)}` timed out after {self.limit:g} s"
                raise TimeoutError(f"{self.host}: {self.lost} (no answer)") from None
            raise ConnectionError(f"{self.label}: {first_line(exc)}") from None
        finally:
            timer.cancel()

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            with self._deadline(query):
                cursor = super().execute(query, params, **kwargs)
        except BaseException as exc:
            observe.sql_failed(
                self.label, _text(query, self, 2000), exc, time.monotonic() - started
            )
            raise
        # the query and its first rows are the check's evidence
        observe.sql(
            self.label, _text(query, self, 2000), params, cursor, time.monotonic() - started
        )
        return cursor


def first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
