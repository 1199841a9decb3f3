"""Every number of every model is finite and in range (issue 19): NaN, infinities, negative
and out-of-range values are configuration errors naming the file and the key, all of them at
once in ``golive validate``; ``golive watch``'s ``--every`` and ``--for`` are bounded and a NaN
threshold stops it before it starts; the watch judge never passes a comparison with NaN;
``--load-profile`` naming no profile is one line and exit 4 before any check runs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXPECTATIONS, REPO, Golive
from golive.cli import main
from golive.judge import watch as watch_judge
from golive.model.config import problems
from golive.model.environment import Inventory
from golive.model.expectations import SCHEMA
from golive.model.expectations.monitoring import WatchMetric

SANDBOX = REPO / "environments" / "sandbox"
NAN, INF = float("nan"), float("inf")


def _sandbox(name: str) -> Any:
    return yaml.safe_load((SANDBOX / name).read_text())


def _set(data: Any, key: str, value: Any) -> Any:
    out = json.loads(json.dumps(data))  # a copy without the YAML aliases' shared values
    node = out
    *parents, last = key.split("|")
    for part in parents:
        node = node[part]
    node[last] = value
    return out


def _errors(data: Any, model: type[Any], file: str) -> list[str]:
    value, found = problems(data, model, Path(file))
    assert (value is None) == bool(found)
    return [str(e) for e in found]


def test_the_sandbox_files_are_valid() -> None:
    assert _errors(_sandbox("expectations.yml"), SCHEMA, "expectations.yml") == []


# key path (| between keys), bad value, the dotted key the error names
EXPECTATION_CASES = [
    ("performance|profiles|sandbox|slos|POST /api/orders|p95_ms", NAN),
    ("performance|profiles|sandbox|slos|POST /api/orders|p95_ms", INF),
    ("performance|profiles|sandbox|slos|POST /api/orders|p99_ms", -1),
    ("performance|profiles|sandbox|slos|POST /api/orders|max_error_rate", NAN),
    ("performance|profiles|sandbox|slos|POST /api/orders|max_error_rate", 1.5),
    ("performance|profiles|sandbox|slos|POST /api/orders|min_rps", -INF),
    ("performance|profiles|sandbox|users", INF),
    ("performance|profiles|sandbox|users", -5),
    ("performance|profiles|sandbox|spawn_rate", NAN),
    ("performance|profiles|sandbox|duration_s", INF),
    ("performance|profiles|sandbox|pace", NAN),
    ("performance|profiles|sandbox|pace", 0),
    ("performance|generator|max_cpu_percent", 101),
    ("performance|generator|max_cpu_wait_percent", 250),
    ("performance|generator|grace_s", INF),
    ("performance|headroom|fair_share_tolerance", NAN),
    ("performance|headroom|max_cpu_percent", -1),
    ("performance|baseline|alpha", NAN),
    ("performance|baseline|min_samples", 0),
    ("backup|rpo_hours", NAN),
    ("backup|rpo_hours", INF),
    ("backup|rpo_hours", -24),
    ("backup|rto_seconds", NAN),
    ("backup|rto_seconds", 0),
    ("backup|rto_seconds", 1e300),
    ("backup|timeout_s", "nan"),
    ("watch|metrics|order_error_rate|max", NAN),
    ("watch|metrics|order_error_rate|max", INF),
    ("watch|metrics|order_error_rate|failure_limit", -1),
    ("watch|metrics|order_error_rate|inconclusive_limit", NAN),
    ("watch|metrics|order_error_rate|consecutive_error_limit", 1e9),
    ("watch|metrics|order_error_rate|initial_delay_s", -1),
    ("monitoring|timeout_s", NAN),
    ("monitoring|alertmanager|group_wait_s", INF),
    ("rollback|settle_s", INF),
    ("rollback|runbook|timeout_s", 0),
    ("app|port", 0),
    ("app|port", INF),
    ("smoke_order|limit_price", NAN),
    ("app|health_budget_s", NAN),
    ("app|health_budget_s", 0),
    ("app|health_budget_s", INF),
    ("smoke_order|request_budget_s", NAN),
    ("smoke_order|request_budget_s", -1),
    ("tls|min_days_to_expiry", -1),
    ("clock|max_skew_ms", INF),
    ("firewall|probe_timeout", NAN),
    ("integration|drill|restore_timeout_s", -INF),
    ("integration|drill|steady_timeout_s", NAN),
]


@pytest.mark.parametrize(("key", "value"), EXPECTATION_CASES)
def test_an_expectation_number_out_of_range_names_its_key(key: str, value: Any) -> None:
    data = _set(_sandbox("expectations.yml"), key, value)
    errors = _errors(data, SCHEMA, "expectations.yml")
    dotted = key.replace("|", ".")
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"expectations.yml: {dotted}: "), errors
    if (isinstance(value, float) and not math.isfinite(value)) or value == "nan":
        assert "a finite number" in errors[0]
    else:
        assert f"not {value!r}" in errors[0]


INVENTORY_CASES = [
    ("probe|timeout", NAN),
    ("probe|scan_timeout", INF),
    ("ssh|connect_timeout", -1),
    ("ssh|command_timeout", INF),
    ("ssh|check_after", NAN),
    ("ssh|control_persist", -1),
    ("public|timeout", NAN),
    ("database|port", NAN),
    ("database|connect_timeout", 1),
    ("database|statement_timeout", INF),
    ("policy|conditional_exit_code", 256),
]


@pytest.mark.parametrize(("key", "value"), INVENTORY_CASES)
def test_an_inventory_number_out_of_range_names_its_key(key: str, value: Any) -> None:
    data = _set(_sandbox("inventory.yml"), key, value)
    errors = _errors(data, Inventory, "inventory.yml")
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"inventory.yml: {key.replace('|', '.')}: "), errors


def test_a_day_is_the_longest_timeout() -> None:
    errors = _errors(_set(_sandbox("inventory.yml"), "ssh|command_timeout", 86_401), Inventory, "i")
    assert errors == ["i: ssh.command_timeout: a number at most 86400, not 86401"]


def _fake(golive: Golive, **sections: Any) -> None:
    golive.write("expectations.yml", {**EXPECTATIONS, **sections})


WATCH = {
    "metrics": {
        "error_rate": {"query": "x", "max": NAN, "trigger": "performance"},
        "latency": {"query": "y", "max": 1, "failure_limit": INF, "trigger": "performance"},
    }
}


def test_validate_lists_every_bad_number_one_line_each(
    golive: Golive, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake(golive, watch=WATCH, smoke_order={"symbol": "ACME", "limit_price": -INF})
    inventory = golive.read("inventory.yml")
    golive.write("inventory.yml", _set(inventory, "ssh", {"command_timeout": NAN}))
    code = main(["validate", "--env", "fake"])
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    assert code == 4
    env = golive.env
    assert lines == [
        f"golive: {env}/inventory.yml: ssh.command_timeout: a finite number, not nan",
        f"golive: {env}/expectations.yml: smoke_order.limit_price: a finite number, not -inf",
        f"golive: {env}/expectations.yml: watch.metrics.error_rate.max: a finite number, not nan",
        f"golive: {env}/expectations.yml: watch.metrics.latency.failure_limit: "
        "a finite number, not inf",
        "environment fake: 4 problem(s)",
    ]


def test_a_nan_threshold_stops_golive_watch_before_it_starts(
    golive: Golive, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake(golive, watch=WATCH)
    code = main(["watch", "--env", "fake", "--for", "2s", "--every", "1s", "--reports",
                 str(golive.reports)])  # fmt: skip
    out = capsys.readouterr()
    assert code == 4
    assert out.out == ""
    assert out.err.splitlines() == [
        f"golive: {golive.env}/expectations.yml: watch.metrics.error_rate.max: "
        "a finite number, not nan (and 1 more error)"
    ]
    assert not (golive.reports / "verdict.json").exists()


@pytest.mark.parametrize(
    ("every", "duration", "expected"),
    [
        ("0.0001s", "10s", "golive: --every: an interval from 1 s to 1 h, not '0.0001s'"),
        ("2h", "3h", "golive: --every: an interval from 1 s to 1 h, not '2h'"),
        ("nan", "10s", "golive: --every: a duration like 20s, 30m or 1h was expected, not 'nan'"),
        ("0", "10s", "golive: --every: a duration like 20s, 30m or 1h was expected, not '0'"),
        ("1m", "99999999999999999999h",
         "golive: --for: a duration from --every (60 s) to 7 days, not '99999999999999999999h'"),
        ("1m", "1" + "0" * 400,
         f"golive: --for: a duration from --every (60 s) to 7 days, not '1{'0' * 400}'"),
        ("1m", "30s", "golive: --for: a duration from --every (60 s) to 7 days, not '30s'"),
        ("1m", "inf", "golive: --for: a duration like 20s, 30m or 1h was expected, not 'inf'"),
    ],
)  # fmt: skip
def test_watch_every_and_for_are_bounded(
    every: str, duration: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["watch", "--env", "no-such-env", "--every", every, "--for", duration])
    out = capsys.readouterr()
    assert code == 4
    assert out.out == ""
    assert out.err.splitlines() == [expected]


def test_watch_looks_for_the_environment_where_its_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The watch's pytest runs where golive watch is run (golive installed from its wheel has
    no checkout): golive watch validates the environment of the current directory's
    environments/, as its run reads it, not the checkout's."""
    monkeypatch.delenv("GOLIVE_ENVDIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments" / "mine").mkdir(parents=True)
    (tmp_path / "environments" / "mine" / "inventory.yml").write_text("{}\n")
    code = main(["watch", "--env", "nosuch", "--for", "2s", "--every", "1s"])
    err = capsys.readouterr().err
    assert code == 4
    assert f"under {tmp_path / 'environments'}; known: mine" in err, err


