"""bench/performance.py divides a Locust run's requests by its CPU over the steady window only
(issue 24): every user running, after ``--reset-stats`` restarted the counters, before the
stop. The ramp-up's logins and TLS handshakes and Locust's stop are paid once per run; counted
per request they made a short run's generator look slower than it is. Pure: progress samples
in, the window out; no Locust, no sandbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from performance import steady_window


def sample(t: float, users: int, requests: int, cpu_s: float) -> dict[str, Any]:
    return {"t": t, "users": users, "requests": requests, "cpu_s": cpu_s}


def test_the_window_starts_after_the_reset_and_ends_before_the_stop() -> None:
    samples = [
        sample(1, 4, 40, 0.50),  # ramp-up: logins, handshakes (0.5 s of CPU)
        sample(2, 10, 900, 0.80),
        sample(3, 10, 100, 0.90),  # the reset: counters restart
        sample(4, 10, 600, 1.00),
        sample(5, 10, 1100, 1.10),
        sample(6, 10, 1600, 1.20),
        sample(7, 0, 1650, 1.60),  # the stop
    ]
    window = steady_window(samples, 10)
    assert window == pytest.approx(
        {"per_core": 1000 / 0.2, "requests": 1000, "cpu_s": 0.2, "seconds": 2}
    )


def test_no_reset_seen_the_first_full_sample_is_left_out() -> None:
    samples = [sample(t, 10, 100 * t, 0.1 * t) for t in range(1, 5)]
    window = steady_window(samples, 10)
    assert window is not None and window["requests"] == 200 and window["seconds"] == 2


@pytest.mark.parametrize(
    "samples",
    [
        [],
        [sample(1, 10, 10, 0.1), sample(2, 10, 20, 0.2)],  # too short
        [sample(t, 5, 100 * t, 0.1 * t) for t in range(1, 6)],  # never every user
        [{"t": t, "users": 10, "requests": 100 * t} for t in range(1, 6)],  # an older plugin
        [sample(t, 10, 100, 0.1 * t) for t in range(1, 6)],  # no request in the window
    ],
    ids=["none", "short", "ramp-only", "no-cpu", "no-requests"],
)
def test_no_steady_window_is_none(samples: list[dict[str, Any]]) -> None:
    assert steady_window(samples, 10) is None
