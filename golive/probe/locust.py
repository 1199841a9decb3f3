"""Run a Locust load test as subprocesses and collect what it observed.

Locust is never imported here (it patches the standard library for gevent): golive starts
``python -m locust`` headless, one local process or a master and N workers on this machine,
each in the generator's control group when the environment names one. The processes inherit
golive's network namespace; golive's locustfile plugin (``load/golive_locust.py``) binds every
connection to the QA vantage point and resolves the public name through the environment's
DNS answer, so the load reaches only the environment's public address.

Every run is bounded: Locust's ``--run-time`` and ``--stop-timeout``, the master's bounded wait
for its workers (``--expect-workers-max-wait``), and golive's own wall-clock deadline, after
which it kills every process it started (by pid, never by name). Every Locust process dies
with golive, however golive ends (:mod:`golive.probe.children`).

The run's configuration, which holds the account's password and TOTP seed, never touches
the disk: each Locust process reads it from a pipe golive fills before it starts
(``GOLIVE_LOAD_CONFIG_FD``). A ``config.json`` an older golive left in the load directory is
removed when a run starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.model.documents import Refused, read_file
from golive.model.errors import CheckFailed
from golive.model.expectations.performance import Generator, Profile
from golive.model.resources import resource
from golive.probe import children
from golive.probe.wait import WaitTimeout, wait_until

LOAD_DIR = resource("golive.load")
"""The Locust journeys (the repository's ``load/``, shipped as package data)."""
CGROUP_ROOT = Path("/sys/fs/cgroup")


class Cgroup:
    """The generator's control group: cgroup v2 (``cpu.max``) where the machine has the
    unified hierarchy with the cpu controller, else v1's cpu controller
    (``cpu.cfs_quota_us``). Created when missing, never removed (it is the estate's)."""

    def __init__(self, name: str, root: Path = CGROUP_ROOT) -> None:
        self.name = name
        controllers = root / "cgroup.controllers"
        self.v2 = controllers.exists() and "cpu" in controllers.read_text().split()
        self.path = root / name if self.v2 else root / "cpu" / name
        # v1 accounts CPU time in the cpuacct hierarchy (mounted apart from cpu on some hosts)
        self.acct = self.path if self.v2 else root / "cpuacct" / name

    def ensure(self) -> Cgroup:
        for path in {self.path, self.acct}:
            try:
                path.mkdir(exist_ok=True)
            except OSError as exc:
                raise OSError(
                    f"the load generator's control group {path}: {exc.strerror}; run as root "
                    "or set performance.generator.cgroup to null"
                ) from None
        return self

    def add(self, pid: int) -> None:
        for path in {self.path, self.acct}:
            (path / "cgroup.procs").write_text(f"{pid}\n")

    def quota_cores(self) -> float | None:
        """The CPU the group may use, in cores; None when unlimited."""
        if self.v2:
            quota, period = (self.path / "cpu.max").read_text().split()
            return None if quota == "max" else int(quota) / int(period)
        quota_us = int((self.path / "cpu.cfs_quota_us").read_text())
        period_us = int((self.path / "cpu.cfs_period_us").read_text())
        return None if quota_us < 0 else quota_us / period_us

    def set_quota(self, cores: float | None) -> None:
        """Limit the group to ``cores`` CPUs (None: unlimited)."""
        period = 100_000
        if self.v2:
            value = "max" if cores is None else f"{int(cores * period)} {period}"
            (self.path / "cpu.max").write_text(f"{value} {period}\n" if cores is None else value)
            return
        (self.path / "cpu.cfs_period_us").write_text(f"{period}\n")
        quota = -1 if cores is None else int(cores * period)
        (self.path / "cpu.cfs_quota_us").write_text(f"{quota}\n")

    def usage_s(self) -> float:
        """CPU seconds the group's processes used so far."""
        if self.v2:
            stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
            return int(stat["usage_usec"]) / 1e6
        return int((self.acct / "cpuacct.usage").read_text()) / 1e9

    def throttled(self) -> tuple[int, int]:
        """(periods, throttled periods) since the group was created."""
        stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0))