def test_watch_bounds_are_inclusive() -> None:
    from golive.cli.watch import bounded

    assert bounded("7d".replace("7d", f"{7 * 24}h"), "1s") == (7 * 86_400, 1)
    assert bounded("1h", "1h") == (3600, 3600)


def _metric(**values: Any) -> WatchMetric:
    """A metric as a programming error could build it, past the model's validation."""
    base = {"kind": "promql", "query": "q", "max": None, "min": None, "trigger": "performance"}
    return WatchMetric.model_construct(**{**base, **values})


@pytest.mark.parametrize(
    "spec",
    [_metric(max=NAN), _metric(min=NAN), _metric(max=INF), _metric(min=-INF), _metric()],
    ids=["max-nan", "min-nan", "max-inf", "min-minus-inf", "no-threshold"],
)
def test_the_watch_judge_never_passes_a_threshold_that_is_not_a_number(
    spec: WatchMetric,
) -> None:
    for value in (0.0, 0.5, 1e300, -1e300):
        m = watch_judge.judge(spec, value)
        assert m.outcome == "inconclusive", (spec, value, m)
        assert "no finite threshold" in m.detail


@pytest.mark.parametrize("kind", ["promql", "alerts", "smoke"])
def test_the_watch_judge_never_passes_a_nan_measurement(kind: str) -> None:
    spec = _metric(kind=kind, max=0.01)
    m = watch_judge.judge(spec, NAN)
    assert m.outcome == "inconclusive"
    assert m.value is None


