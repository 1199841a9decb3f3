"""Fail closed against the reports directory (issue 19), for real processes: a reports/ that
cannot be written (an immutable directory or file, ``chattr +i``; a read-only mount) ends a
pytest run and every golive command that writes reports with exit 6, one line on stderr
naming the file and the cause, then ``golive verdict: NO-GO``, never a traceback; an earlier
GO never survives, and where nothing can take it away that line says so. ``--env`` given a
path (or a name that is no environment) is exit 4 and invalidates the earlier GO like every
other failed start (its value once moved pytest's rootdir, and reports/ with it). A full disk
is tests/unit/test_fail_closed_disk.py."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import pytest_golive.plugins.runlock  # noqa: F401  (kept across pytester's in-process runs)
from conftest import Golive
from golive.cli.report import bundle_name

PASS = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    pass
"""
WRITE_FAILED = 6
GOLIVE = Path(sys.executable).parent / "golive"
CHATTR = shutil.which("chattr")


def earlier_go(golive: Golive) -> None:
    golive.run(PASS).assert_outcomes(passed=2)
    assert golive.verdict()["verdict"] == "GO"
    assert "GO" in (golive.reports / "certificate.md").read_text()


def run(golive: Golive, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """A real process in the test's directory: exit status, stdout, stderr."""
    proc = subprocess.run(
        argv, cwd=golive.pytester.path, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def pytest_run(
    golive: Golive, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    golive.pytester.makepyfile(test_checks=PASS)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args]
    return run(golive, *cmd, env=env)


def checks(golive: Golive) -> tuple[str, ...]:
    """A run of the checks against the fake environment, its reports in reports/."""
    return ("test_checks.py", "--env", "fake", f"--golive-reports={golive.reports}")


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """``chattr +i`` on ``paths`` (even root cannot write, rename or remove them), undone after."""
    if CHATTR is None or os.geteuid() != 0:
        pytest.skip("needs root and chattr")
    done = subprocess.run([CHATTR, "+i", *map(str, paths)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([CHATTR, "-i", *map(str, paths)], check=True)


def assert_one_line_nogo(code: int, out: str, err: str, first: str) -> None:
    """Exit 6: stderr is the line naming the file and cause, then the verdict; no traceback."""
    assert code == WRITE_FAILED, (out, err)
    assert err.splitlines() == [first, "golive verdict: NO-GO"], err
    assert "Traceback" not in out + err and "INTERNALERROR" not in out + err


def not_complete(golive: Golive) -> None:
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is False, verdict


@pytest.mark.parametrize(
    "given",
    ["--env PATH", "--env=PATH", "GOLIVE_ENV=PATH", "--env ../x", "--env nosuch"],
)
def test_env_that_is_no_environment_invalidates_the_earlier_go(
    golive: Golive, tmp_path_factory: pytest.TempPathFactory, given: str
) -> None:
    """No test path given (pytest's testpaths): pytest takes an existing --env PATH for one,
    and its rootdir would be the common ancestor of this directory and PATH."""
    earlier_go(golive)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    ancestor = Path(os.path.commonpath([golive.pytester.path, elsewhere]))
    assert not (ancestor / "reports").exists() and not (elsewhere / "reports").exists()
    words = shlex.split(given.replace("PATH", str(elsewhere)))
    env = dict([words.pop().split("=", 1)]) if given.startswith("GOLIVE_ENV") else {}
    try:
        code, out, err = pytest_run(golive, *words, env=env)
    finally:
        leaked = [p for p in (ancestor / "reports", elsewhere / "reports") if p.exists()]
        for path in leaked:
            shutil.rmtree(path)
    assert code == 4, (out, err)
    assert "--env" in out + err and "Traceback" not in out + err
    not_complete(golive)
    assert not (golive.reports / "certificate.md").exists()
    assert leaked == [], "the run wrote its reports elsewhere"


def test_an_immutable_reports_directory_is_exit_6_in_one_line(golive: Golive) -> None:
    earlier_go(golive)
    with immutable(golive.reports):
        code, out, err = pytest_run(golive, *checks(golive))
        assert_one_line_nogo(
            code, out, err, "golive: cannot write reports/verdict.json: Operation not permitted"
        )
        not_complete(golive)  # overwritten in place: the directory refuses a new file
        assert (golive.reports / "certificate.md").read_text() == ""  # nor can it go
    earlier_go(golive)  # nothing left behind in the way of the next run


def test_an_immutable_verdict_that_nothing_can_take_away_is_said_in_that_line(
    golive: Golive,
) -> None:
    earlier_go(golive)
    with immutable(golive.reports / "verdict.json"):
        code, out, err = pytest_run(golive, *checks(golive))
    assert_one_line_nogo(
        code, out, err,
        "golive: cannot write reports/verdict.json: Operation not permitted; the earlier "
        "verdict in it could not be removed or overwritten either (Operation not permitted): "
        "it is an earlier run's, not this run's",
    )  # fmt: skip
    assert golive.verdict()["verdict"] == "GO"  # still there, as the line says
    assert not (golive.reports / "certificate.md").exists()


def test_an_earlier_certificate_that_cannot_go_is_exit_6(golive: Golive) -> None:
    earlier_go(golive)
    with immutable(golive.reports / "certificate.md"):
        code, out, err = pytest_run(golive, *checks(golive))
    assert_one_line_nogo(
        code, out, err,
        "golive: cannot remove reports/certificate.md: Operation not permitted; it is left "
        "from an earlier run",
    )  # fmt: skip
    not_complete(golive)


def test_a_read_only_reports_directory_is_exit_6_in_one_line(golive: Golive) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare -m")
    earlier_go(golive)
    golive.pytester.makepyfile(test_checks=PASS)
    reports = golive.reports
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *checks(golive)]
    script = f"mount --bind -o ro {reports} {reports} && exec {shlex.join(argv)}"
    code, out, err = run(golive, "unshare", "-m", "sh", "-c", script)
    assert code == WRITE_FAILED, (out, err)
    first, *rest = err.splitlines()
    assert rest == ["golive verdict: NO-GO"], err
    assert first.startswith(
        "golive: cannot write reports/verdict.json: Read-only file system; the earlier verdict "
        "in it could not be removed or overwritten either (Read-only file system): it is an "
        "earlier run's, not this run's; reports/certificate.md, "
    ), first
    assert first.endswith(" of an earlier run could not be removed (Read-only file system)")
    assert "Traceback" not in out + err


@pytest.mark.parametrize("command", ["certificate", "bundle", "report"])
def test_report_commands_on_an_immutable_directory_are_exit_6_in_one_line(
    golive: Golive, command: str
) -> None:
    earlier_go(golive)
    (golive.reports / "certificate.md").unlink()
    written = {
        "certificate": "certificate.md",
        "bundle": bundle_name(golive.verdict(), golive.reports),
    }
    with immutable(golive.reports):
        code, out, err = run(golive, str(GOLIVE), command, "--reports", "reports")
    if code == 4 and "Allure CLI is not installed" in err:
        pytest.skip(err.strip())
    what = written.get(command, "html")
    assert_one_line_nogo(
        code, out, err, f"golive: cannot write reports/{what}: Operation not permitted"
    )


def test_certify_on_an_immutable_directory_is_exit_6_and_goes_no_further(golive: Golive) -> None:
    earlier_go(golive)
    with immutable(golive.reports / "verdict.json", golive.reports):
        code, out, err = run(
            golive, str(GOLIVE), "certify", "--env", "fake", "--reports", "reports"
        )
    assert code == WRITE_FAILED, (out, err)
    assert err.splitlines()[-1] == "suites verdict: NO-GO", err
    assert out.splitlines()[-1] == "golive verdict: NO-GO", out
    assert "could not be removed or overwritten either" in err
    assert "verdict GO" not in out and "Traceback" not in out + err


def test_watch_never_reads_back_an_earlier_watchs_summary(golive: Golive) -> None:
    earlier_go(golive)
    summary = golive.reports / "watch" / "watch.json"
    summary.parent.mkdir()
    summary.write_text(json.dumps({"summary": "watch verdict: GO (an earlier watch)"}))
    paths = (summary, summary.parent, golive.reports / "verdict.json", golive.reports)
    with immutable(*paths):
        code, out, err = run(
            golive, str(GOLIVE), "watch", "--env", "fake", "--for", "1s", "--every", "1s",
            "--reports", "reports",
        )  # fmt: skip
    assert code == WRITE_FAILED, (out, err)
    assert "earlier watch" not in out
    assert "watch verdict: INCONCLUSIVE (the watch did not complete)" in out
    assert err.splitlines()[-1] == "golive verdict: NO-GO" and "Traceback" not in out + err
