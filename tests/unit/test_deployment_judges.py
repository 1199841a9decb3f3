"""The judges of what a node deploys and serves (predeploy, smoke) and of stored orders
(integration), and the release registry's checksum list and build stamp: facts in, lines out."""

from __future__ import annotations

import io
import zipfile

from golive.judge.integration import stored_order_findings
from golive.judge.predeploy import (
    ROLE_ATTRIBUTES,
    active_config,
    app_role_findings,
    artifact_findings,
    backend_findings,
    config_source_findings,
    served_release_findings,
    url_param_findings,
)
from golive.model.checksums import parse_sha256sums as parse_sums
from golive.probe.appconfig import jdbc_params
from golive.probe.registry import stamped_build

REL = "/srv/app1/releases/1.5.0/trading.war"
CUR = "/srv/app1/releases/current/trading.war"
SHA = "a" * 64


def test_artifact_resolving_to_the_release_with_its_checksum_passes() -> None:
    assert artifact_findings("app1", CUR, REL, REL, SHA, SHA.upper(), "trading-1.5.0.war") == []


def test_artifact_resolving_outside_the_release_directory_fails_even_with_its_bytes() -> None:
    copy = "/srv/app1/hotfix/1.5.0/trading.war"
    lines = artifact_findings("app1", CUR, copy, REL, SHA, SHA, "trading-1.5.0.war")
    assert lines == [f"app1: {CUR} resolves to {copy}, not to the release's artifact {REL}"]


def test_artifact_with_other_bytes_or_missing_fails() -> None:
    lines = artifact_findings("app2", CUR, REL, REL, "b" * 64, SHA, "trading-1.5.0.war")
    assert lines and "sha256 bbbbbbbbbbbb… differs from registry aaaaaaaaaaaa…" in lines[0]
    assert artifact_findings("app2", CUR, None, REL, None, SHA, "e") == [
        f"app2: {CUR} resolves to nothing (missing or a dangling link)"
    ]
    assert "not a regular file" in artifact_findings("app2", CUR, REL, REL, None, SHA, "e")[0]


def test_served_release_judges_version_then_build() -> None:
    fields = ("version", "build")
    good = {"version": "1.5.0", "build": "f" * 64}
    assert served_release_findings("app1", good, fields, "1.5.0", "f" * 64, "w") == []
    old = served_release_findings("app2", {**good, "version": "1.4.0"}, fields, "1.5.0", "f", "w")
    assert old == ["app2 serves 1.4.0, the release under certification is 1.5.0"]
    rebuilt = served_release_findings("app1", good, fields, "1.5.0", "e" * 64, "w.war")
    assert rebuilt[0].startswith("app1 serves 1.5.0 build ffffffffffff…, not the registry's")
    blank = served_release_findings("app1", {"version": "1.5.0"}, fields, "1.5.0", "e", "w")
    assert "no build fingerprint" in blank[0]


def test_stored_orders_name_the_node_that_accepted_a_lost_or_altered_order() -> None:
    sent = {"symbol": "ACME", "quantity": 1}
    stored = {1: {"symbol": "ACME", "quantity": 1}, 3: {"symbol": "ACME", "quantity": 2}}
    lines = stored_order_findings(
        "db1/trading",
        "https://x",
        sent,
        {1: "app2", 2: "app1", 3: "app2"},
        stored,
        ["app1", "app2"],
    )
    assert lines == [
        "db1/trading: order 2 accepted by app1 through https://x is not in orders",
        "db1/trading: order 3 accepted by app2 is stored differently (sent, stored): "
        "{'quantity': (1, 2)}",
    ]


def test_a_healthy_node_that_accepted_no_order_is_untested() -> None:
    lines = stored_order_findings("db", "https://x", {}, {1: "app1"}, {1: {}}, ["app1", "app2"])
    assert lines == [
        "no order placed through https://x was accepted by app2 (only by app1): whether "
        "app2 stores orders could not be tested"
    ]


