"""golive's Locust plugin: what the load generator itself observed, for golive to judge.

Imported by every golive locustfile; it runs inside Locust's process (never in pytest's: Locust
patches the standard library for gevent). golive hands every Locust process a pipe holding a
JSON document of what the run needs, its descriptor in ``GOLIVE_LOAD_CONFIG_FD`` (the account's
secrets never touch the disk). Started by hand (a worker on another machine),
``GOLIVE_LOAD_CONFIG`` names a JSON file of the same keys instead:

- ``resolve``: public name -> address (from the environment's own DNS, as golive's other
  probes), ``source``: the QA vantage point's address every connection is bound to,
  ``ca_bundle``: the only trust anchor;
- ``progress``: a JSON-lines file the master (or local runner) appends one sample a second
  to: elapsed s, users, workers, rps, current p95, failures, its CPU (percent, and ``cpu_s``:
  its seconds on a CPU so far, from schedstat, so a steady window's CPU per request can be
  read without the ramp-up's logins and the stop) and its workers' CPU;
- ``sched-PID.json`` beside the summary, from every process when the load stops: its
  seconds on a CPU and runnable but waiting for one (``/proc/self/task/*/schedstat``);
- ``summary``: a JSON file written when Locust quits: every ``cpu_warning`` Locust fired
  (its own and its workers' heartbeats), the most users reached, the fewest workers
  connected once all were, journey steps run (from every worker, through
  ``report_to_master``) and every endpoint's response-time histogram (ms -> count);
- ``accounts``/``pace``/``symbols``: the journey's data.

Nothing here decides anything: golive's judge does, from these facts.
"""

from __future__ import annotations

import functools
import json
import os
import ssl
import time
from pathlib import Path
from typing import Any

import gevent
import psutil
from geventhttpclient import connectionpool
from locust import events
from locust.runners import STATE_RUNNING, STATE_SPAWNING, MasterRunner, WorkerRunner


def _config() -> dict[str, Any]:
    """The run's configuration: from golive's pipe (read once, then closed), else the file
    ``GOLIVE_LOAD_CONFIG`` names."""
    fd = os.environ.pop("GOLIVE_LOAD_CONFIG_FD", None)
    if fd is not None:
        with os.fdopen(int(fd), "rb") as pipe:
            loaded: dict[str, Any] = json.loads(pipe.read())
        return loaded
    return dict(json.loads(Path(os.environ["GOLIVE_LOAD_CONFIG"]).read_text()))


CONFIG: dict[str, Any] = _config()

# --- where connections go: the environment's answer for the public name, from the QA source

_getaddrinfo = gevent.socket.getaddrinfo


def _resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
    return _getaddrinfo(CONFIG["resolve"].get(host, host), port, *args, **kwargs)


def _create_tcp_socket(self: Any, family: int, socktype: int, protocol: int) -> Any:
    sock = gevent.socket.socket(family, socktype, protocol)
    if CONFIG.get("source"):
        sock.bind((CONFIG["source"], 0))
    return sock


gevent.socket.getaddrinfo = _resolve
connectionpool.ConnectionPool._create_tcp_socket = _create_tcp_socket  # type: ignore[method-assign]


def ssl_context(cafile: str | None = None) -> ssl.SSLContext:
    """Verify the server against the environment's CA bundle only (FastHttpUser's default is
    no verification at all). geventhttpclient calls this with ``cafile`` (its default, the
    certifi bundle of public CAs), and when a factory takes no ``cafile`` it loads that bundle
    into the context itself: it is taken and ignored. One context for the process: every
    user's client asks for one, and loading a bundle each time cost about 0.1 s of CPU
    (bench/performance.py's profile), more than a short run's requests."""
    return _ssl_context()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    ctx = gevent.ssl.create_default_context(cafile=CONFIG["ca_bundle"])
    return ctx  # type: ignore[no-any-return]


# --- what every request of a journey checks in its answer