@dataclass(frozen=True)
class LoadSpec:
    """Everything one run needs: what to run and where it may send traffic."""

    profile_name: str
    profile: Profile
    generator: Generator
    url: str
    resolve: dict[str, str]
    source: str | None
    ca_bundle: str
    account: dict[str, str]  # username, password, totp (secret values)
    order: dict[str, Any]
    symbols: list[str]
    timeout: float
    workdir: Path
    workers: int = 0


@dataclass
class GeneratorCpu:
    """What the generator's control group says about its CPU during the run."""

    used_s: float
    wall_s: float
    quota_cores: float | None
    cores: int
    periods: int
    throttled: int

    @property
    def available_cores(self) -> float:
        return min(self.quota_cores, self.cores) if self.quota_cores else float(self.cores)

    @property
    def percent(self) -> float:
        """CPU used, as a percentage of what the generator was allowed."""
        if self.wall_s <= 0:
            return 0.0
        return 100.0 * self.used_s / self.wall_s / self.available_cores


@dataclass
class LoadRun:
    """What a run produced: exit statuses, the plugin's summary, the samples and files."""

    spec: LoadSpec
    returncodes: dict[str, int | None]
    wall_s: float
    timed_out: bool
    summary: dict[str, Any] | None
    samples: list[dict[str, Any]]
    stderr: str
    cgroup: GeneratorCpu | None = None
    files: dict[str, Path] = field(default_factory=dict)
    sched: list[dict[str, float]] = field(default_factory=list)  # per Locust process

    @property
    def cpu_wait_percent(self) -> float | None:
        """The most any Locust process waited for a CPU while the load ran, in % of the
        time (None: no process reported)."""
        shares = [100 * p["wait_s"] / p["wall_s"] for p in self.sched if p["wall_s"] > 0]
        return max(shares) if shares else None


def config(spec: LoadSpec) -> dict[str, Any]:
    """What every Locust process of the run reads (``load/golive_locust.py``); it holds the
    account's secrets, so it is only ever handed over through a pipe."""
    return {
        "resolve": spec.resolve,
        "source": spec.source,
        "ca_bundle": spec.ca_bundle,
        "account": spec.account,
        "order": spec.order,
        "symbols": spec.symbols,
        "pace": spec.profile.pace,
        "timeout": spec.timeout,
        "workers": expected_workers(spec),
        "progress": str(spec.workdir / "progress.jsonl"),
        "summary": str(spec.workdir / "summary.json"),
    }