def test_the_watch_judge_still_judges_numbers() -> None:
    upper, lower = _metric(max=0.01), _metric(min=5.0)
    assert watch_judge.judge(upper, 0.01).outcome == "success"
    assert watch_judge.judge(upper, 0.02).outcome == "failure"
    assert watch_judge.judge(upper, INF).outcome == "failure"
    assert watch_judge.judge(lower, 5.0).outcome == "success"
    assert watch_judge.judge(lower, -INF).outcome == "failure"
    alerts = _metric(kind="alerts")
    assert watch_judge.judge(alerts, 0).outcome == "success"
    assert watch_judge.judge(alerts, 2).outcome == "failure"


PERFORMANCE = _sandbox("expectations.yml")["performance"]
del PERFORMANCE["headroom"]["process_var"]  # a host var the fake environment's hosts lack


def test_an_unknown_load_profile_is_one_line_exit_4_before_any_check(golive: Golive) -> None:
    _fake(golive, performance=PERFORMANCE)
    inventory = golive.read("inventory.yml")
    inventory["accounts"] = {
        "trader": {"username": "t", "role": "trader", "password": "db_password"}
    }
    golive.write("inventory.yml", inventory)
    source = (
        "import pytest\n"
        "@pytest.mark.parametrize('n', range(8))\n"
        "def test_load(n, load_run):\n"
        "    open('ran', 'w').close()\n"
    )
    checks = golive.pytester.makepyfile(test_checks=source)
    result = golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}", "-p", "golive",
        "--load-profile", "nosuch",
    )  # fmt: skip
    out = [line for line in result.outlines + result.errlines if line.strip()]
    assert result.ret == 4, out
    assert out == [
        f"ERROR: golive: {golive.env}/expectations.yml: performance.profiles: a profile named "
        "'nosuch' (--load-profile); it has sandbox, quick"
    ]
    assert not (golive.pytester.path / "ran").exists()


def test_a_load_profile_without_a_performance_section_is_one_line(golive: Golive) -> None:
    result = golive.run("def test_x():\n    pass\n", "--load-profile", "quick")
    out = [line for line in result.outlines + result.errlines if line.strip()]
    assert result.ret == 4, out
    assert out == [
        f"ERROR: golive: {golive.env}/expectations.yml: performance: a section with the "
        "profile 'quick' --load-profile names (there is no performance: section)"
    ]
