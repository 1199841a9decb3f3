"""Parity diff logic: flattening, per-role merge, drift and the allow-list."""

from __future__ import annotations

from golive.judge import parity
from golive.model.facts import HostFacts
from golive.model.facts import parity as snapshots


def snap(declared: dict[str, object], roles: dict[str, object]) -> dict[str, object]:
    return {"env": "x", "declared": declared, "roles": roles}


def test_flatten_nests_to_dotted_keys() -> None:
    flat = snapshots.flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": "x"})
    assert flat == {"a.b": 1, "a.c.d": [1, 2], "e": "x"}


def test_identical_snapshots_have_no_drift() -> None:
    a = snap({"release.version": "1.5.0"}, {"app.package.tomcat10": ["10.1.60"]})
    assert parity.diff(a, a, []) == []


def test_changed_version_is_exactly_one_drift() -> None:
    a = snap({"release.version": "1.5.0", "app.port": 8080}, {})
    b = snap({"release.version": "1.6.0", "app.port": 8080}, {})
    assert parity.diff(a, b, []) == [parity.Drift("declared.release.version", "1.5.0", "1.6.0")]


def test_missing_key_on_one_side_is_drift() -> None:
    a = snap({}, {"app.package.curl": ["7.88"]})
    b = snap({}, {})
    assert parity.diff(a, b, []) == [
        parity.Drift("roles.app.package.curl", ["7.88"], parity.MISSING)
    ]


def test_allow_list_hides_expected_differences() -> None:
    a = snap({"dns.records.x": ["192.0.2.1"]}, {"app.config.f": ["aa"]})
    b = snap({"dns.records.x": ["198.51.100.1"]}, {"app.config.f": ["bb"]})
    assert parity.diff(a, b, ["declared.dns.*", "roles.*.config.*"]) == []


def test_by_role_merges_hosts_into_value_sets() -> None:
    facts = {
        "app1": HostFacts(["app"], {"tomcat10": "10.1.60"}, {"java": "17.0.21"}, {}, [8080]),
        "app2": HostFacts(["app"], {"tomcat10": "10.1.59"}, {"java": "17.0.21"}, {}, [8080]),
    }
    roles = snapshots.by_role(facts)
    assert roles["app.package.tomcat10"] == ["10.1.59", "10.1.60"]
    assert roles["app.runtime.java"] == ["17.0.21"]
    assert roles["app.listening.8080"] == ["yes"]
