"""Two inventory names must not be one machine (issue 19): the identity judge, the host-key
fingerprints it compares, and the blockers the gate adds for it."""

from __future__ import annotations

import base64
from datetime import date

from golive.gate.signoffs import check_signoffs
from golive.gate.verdict import CheckResult, Finding, Scope, decide
from golive.gate.waivers import WaiverFile
from golive.judge.identity import same_machine, shared_machine_ids
from golive.model.facts.identity import IdentityFacts
from golive.probe.identity import fingerprint, parse_keys

ED = "AAAAC3NzaC1lZDI1NTE5AAAAIIMGuA4lVqHy5wwTn4EJ8jQS4P9w5q6ThsPNpV3LQMKL"
ED_FP = "ED25519 SHA256:23umNbA1wQ3jfx7TgPa2qoLCcIv4kURt6KrZlwwO2Ak"  # ssh-keygen -lf
RSA_BLOB = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa-not-a-real-key").decode()


def facts(host: str, *keys: str, machine_id: str | None = "m1", **kw) -> IdentityFacts:
    return IdentityFacts(host, keys, machine_id, **kw)


def test_fingerprint_is_openssh_sha256_with_the_key_type() -> None:
    assert fingerprint("ssh-ed25519", ED) == ED_FP
    assert fingerprint("ecdsa-sha2-nistp256", ED).startswith("ECDSA SHA256:")
    assert fingerprint("ssh-rsa", RSA_BLOB).startswith("RSA SHA256:")


def test_keyscan_and_known_hosts_lines_give_each_key_once() -> None:
    text = (
        "# 127.10.0.12:22 SSH-2.0-OpenSSH_9.2p1\n"
        f"127.10.0.12 ssh-ed25519 {ED}\n"
        f"[127.10.0.12]:2222 ssh-ed25519 {ED} comment\n"
        f"@revoked * ssh-rsa {RSA_BLOB}\n"
        "garbage\n"
    )
    assert parse_keys(text) == (ED_FP,)


def test_two_names_with_one_host_key_are_one_machine_named_both() -> None:
    found = same_machine(
        {"app1": facts("app1", "K1"), "app2": facts("app2", "K1"), "db1": facts("db1", "K3")}
    )
    assert [(f.host, f.message) for f in found] == [
        ("app2", "app2: same machine as app1 (ssh host key K1)")
    ]


def test_one_shared_key_among_several_is_enough_and_each_twin_names_the_first() -> None:
    found = same_machine(
        {
            "app1": facts("app1", "RSA a", "ED b"),
            "app2": facts("app2", "ED b"),
            "app3": facts("app3", "RSA a", "ED c"),
        }
    )
    assert [f.message for f in found] == [
        "app2: same machine as app1 (ssh host key ED b)",
        "app3: same machine as app1 (ssh host key RSA a)",
    ]


def test_distinct_keys_pass_even_with_one_machine_id() -> None:
    hosts = {n: facts(n, f"K{n}", machine_id="same") for n in ("lb1", "app1", "app2")}
    assert same_machine(hosts) == []
    (note,) = shared_machine_ids(hosts)
    assert note.startswith("lb1, app1, app2 share /etc/machine-id same")


def test_an_identity_that_could_not_be_read_is_never_a_pass() -> None:
    found = same_machine(
        {"app1": facts("app1", "K1"), "app2": facts("app2", error="ssh-keyscan 127.0.0.2: timeout")}
    )
    assert [f.message for f in found] == ["app2: identity unknown: ssh-keyscan 127.0.0.2: timeout"]


def test_no_machine_id_note_without_host_keys_or_with_one_machine() -> None:
    assert shared_machine_ids({"a": facts("a"), "b": facts("b")}) == []  # local hosts
    assert shared_machine_ids({"a": facts("a", "K"), "b": facts("b", "K")}) == []  # one machine
    assert shared_machine_ids({"a": facts("a", "K", machine_id=None), "b": facts("b", "J")}) == []


def test_an_identity_blocker_makes_a_go_run_no_go_naming_the_host() -> None:
    today = date(2026, 1, 1)
    scope = Scope("fake", "1.0", "smoke", ("app1", "app2"))
    results = [CheckResult("s.py::test_ok[app2]", "passed", "blocker", "app2")]
    verdict = decide(results, WaiverFile(), check_signoffs({}, [], today, "1.0"), today, scope)
    assert verdict.decision == "GO"
    (twin,) = same_machine({"app1": facts("app1", "K"), "app2": facts("app2", "K")})
    after = verdict.with_blockers([Finding("identity", twin.host, twin.message, "blocker")])
    assert after.decision == "NO-GO"
    assert after.lines()[-1] == "app2: identity: app2: same machine as app1 (ssh host key K)"


def test_a_declared_shared_machine_is_no_finding_but_a_third_name_still_is() -> None:
    """``same_machine_as: app1`` on app2 (issue 19): the inventory says the two names are one
    machine, so their shared key is no blocker, either way round; a third name showing the
    same key is one."""
    hosts = {"app1": facts("app1", "K"), "app2": facts("app2", "K"), "app3": facts("app3", "K")}
    found = same_machine(hosts, {"app2": "app1"})
    assert [f.message for f in found] == ["app3: same machine as app1 (ssh host key K)"]
    assert same_machine({"app1": hosts["app1"], "app2": hosts["app2"]}, {"app1": "app2"}) == []
