"""The application build under certification, as the app nodes serve it: each node's
``/version`` (version and build sha256), asked once per run from the node itself, within the
environment's timeout: a node whose version answer the run already got (its smoke check
asked it, in this process or, under pytest-xdist, in a worker, which hands its answers to the
controller: fixtures/hosts.py) is not asked again, nor connected; its last answer is the one
recorded, if it was a version, and a node that did not give one is asked again at the end.
An unreachable node is recorded as such, and nodes that disagree are shown; this is
provenance for the verdict, never a check (the smoke suite judges it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from golive.model.environment import Environment
from golive.model.errors import GoliveError
from golive.model.expectations.smoke import App
from golive.probe.hosts import HostPool
from golive.probe.nodes import NodeAnswer, get_json, last_answer

APP_ROLE = "app"
ASK_AT_ONCE = 32  # app nodes asked at once (a thread each, mostly waiting on SSH)


def _served(answer: NodeAnswer) -> bool:
    return (
        answer.status == 200 and isinstance(answer.body, dict) and bool(answer.body.get("version"))
    )


def _answered(name: str, address: str, app: App) -> NodeAnswer | None:
    """The version answer a check of the run already got from node ``name`` (this process's,
    or a pytest-xdist worker's handed to it), if it served a version."""
    answer = last_answer(name, f"http://{address}:{app.port}{app.version_path}")
    return answer if answer is not None and _served(answer) else None


def _node(
    pool: HostPool, name: str, app: App, timeout: float, answer: NodeAnswer | None
) -> dict[str, Any]:
    try:
        if answer is None:
            target = pool.get(name)  # a host the run lost is not asked
            answer = get_json(target, app.port, app.version_path, timeout=timeout)
    except GoliveError as exc:  # HostUnreachable: its one line
        return {"version": None, "sha256": None, "error": str(exc)}
    except Exception as exc:  # provenance never crashes the gate (a timeout, a bad answer)
        return {"version": None, "sha256": None, "error": f"{name}: {exc}"}
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status != 200 or not body.get("version"):
        said = answer.describe() if answer.status != 200 else f"answered {answer.body!r:.80}"
        return {"version": None, "sha256": None, "error": f"{name}: {said}"}
    sha = body.get("sha256") or body.get("build")
    return {"version": str(body["version"]), "sha256": str(sha) if sha else None}


def summarize(nodes: dict[str, dict[str, Any]], expected: str) -> dict[str, Any]:
    """``application`` of verdict.json from each node's answer: the version and sha256 when
    every node that answered serves the same build (else None), whether they ``agree``, and
    one line saying it."""
    served = {n: (d["version"], d["sha256"]) for n, d in nodes.items() if d.get("version")}
    builds = set(served.values())
    failed = {n: d["error"] for n, d in nodes.items() if not d.get("version")}
    version, sha = next(iter(builds)) if len(builds) == 1 else (None, None)
    if not nodes:
        line = "no app node in the inventory: the build served was not asked"
    elif len(builds) > 1:
        parts = ", ".join(f"{n} {v} ({(s or '?')[:12]})" for n, (v, s) in served.items())
        line = f"app nodes disagree: {parts}"
    elif builds:
        line = f"{version} (build {(sha or 'sha256 not served')[:12]}) on {', '.join(served)}"
    else:
        line = "not known: no app node answered"
    if failed:
        line += "; " + "; ".join(f"not asked: {e}" for e in failed.values())
    return {
        "expected": expected,
        "version": version,
        "sha256": sha,
        "agree": len(builds) <= 1 and not failed,
        "nodes": nodes,
        "line": line,
    }


def served_builds(env: Environment, pool: HostPool | None = None) -> dict[str, Any]:
    """Ask every app node (role ``app``) for its ``/version``, concurrently."""
    names = env.hosts_with_role(APP_ROLE)
    app = env.expectations.get(App)
    if app is None or not names:
        return summarize({}, env.inventory.release.version)
    addresses = {n: str(env.inventory.hosts[n].address) for n in names}
    found = builds(pool or HostPool(env), addresses, app, env.inventory.public.timeout)
    return summarize(found, env.inventory.release.version)


def builds(
    pool: HostPool, addresses: dict[str, str], app: App, timeout: float
) -> dict[str, dict[str, Any]]:
    """Each node's build (node name: its address), from the answer the run already got, else
    asked now through ``pool``: no connection is opened to a node whose answer is known, and
    a node the run lost is neither asked nor its answer taken."""
    lost = pool.unreachable()
    known = {
        n: a for n, address in addresses.items()
        if n not in lost and (a := _answered(n, address, app)) is not None
    }  # fmt: skip
    pool.open([n for n in addresses if n not in known], wait=False)
    names = list(addresses)
    with ThreadPoolExecutor(max(1, min(len(names), ASK_AT_ONCE)), "golive-version") as workers:
        answers = list(workers.map(lambda n: _node(pool, n, app, timeout, known.get(n)), names))
    return dict(zip(names, answers, strict=True))
