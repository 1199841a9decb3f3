"""Auth judge: pg_hba rules, sshd configuration, lockout facts (no network)."""

from __future__ import annotations

from golive.judge import auth as aj
from golive.judge.auth import HbaRule, LockoutFacts

SOURCES = ["127.10.0.11", "127.10.0.12", "127.10.0.21"]


def hba(line: int, kind: str, address: str | None, method: str, mask: str | None = None) -> HbaRule:
    netmask = (
        mask if mask is not None else ("255.255.255.255" if address and "." in address else None)
    )
    return HbaRule(line, kind, ("trading",), ("trading_app",), address, netmask, method)


def judge(*rules: HbaRule) -> list[str]:
    return aj.hba_findings("db1", rules, ["scram-sha-256"], ["peer"], True, SOURCES)


def test_hba_healthy_rules_pass() -> None:
    assert (
        judge(
            HbaRule(1, "local", ("all",), ("postgres",), None, None, "peer"),
            hba(2, "hostssl", "127.10.0.11", "scram-sha-256"),
            hba(3, "host", "0.0.0.0", "reject", "0.0.0.0"),
        )
        == []
    )


def test_hba_weak_method_names_the_rule() -> None:
    assert judge(hba(5, "hostssl", "127.10.0.12", "trust")) == [
        "db1: pg_hba line 5 allows hostssl trading trading_app from 127.10.0.12 with trust; "
        "network connections may use scram-sha-256"
    ]
    assert judge(HbaRule(1, "local", ("all",), ("all",), None, None, "trust")) == [
        "db1: pg_hba line 1 allows local all all with trust; local connections may use peer"
    ]


def test_hba_host_line_where_hostssl_is_required() -> None:
    assert judge(hba(4, "host", "127.10.0.11", "scram-sha-256")) == [
        "db1: pg_hba line 4 (host trading trading_app from 127.10.0.11) is host, not hostssl: "
        "it admits connections without TLS"
    ]
    assert len(judge(hba(4, "hostnossl", "127.10.0.11", "scram-sha-256"))) == 1


