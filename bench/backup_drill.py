"""Restore-drill throughput and golive's overhead on a backup of >= 1 GB, and the sandbox
drill's RTO.

Everything big happens in a bench PostgreSQL 15 instance of its own (a temporary directory,
a Unix socket only, never the sandbox's database), removed at the end, also on failure:

1. ``--size-mb`` (default 1024) of orders are generated into it (``generate_series``);
2. a backup the way the sandbox's job takes one: ``pg_basebackup`` plain with a SHA-256
   manifest, ``pg_dump -Fc``, and the job's manifest (row counts, sha256 of the files);
3. then, alternating ``--rounds`` times (the yardstick in the same run):
   - **bare**: ``pg_verifybackup`` of the base backup, then ``createdb`` and
     ``pg_restore --exit-on-error`` of the dump, by hand;
   - **golive**: the same two checks through golive's own code (``golive.probe.pgbackup``,
     ``pytest_golive.fixtures.backup.restore_dump``: the remote ``timeout``, ``run_as``,
     ``ON_ERROR_STOP``, the exact counts, the scratch database dropped) on a Testinfra
     ``local://`` host, judged by ``golive.judge.backup``;
   - **drill**: golive's restore drill (copy of the base backup, start with recovery, the
     verifying count query), as MB/s of the base backup.
4. ``--sandbox-rto N``: the RTO the sandbox's drill measures (``pytest -m "backup and drill"``
   N times against the running sandbox; the figure is the drill's own ``rto_s``).

Run (as root): .venv/bin/python bench/backup_drill.py [--size-mb 1024] [--rounds 2]
[--sandbox-rto 3] [--quick]
(``--quick``: 16 MB, one round, one sandbox drill. Every check and drill must pass and the
sandbox's drill run be GO with an RTO measured, or the benchmark fails.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import testinfra
from scope_run import expect, run_scope

from golive.judge import backup as judge
from golive.model.environment import Host
from golive.model.expectations.backup import Backup
from golive.probe import pgbackup
from golive.probe.hosts import Target
from pytest_golive.fixtures.backup import restore_dump

PG_BIN = Path("/usr/lib/postgresql/15/bin")
USER = "postgres"
PORT = 5499


def sh(*argv: str, timeout: float = 3600) -> str:
    """Run a command as PostgreSQL's user; raise with its stderr on failure."""
    proc = subprocess.run(
        ["runuser", "-u", USER, "--", *argv], capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-500:]}")
    return proc.stdout


def psql(sock: Path, sql: str, db: str = "postgres") -> str:
    return sh(
        str(PG_BIN / "psql"),
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(sock),
        "-p",
        str(PORT),
        "-d",
        db,
        "-c",
        sql,
    )


@contextlib.contextmanager
def bench_instance() -> Iterator[Path]:
    """A PostgreSQL 15 instance in a temporary directory (socket only); removed after."""
    root = Path(tempfile.mkdtemp(prefix="golive-bench-backup-", dir="/var/tmp"))
    shutil.chown(root, USER, USER)
    data, sock = root / "data", root / "run"
    sock.mkdir()
    shutil.chown(sock, USER, USER)
    try:
        sh(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--auth-local=peer",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        opts = (
            f"-c listen_addresses='' -c port={PORT} -c unix_socket_directories={sock} "
            "-c track_commit_timestamp=on -c max_wal_size=4GB -c shared_buffers=128MB"
        )
        sh(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "pg.log"),
            "-w",
            "-o",
            opts,
            "start",
        )
        yield root
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                USER,
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