def checked(
    response: Any, status: int, fields: tuple[str, ...] = (), expect: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The JSON object a ``catch_response`` request answered, once its answer is the one the
    journey needs: the expected status, a JSON content type, an object without an ``error``
    key, every field of ``fields`` present and every ``expect`` field equal (numbers compared
    as numbers). Anything else marks the request failed in Locust's stats, per endpoint,
    with a reason that names no varying value (Locust groups its errors by their text), and
    gives None. An error body with HTTP 200 is a failure like any other."""
    code = response.status_code
    if not code:
        response.failure(f"no answer: {type(getattr(response, 'error', None)).__name__}")
        return None
    content_type = (response.headers or {}).get("Content-Type", "") or ""
    body: Any = None
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            body = response.json()
        except (ValueError, TypeError):
            body = None
    if isinstance(body, dict) and "error" in body:
        response.failure(f"HTTP {code} with an error body: {str(body['error'])[:60]!r}")
    elif code != status:
        response.failure(f"HTTP {code}, expected {status}")
    elif body is None and not content_type.lower().startswith("application/json"):
        response.failure(f"content type {content_type[:60]!r}, expected application/json")
    elif not isinstance(body, dict):
        response.failure("the answer is not a JSON object")
    elif missing := [f for f in fields if body.get(f) in (None, "")]:
        response.failure(f"the answer has no {', '.join(missing)}")
    elif wrong := [k for k, v in (expect or {}).items() if not _same(body.get(k), v)]:
        response.failure(f"the answer's {', '.join(wrong)} differs from what was sent")
    else:
        response.success()
        return body
    return None


def _same(got: Any, want: Any) -> bool:
    """Equal as the app stores it: numbers as numbers, text case-insensitively (the app
    upper-cases symbols and sides)."""
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)):
        try:
            return float(got) == float(want)
        except (TypeError, ValueError):
            return False
    return str(got).upper() == str(want).upper()


# --- what the generator observed

STEPS = {"count": 0}  # journey steps this process ran (workers report theirs to the master)
_state: dict[str, Any] = {
    "cpu_warnings": [],
    "max_users": 0,
    "expected_workers": int(CONFIG.get("workers", 0)),
    "min_workers": None,
    "max_workers": 0,
    "steps": 0,
    "cpu_samples": [],
}


@events.cpu_warning.add_listener
def _cpu_warning(environment: Any, cpu_usage: float, **_: Any) -> None:
    _state["cpu_warnings"].append({"source": "self", "cpu": cpu_usage, "t": time.time()})


@events.report_to_master.add_listener
def _report(client_id: str, data: dict[str, Any]) -> None:
    data["golive_steps"] = STEPS["count"]
    STEPS["count"] = 0


@events.worker_report.add_listener
def _worker_report(client_id: str, data: dict[str, Any]) -> None:
    _state["steps"] += int(data.get("golive_steps", 0))


def _sampler(environment: Any) -> None:
    runner = environment.runner
    process = psutil.Process()
    process.cpu_percent()
    start = time.time()
    out = Path(CONFIG["progress"])
    spawned = False
    while True:
        gevent.sleep(1.0)
        total = environment.stats.total
        users = runner.user_count
        _state["max_users"] = max(_state["max_users"], users)
        sample: dict[str, Any] = {
            "t": round(time.time() - start, 2),
            "users": users,
            "rps": round(total.current_rps, 2),
            "fail_rps": round(total.current_fail_per_sec, 2),
            "p95_ms": total.get_current_response_time_percentile(0.95) or 0,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "cpu": process.cpu_percent(),
            "cpu_s": round(_schedstat()[0], 6),
        }
        if isinstance(runner, MasterRunner):
            workers = runner.worker_count
            sample["workers"] = workers
            sample["worker_cpu"] = [c.cpu_usage for c in runner.clients.values()]
            for c in runner.clients.values():
                if c.cpu_usage > 90:
                    _state["cpu_warnings"].append(
                        {"source": f"worker {c.id}", "cpu": c.cpu_usage, "t": time.time()}
                    )
            spawned = spawned or workers >= _state["expected_workers"]
            if spawned and runner.state in (STATE_SPAWNING, STATE_RUNNING):  # not the stop
                low = _state["min_workers"]
                _state["min_workers"] = workers if low is None else min(low, workers)
            _state["max_workers"] = max(_state["max_workers"], workers)
            if runner.worker_cpu_warning_emitted and not any(
                w["source"].startswith("worker") for w in _state["cpu_warnings"]
            ):
                _state["cpu_warnings"].append({"source": "worker", "cpu": None, "t": time.time()})
        _state["cpu_samples"].append(sample["cpu"])
        with out.open("a") as f:
            f.write(json.dumps(sample) + "\n")


def _schedstat() -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of this process's threads."""
    run = wait = 0.0
    for stat in Path("/proc/self/task").glob("*/schedstat"):
        try:
            on_cpu, waiting, _ = stat.read_text().split()
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
        run, wait = run + int(on_cpu) / 1e9, wait + int(waiting) / 1e9
    return run, wait


_sched: dict[str, float] = {}


@events.test_start.add_listener
def _start(environment: Any, **_: Any) -> None:
    run, wait = _schedstat()
    _sched.update(run=run, wait=wait, t=time.time())
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_sampler, environment)


def _write_sched() -> None:
    """Every process (local, master, worker) records how long it waited for a CPU while the
    load ran: a generator that waits measures its own delays, not the system's."""
    if not _sched:
        return
    run, wait = _schedstat()
    record = {
        "pid": os.getpid(),
        "run_s": run - _sched["run"],
        "wait_s": wait - _sched["wait"],
        "wall_s": time.time() - _sched["t"],
    }
    out = Path(CONFIG["summary"]).with_name(f"sched-{os.getpid()}.json")
    out.write_text(json.dumps(record))


@events.test_stop.add_listener
def _stopped(environment: Any, **_: Any) -> None:
    _write_sched()


@events.quitting.add_listener
def _quitting(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    if not isinstance(environment.runner, MasterRunner):
        _state["steps"] += STEPS["count"]
    endpoints = {
        f"{e.method} {e.name}": {
            "requests": e.num_requests,
            "failures": e.num_failures,
            "histogram": {str(ms): n for ms, n in sorted(e.response_times.items())},
            "first": e.start_time,
            "last": e.last_request_timestamp,
        }
        for e in environment.stats.entries.values()
    }
    total = environment.stats.total
    summary = {
        **_state,
        "endpoints": endpoints,
        "errors": [
            {"endpoint": f"{e.method} {e.name}", "error": str(e.error), "count": e.occurrences}
            for e in environment.stats.errors.values()
        ],
        "start": total.start_time,
        "last_request": total.last_request_timestamp,
        "requests": total.num_requests,
    }
    Path(CONFIG["summary"]).write_text(json.dumps(summary))