def test_hba_address_range_beyond_the_environment() -> None:
    assert judge(hba(4, "hostssl", "127.10.0.0", "scram-sha-256", "255.255.0.0")) == [
        "db1: pg_hba line 4 (hostssl trading trading_app from 127.10.0.0) admits "
        "127.10.0.0/16, beyond the hosts allowed (127.10.0.11, 127.10.0.12, 127.10.0.21)"
    ]
    assert "not an address range" in judge(hba(4, "hostssl", "all", "scram-sha-256"))[0]
    assert "not an address range" in judge(hba(4, "hostssl", "samenet", "scram-sha-256"))[0]
    v6 = hba(4, "hostssl", "::1", "scram-sha-256", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    assert "admits ::1/128" in judge(v6)[0]
    assert aj.hba_findings("db1", [v6], ["scram-sha-256"], ["peer"], True, ["::1/128"]) == []


def test_hba_invalid_line() -> None:
    rule = HbaRule(7, "host", (), (), None, None, "", "invalid authentication method")
    assert judge(rule) == ["db1: pg_hba line 7 is invalid: invalid authentication method"]


POLICY = {
    "passwordauthentication": ["no"],
    "kbdinteractiveauthentication": ["no"],
    "permitrootlogin": ["no"],
}
MAIN = "/etc/ssh/sshd_config"


def sshd(texts: dict[str, str], globs: dict[str, list[str]] | None = None) -> list[str]:
    lines = aj.sshd_lines(MAIN, texts, globs or {})
    return aj.sshd_findings("db1", MAIN, lines, POLICY)


def test_sshd_healthy() -> None:
    text = "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
    assert sshd({MAIN: text}) == []


def test_sshd_first_value_wins_and_defaults_apply() -> None:
    text = "PermitRootLogin yes\nPermitRootLogin no\nPasswordAuthentication=no\n"
    assert sshd({MAIN: text}) == [
        "db1: sshd kbdinteractiveauthentication is not set in /etc/ssh/sshd_config; "
        "OpenSSH's default (yes) is not among no",
        "db1: sshd permitrootlogin yes (/etc/ssh/sshd_config:1); policy allows no",
    ]


def test_sshd_include_spliced_where_included_and_alias() -> None:
    texts = {
        MAIN: "Include sshd_config.d/*.conf\nPasswordAuthentication no\nPermitRootLogin no\n",
        "/etc/ssh/sshd_config.d/50-cloud.conf": "PasswordAuthentication yes\n"
        "ChallengeResponseAuthentication no\n",
    }
    globs = {"/etc/ssh/sshd_config.d/*.conf": ["/etc/ssh/sshd_config.d/50-cloud.conf"]}
    assert aj.sshd_includes(texts[MAIN], MAIN) == ["/etc/ssh/sshd_config.d/*.conf"]
    assert sshd(texts, globs) == [
        "db1: sshd passwordauthentication yes (/etc/ssh/sshd_config.d/50-cloud.conf:1); "
        "policy allows no"
    ]


def test_sshd_match_block_weakening_is_found() -> None:
    text = (
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
        "Match Address 10.0.0.0/8\n  PasswordAuthentication yes\nMatch all\n  PermitRootLogin yes\n"
    )
    assert sshd({MAIN: text}) == [
        "db1: sshd passwordauthentication yes for Match Address 10.0.0.0/8 "
        "(/etc/ssh/sshd_config:5); policy allows no",
        "db1: sshd permitrootlogin yes for Match all (/etc/ssh/sshd_config:7); policy allows no",
    ]


def lock(**change: object) -> LockoutFacts:
    base = LockoutFacts(
        user="lockout1",
        codes=(401, 401, 401, 401, 401, 429),
        fresh=True,
        correct=429,
        nodes={"app1": "HTTP 429", "app2": "HTTP 429"},
        durations={"app1": ("k in /a", "60"), "app2": ("k in /b", "60")},
        store_seconds=60.2,
    )
    return LockoutFacts(**{**base.__dict__, **change})  # type: ignore[arg-type]


def findings(facts: LockoutFacts) -> list[str]:
    return aj.lockout_findings(facts, 5, 429, 60, "users.locked_until")


def test_lockout_healthy_fresh_and_already_locked() -> None:
    assert findings(lock()) == []
    assert findings(lock(codes=(429,), fresh=False, store_seconds=None)) == []


def test_lockout_never_locks() -> None:
    assert findings(lock(codes=(401,) * 6)) == [
        "lockout1: 6 wrong passwords in a row answered [401, 401, 401, 401, 401, 401]; "
        "expected HTTP 429 after at most 5 failures"
    ]


def test_lockout_too_short_by_configuration_and_by_record() -> None:
    facts = lock(durations={"app1": ("k in /a", "60"), "app2": ("k in /b", "1")}, store_seconds=1.3)
    assert findings(facts) == [
        "app2: k in /b is 1: a lock lasts 1 s; policy requires at least 60 s",
        "lockout1: the lock recorded in users.locked_until lasts 1 s at most; policy "
        "requires at least 60 s",
    ]
    assert findings(lock(durations={"app1": ("k in /a", None)}))[0].endswith(
        "the lock's length cannot be verified"
    )
    assert findings(lock(store_seconds=None)) == [
        "lockout1: locked, yet users.locked_until records no lock"
    ]


def test_lockout_node_that_ignores_the_lock_and_correct_credentials() -> None:
    assert findings(lock(correct=200, nodes={"app1": "HTTP 429", "app2": "HTTP 401"})) == [
        "lockout1: locked out, yet the correct password and TOTP answered HTTP 200",
        "app2: a login to the locked account lockout1 answered HTTP 401; expected HTTP 429 "
        "(the node does not hold the lock)",
    ]