def _config_pipe(data: bytes) -> int:
    """A pipe already holding ``data`` and closed for writing; its read end, for one child."""
    read, write = os.pipe()
    try:
        if len(data) > 60_000:  # a pipe holds 64 KiB: more would block before the child reads
            raise ValueError(f"the load configuration is {len(data)} bytes, too large for a pipe")
        os.write(write, data)
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def commands(spec: LoadSpec) -> dict[str, list[str]]:
    """The Locust command line of every process of the run, by role."""
    p, g, w = spec.profile, spec.generator, spec.workdir
    locust = [sys.executable, "-m", "locust", "-f", str(LOAD_DIR / g.locustfile)]
    run = [
        *locust,
        "--headless",
        "--host",
        spec.url,
        "-u",
        str(p.users),
        "-r",
        f"{p.spawn_rate:g}",
        "--run-time",
        f"{p.duration_s:g}s",
        "--stop-timeout",
        f"{g.stop_timeout_s:g}",
        "--csv",
        str(w / "stats"),
        "--csv-full-history",
        "--html",
        str(w / "report.html"),
        "--json-file",
        str(w / "stats"),
        "--only-summary",
        "--reset-stats",  # the stats describe the steady load: the ramp-up's logins are not in
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    if not expected_workers(spec):
        return {"local": run}
    master = [
        *run,
        "--master",
        "--master-bind-host",
        g.master_bind,
        "--master-bind-port",
        str(g.master_port),
        "--expect-workers",
        str(expected_workers(spec)),
        "--expect-workers-max-wait",
        f"{p.expect_workers_timeout_s:g}",
    ]
    return {"master": master}


def expected_workers(spec: LoadSpec) -> int:
    """Workers the master waits for: golive's own and those on other machines."""
    return spec.workers + spec.profile.remote_workers


def _worker_command(spec: LoadSpec, port: int) -> list[str]:
    locust = [sys.executable, "-m", "locust", "-f", str(LOAD_DIR / spec.generator.locustfile)]
    return [
        *locust,
        "--worker",
        "--reset-stats",
        "--master-host",
        spec.generator.master_bind,
        "--master-port",
        str(port),
        "--loglevel",
        "WARNING",
    ]


def deadline_s(spec: LoadSpec) -> float:
    """The wall-clock seconds a run may take before golive kills it."""
    p, g = spec.profile, spec.generator
    wait = p.expect_workers_timeout_s if expected_workers(spec) else 0.0
    return p.duration_s + wait + g.stop_timeout_s + g.grace_s


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(spec: LoadSpec, progress: Callable[[dict[str, Any]], None] | None = None) -> LoadRun:
    """Run the load; ``progress`` receives each sample the generator writes (about 1/s)."""
    spec.workdir.mkdir(parents=True, exist_ok=True)
    # config.json: the secrets an older golive wrote there, killed before it removed them
    for stale in ("progress.jsonl", "summary.json", "workers.pid", "sched-*.json", "config.json"):
        for path in spec.workdir.glob(stale):
            path.unlink(missing_ok=True)
    data = json.dumps(config(spec)).encode()
    env = {k: v for k, v in os.environ.items() if k != "GOLIVE_LOAD_CONFIG"}
    env["PYTHONUNBUFFERED"] = "1"
    cgroup = Cgroup(spec.generator.cgroup).ensure() if spec.generator.cgroup else None
    # the generator's CPU is read while the load runs: from its first sample to its exit
    mark: dict[str, Any] = {}

    def load_started() -> None:
        if cgroup:
            mark.update(used=cgroup.usage_s(), periods=cgroup.throttled(), t=time.monotonic())

    cmds = commands(spec)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    errlog = (spec.workdir / "locust.log").open("wb")
    start = time.monotonic()

    def spawn(name: str, cmd: list[str]) -> None:
        pipe = _config_pipe(data)
        try:
            proc = children.start(
                cmd,
                env={**env, "GOLIVE_LOAD_CONFIG_FD": str(pipe)},
                pass_fds=(pipe,),
                cwd=spec.workdir,
                stdout=errlog,
                stderr=errlog,
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(pipe)
        procs[name] = proc
        if cgroup:
            cgroup.add(proc.pid)

    try:
        if expected_workers(spec):
            port = spec.generator.master_port or _free_port()
            master = cmds["master"]
            master[master.index("--master-bind-port") + 1] = str(port)
            spawn("master", master)
            for i in range(spec.workers):
                spawn(f"worker{i + 1}", _worker_command(spec, port))
            pids = {n: p.pid for n, p in procs.items() if n != "master"}
            (spec.workdir / "workers.pid").write_text(json.dumps(pids))
        else:
            spawn("local", cmds["local"])
        main = procs.get("master") or procs["local"]
        timed_out = _follow(spec, main, start, progress, load_started)
        ended = time.monotonic()
    finally:
        for proc in procs.values():
            children.stop(proc)  # what the process started ends with it
        errlog.close()
    wall = time.monotonic() - start
    cpu = None
    if cgroup and mark:
        periods1 = cgroup.throttled()
        cpu = GeneratorCpu(
            used_s=cgroup.usage_s() - mark["used"],
            wall_s=ended - mark["t"],
            quota_cores=cgroup.quota_cores(),
            cores=os.cpu_count() or 1,
            periods=periods1[0] - mark["periods"][0],
            throttled=periods1[1] - mark["periods"][1],
        )
    summary_file = spec.workdir / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else None
    files = {
        name: path
        for name, path in {
            "html": spec.workdir / "report.html",
            "stats_csv": spec.workdir / "stats_stats.csv",
            "history_csv": spec.workdir / "stats_stats_history.csv",
            "stats_json": spec.workdir / "stats.json",
            "log": spec.workdir / "locust.log",
        }.items()
        if path.exists()
    }
    log = (spec.workdir / "locust.log").read_text(errors="replace")
    return LoadRun(
        spec=spec,
        returncodes={
            n: (None if timed_out and p.returncode is None else p.returncode)
            for n, p in procs.items()
        },
        wall_s=wall,
        timed_out=timed_out,
        summary=summary,
        samples=read_samples(spec.workdir / "progress.jsonl"),
        stderr=log[-4000:],
        cgroup=cpu,
        files=files,
        sched=[json.loads(p.read_text()) for p in sorted(spec.workdir.glob("sched-*.json"))],
    )


def read_samples(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    samples = []
    for line in path.read_text().splitlines():
        try:
            samples.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line being written when the run ended
    return samples


def _follow(
    spec: LoadSpec,
    main: subprocess.Popen[bytes],
    start: float,
    progress: Callable[[dict[str, Any]], None] | None,
    load_started: Callable[[], None],
) -> bool:
    """Wait for the main process, passing samples on; True if the deadline killed it."""
    path = spec.workdir / "progress.jsonl"
    seen = 0

    def ended() -> bool:
        nonlocal seen
        if main.poll() is not None:
            return True
        samples = read_samples(path)
        if samples and not seen:
            load_started()
        for sample in samples[seen:]:
            if progress:
                progress(sample)
        seen = len(samples)
        return False

    left = max(0.0, start + deadline_s(spec) - time.monotonic())
    try:
        wait_until(ended, left, 0.25, what="the load test's end")
    except WaitTimeout:
        children.stop(main)
        return True
    return False


def plot(samples: list[dict[str, Any]], path: Path, title: str) -> Path | None:
    """Latency (p95) and request rate over the run as a PNG; None without samples."""
    if not samples:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t"] for s in samples]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    ax.plot(t, [s["p95_ms"] for s in samples], color="tab:red", label="p95 ms")
    ax.set_xlabel("seconds")
    ax.set_ylabel("p95 response time (ms)", color="tab:red")
    rate = ax.twinx()
    rate.plot(t, [s["rps"] for s in samples], color="tab:blue", label="rps")
    rate.plot(t, [s["fail_rps"] for s in samples], color="black", linestyle=":", label="fail/s")
    rate.set_ylabel("requests per second", color="tab:blue")
    ax.set_title(f"load: {title}")
    fig.legend(loc="upper right", bbox_to_anchor=(0.88, 0.88))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def baseline_path(directory: Path, environment: str, profile: str) -> Path:
    """Where the baseline of an environment and profile is stored."""
    return directory / environment / f"{profile}.json"


def load_baseline(path: Path, limit: int) -> dict[str, Any] | None:
    """The stored baseline (``endpoints``: name -> {ms: count}, plus its metadata); None when
    there is none. A baseline that is no regular file, is larger than ``limit`` bytes
    (``baseline.max_file_bytes``), or is not a baseline is a CheckFailed naming it."""
    if not path.exists():
        return None
    try:
        raw = read_file(path, limit, "performance.baseline.max_file_bytes").content
        data: dict[str, Any] = json.loads(raw)
        data["endpoints"] = {
            name: {int(ms): int(n) for ms, n in hist.items()}
            for name, hist in data.get("endpoints", {}).items()
        }
    except Refused as exc:
        raise CheckFailed(f"the stored baseline {path} is never read: it {exc}") from None
    except OSError as exc:
        raise CheckFailed(f"the stored baseline {path} cannot be read: {exc}") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise CheckFailed(f"the stored baseline {path} is not a baseline ({exc})") from None
    return data


def save_baseline(path: Path, endpoints: dict[str, dict[int, int]], meta: dict[str, str]) -> None:
    """Store a GO run's histograms as the new baseline (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    body = {
        **meta,
        "endpoints": {n: {str(k): v for k, v in h.items()} for n, h in endpoints.items()},
    }
    tmp.write_text(json.dumps(body, indent=1, sort_keys=True))
    tmp.replace(path)