def generate(sock: Path, size_mb: int) -> int:
    """Fill the ``orders`` table of database ``trading`` until it holds ``size_mb``."""
    psql(sock, "CREATE DATABASE trading")
    psql(
        sock,
        "CREATE TABLE orders (id bigserial PRIMARY KEY, username text, symbol text, "
        "side text, quantity int, limit_price numeric(12,2), status text, node text, "
        "synthetic bool, created_at timestamptz DEFAULT now(), note text)",
        "trading",
    )
    batch = 500_000
    while int(psql(sock, "SELECT pg_database_size('trading')", "trading")) < size_mb * 2**20:
        psql(
            sock,
            "INSERT INTO orders (username, symbol, side, quantity, limit_price, status, "
            "node, synthetic, note) SELECT 'trader' || (g % 1000), (ARRAY['ACME','GLOBX',"
            "'INITECH'])[1 + g % 3], CASE WHEN g % 2 = 0 THEN 'BUY' ELSE 'SELL' END, 1 + g % 100,"
            f" 10 + (g % 1000) / 100.0, 'NEW', 'app' || (1 + g % 2), false, md5(g::text) "
            f"|| md5((g + 1)::text) FROM generate_series(1, {batch}) AS g",
            "trading",
        )
    return int(psql(sock, "SELECT pg_database_size('trading')", "trading"))


def take_backup(root: Path) -> Path:
    """A backup like the sandbox job's: base (plain, SHA-256 manifest), dump, manifest.json."""
    sock, dest = root / "run", root / "backups" / "20260101T000000Z"
    dest.mkdir(parents=True)
    shutil.chown(dest.parent, USER, USER)
    shutil.chown(dest, USER, USER)
    sh(
        str(PG_BIN / "pg_basebackup"),
        "-h",
        str(sock),
        "-p",
        str(PORT),
        "-D",
        str(dest / "base"),
        "-Fp",
        "--manifest-checksums=SHA256",
        "--checkpoint=fast",
    )
    sh(
        str(PG_BIN / "pg_dump"),
        "-h",
        str(sock),
        "-p",
        str(PORT),
        "-Fc",
        "-Z1",
        "-f",
        str(dest / "trading.dump"),
        "trading",
    )
    count = int(psql(sock, "SELECT count(*) FROM orders", "trading"))
    manifest = {
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": "trading",
        "row_counts": {"orders": count},
        "files": {"trading.dump": "0" * 64},
    }
    (dest / "manifest.json").write_text(json.dumps(manifest))
    return dest


def spec_for(root: Path) -> Backup:
    return Backup.model_validate(
        {
            "role": "db",
            "run_as": f"runuser -u {USER} --",
            "pg_bin": str(PG_BIN),
            "socket_dir": str(root / "run"),
            "port": PORT,
            "database": "trading",
            "scratch_database": "golive_bench_scratch",
            "key_tables": ["orders"],
            "rpo_hours": 24,
            "rto_seconds": 3600,
            "timeout_s": 3600,
            "schedule": {"file_var": "cron", "command_contains": "x"},
            "job": {"location_var": "backups", "dump": "trading.dump", "keep": 3},
            "drill": {
                "role": "drill",
                "datadir": str(root / "drill"),
                "socket_dir": str(root / "drill-run"),
                "port": PORT + 1,
                "log": str(root / "drill.log"),
                "start_timeout_s": 600,
                # the throughput drill recovers to the backup's end only (no archive here)
                "marker_table": "golive_drill_marker",
                "restore_command": "false %f %p",
            },
        }
    )


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def du_mb(path: Path) -> float:
    return (
        int(
            subprocess.run(
                ["du", "-sb", str(path)], capture_output=True, text=True, check=True, timeout=120
            ).stdout.split()[0]
        )
        / 2**20
    )


