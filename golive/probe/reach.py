"""Reachability probes: TCP connects run on a source host, bound to its own address."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from golive.probe.hosts import Target

# Runs on the source host with python3: connect to every destination concurrently.
_PROBE = """
import concurrent.futures, json, socket, sys
src, timeout, dests = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
def probe(dest):
    addr, port = dest.rsplit(":", 1)
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect((addr, int(port)))
        return dest, "open"
    except ConnectionRefusedError:
        return dest, "refused"
    except TimeoutError:
        return dest, "timeout"
    except OSError as exc:
        return dest, "error: " + str(exc)
    finally:
        s.close()
with concurrent.futures.ThreadPoolExecutor(32) as pool:
    print(json.dumps(dict(pool.map(probe, dests))))
"""


@dataclass(frozen=True)
class Probe:
    """One expected path: source host to destination host:port, allowed or denied."""

    source: str
    dest: str
    dest_address: str
    port: int
    allow: bool

    @property
    def endpoint(self) -> str:
        return f"{self.dest_address}:{self.port}"


def run_probes(source: Target, endpoints: list[str], timeout: float) -> dict[str, str]:
    """Connect from ``source`` (bound to its address) to each ``addr:port``; state by endpoint."""
    args = " ".join(shlex.quote(e) for e in endpoints)
    out = source.run(
        f"python3 -c {shlex.quote(_PROBE)} {shlex.quote(source.address)} {timeout} {args}"
    )
    if out.rc != 0:
        raise RuntimeError(f"{source.name}: probe failed (exit {out.rc}): {out.stderr.strip()}")
    result: Any = json.loads(out.stdout)
    return {str(k): str(v) for k, v in result.items()}


def finding(probe: Probe, state: str) -> str | None:
    """A line when the observed state breaks the policy, else None."""
    reached = state == "open"
    if reached == probe.allow:
        return None
    verb = "cannot reach" if probe.allow else "reaches"
    policy = "allows" if probe.allow else "denies"
    return f"{probe.source} {verb} {probe.dest} {probe.endpoint}/tcp ({state}); policy {policy} it"
