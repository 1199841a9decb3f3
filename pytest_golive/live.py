"""Lines a fixture shows on the terminal while it runs (a load run's progress, a watch's
intervals).

pytest captures what a fixture or check writes (file descriptors 1 and 2), so a line written
to the terminal reporter from inside a fixture would appear only with ``-s``. These lines are
written with capturing suspended, so they show in a normal run, on a terminal or piped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest


class Live:
    """The terminal of a pytest run, for lines written while a fixture runs."""

    def __init__(self, config: pytest.Config) -> None:
        self._reporter = config.pluginmanager.get_plugin("terminalreporter")
        self._capture = config.pluginmanager.get_plugin("capturemanager")

    @property
    def isatty(self) -> bool:
        """Whether the run's output is a terminal (a line can be rewritten in place)."""
        return self._reporter is not None and bool(self._reporter.isatty())

    @contextlib.contextmanager
    def _uncaptured(self) -> Iterator[None]:
        if self._capture is None:
            yield
            return
        with self._capture.global_and_fixture_disabled():
            yield

    def line(self, text: str) -> None:
        """``text`` on a line of its own."""
        if self._reporter is None:
            return
        with self._uncaptured():
            self._reporter.write_line(text)
            self._reporter.flush()

    def rewrite(self, text: str, width: int = 100) -> None:
        """``text`` in place of the line last rewritten (a terminal only: use :meth:`line`
        when :attr:`isatty` is False)."""
        if self._reporter is None:
            return
        with self._uncaptured():
            self._reporter.write(f"\r{text:<{width}}", flush=True)