def bare(root: Path, backup: Path) -> None:
    sock = root / "run"
    out = subprocess.run(
        ["runuser", "-u", USER, "--", str(PG_BIN / "pg_verifybackup"), str(backup / "base")],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert out.returncode == 0, out.stderr
    psql(sock, "DROP DATABASE IF EXISTS bare_scratch")
    psql(sock, "CREATE DATABASE bare_scratch")
    sh(
        str(PG_BIN / "pg_restore"),
        "--exit-on-error",
        "--no-owner",
        "-h",
        str(sock),
        "-p",
        str(PORT),
        "-d",
        "bare_scratch",
        str(backup / "trading.dump"),
    )
    psql(sock, "DROP DATABASE bare_scratch")


def golive_checks(target: Target, spec: Backup, backup: Path) -> None:
    base = str(backup / "base")
    out = pgbackup.run(target, spec, pgbackup.tool(spec, "pg_verifybackup"), base)
    assert judge.verifybackup_finding("bench", base, out.rc, out.stdout, out.stderr) is None
    done = restore_dump(target, spec)
    assert done.finding is None, done.finding


def golive_drill(target: Target, spec: Backup, backup: Path) -> float:
    """golive's drill phases; returns the seconds to the verified query."""
    run = pgbackup.DrillRun("bench", [])
    started = time.perf_counter()
    try:
        assert pgbackup.drill_restore(target, spec, run, str(backup / "base")).rc == 0
        assert pgbackup.drill_start(target, spec, run).rc == 0, run.log()
        counted = pgbackup.drill_query(target, spec, run, "count", pgbackup.count_sql(["orders"]))
        assert counted.rc == 0, counted.stderr
        return time.perf_counter() - started
    finally:
        problem = pgbackup.drill_cleanup(target, spec)
        assert problem is None, problem


def sandbox_rto(runs: int) -> list[float]:
    """The sandbox drill's own RTO (its evidence ``rto_s``), ``runs`` times."""
    found = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as reports:
            drill = run_scope("backup and drill", reports, timeout=600)
            expect("pytest -m 'backup and drill' on the healthy sandbox", drill.verdict, "GO")
            for f in Path(reports, "allure-results").glob("*-attachment*"):
                text = f.read_text(errors="replace")
                if '"rto_limit_s"' in text:
                    found.append(float(json.loads(text)["rto_s"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sandbox-rto", type=int, default=3, metavar="N")
    parser.add_argument("--quick", action="store_true", help="16 MB, one round, one drill")
    args = parser.parse_args()
    if args.quick:
        args.size_mb, args.rounds, args.sandbox_rto = 16, 1, 1
    if os.geteuid() != 0:
        raise SystemExit("run as root (the bench instance runs as postgres)")
    with bench_instance() as root:
        started = time.perf_counter()
        size = generate(root / "run", args.size_mb)
        print(
            f"dataset: orders, database {size / 2**20:.0f} MB "
            f"(generated in {time.perf_counter() - started:.0f} s)"
        )
        backup = take_backup(root)
        base_mb, dump_mb = du_mb(backup / "base"), du_mb(backup / "trading.dump")
        print(f"backup: base {base_mb:.0f} MB, dump {dump_mb:.0f} MB")
        spec = spec_for(root)
        target = Target(
            "bench",
            Host(address="127.0.0.1", roles=["db"], vars={"backups": str(backup.parent)}),
            testinfra.get_host("local://"),
        )
        times: dict[str, list[float]] = {"bare": [], "golive": [], "drill": []}
        for _ in range(args.rounds):
            times["bare"].append(timed(lambda: bare(root, backup)))
            times["golive"].append(timed(lambda: golive_checks(target, spec, backup)))
            times["drill"].append(golive_drill(target, spec, backup))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"bare pg_verifybackup + pg_restore: {med['bare']:.1f} s "
            f"({(base_mb + dump_mb) / med['bare']:.1f} MB/s) runs {times['bare']}"
        )
        print(
            f"golive verify + restore checks:    {med['golive']:.1f} s "
            f"({(base_mb + dump_mb) / med['golive']:.1f} MB/s) runs {times['golive']}"
        )
        print(f"ratio golive / bare: {med['golive'] / med['bare']:.3f}")
        print(
            f"golive restore drill (copy, start with recovery, exact count): "
            f"{med['drill']:.1f} s, {base_mb / med['drill']:.1f} MB/s of base backup; "
            f"runs {times['drill']}"
        )
    if args.sandbox_rto:
        rto = sandbox_rto(args.sandbox_rto)
        if not rto:
            raise SystemExit("sandbox drill RTO: no measure (is the sandbox up?)")
        print(f"sandbox drill RTO: median {statistics.median(rto):.2f} s, runs {rto}")


if __name__ == "__main__":
    main()