def test_registry_sums_and_build_stamp() -> None:
    assert parse_sums(f"{SHA.upper()}  trading-1.5.0.war\n{SHA} *b.war\nnoise\n") == {
        "trading-1.5.0.war": SHA,
        "b.war": SHA,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("WEB-INF/classes/build.properties", "version=1.5.0\nbuild=abc\n")
    war = buf.getvalue()
    assert stamped_build(war, "WEB-INF/classes/build.properties", "build") == "abc"
    assert stamped_build(war, "WEB-INF/classes/build.properties", "commit") is None
    assert stamped_build(war, "missing.properties", "build") is None
    assert stamped_build(b"not a zip", "x", "build") is None


def _role(**flags: bool) -> dict[str, bool]:
    return {attr: flags.get(attr, False) for attr in ROLE_ATTRIBUTES}


def test_least_privilege_passes_a_role_with_only_its_table_privileges() -> None:
    ok = app_role_findings(
        "db1/trading",
        "app",
        {"app": _role()},
        [],
        [],
        {"public.orders": {"SELECT", "INSERT"}},
        {"SELECT", "INSERT", "UPDATE"},
        {"pg_write_server_files"},
    )
    assert ok == []


def test_least_privilege_names_every_excess_and_how_it_is_held() -> None:
    lines = app_role_findings(
        "db1/trading",
        "app",
        {"app": _role(), "admins": _role(rolcreaterole=True), "pg_write_server_files": _role()},
        ["database", "audit"],
        ["public.order_events"],
        {"public.orders": {"SELECT", "TRUNCATE"}, "public.users": {"SELECT"}},
        {"SELECT"},
        {"pg_write_server_files"},
    )
    assert lines == [
        "db1/trading: app may create roles through its membership in admins",
        "db1/trading: app is a member of pg_write_server_files",
        "db1/trading: app may create objects in the database",
        "db1/trading: app may create objects in schema audit",
        "db1/trading: app owns public.order_events (an owner may alter and drop them)",
        "db1/trading: app holds TRUNCATE on public.orders",
    ]


NGINX = """
upstream trading {
    server 127.10.0.11:8080 max_fails=1 fail_timeout=5s;
    server 127.10.0.12:8080 max_fails=1 fail_timeout=5s;  # app2
    # server 127.10.0.13:8080;
    server app4:8080 backup;
    server 127.10.0.15:8080 down;
    server 127.10.0.15:9090;
}
"""


def test_load_balancer_backends_named_in_rotation() -> None:
    lines = active_config(NGINX)
    backends = {
        "app1": ["127.10.0.11", "app1"],
        "app2": ["127.10.0.12", "app2"],
        "app3": ["127.10.0.13", "app3"],
        "app4": ["127.10.0.14", "app4"],
        "app5": ["127.10.0.15", "app5"],
    }
    assert backend_findings("lb1", "nginx.conf", lines, backends, 8080, "app") == [
        "lb1: nginx.conf does not name app host app3 (127.10.0.13:8080)",
        "lb1: nginx.conf names app host app4 (127.10.0.14:8080) only as backup: it gets no traffic",
        "lb1: nginx.conf names app host app5 (127.10.0.15:8080) only as down: it gets no traffic",
    ]


def test_running_application_must_read_the_declared_configuration() -> None:
    declared = "/srv/app1/conf/application.properties"
    opt, marker = "-Dtrading.config=", "-Dcatalina.base=/srv/app1/tomcat"
    assert config_source_findings("app1", declared, marker, opt, {42: [declared]}) == []
    other = "/srv/app1/conf/override.properties"
    assert config_source_findings("app1", declared, marker, opt, {42: [declared, other]}) == [
        f"app1: the application (pid 42) reads {other} ({opt}), not the declared {declared}"
    ]
    assert config_source_findings("app1", declared, marker, opt, {7: []}) == [
        f"app1: the application (pid 7) is given no {opt}"
    ]
    assert "cannot be told" in config_source_findings("app1", declared, marker, opt, {})[0]


def test_database_url_must_carry_the_required_parameters() -> None:
    url = "jdbc:postgresql://db:5432/t?sslmode=require&sslrootcert=/ca.crt"
    params = jdbc_params(url)
    assert params == {"sslmode": "require", "sslrootcert": "/ca.crt"}
    want = {"sslmode": "verify-full"}
    assert url_param_findings("app2", "db.url", params, want) == [
        "app2: db.url has sslmode=require, the environment requires sslmode=verify-full"
    ]
    assert url_param_findings("app2", "db.url", {}, want) == [
        "app2: db.url does not set sslmode (the environment requires sslmode=verify-full)"
    ]
    assert url_param_findings("app2", "db.url", {"sslmode": "VERIFY-FULL"}, want) == []
