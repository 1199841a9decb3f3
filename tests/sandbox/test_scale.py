"""Light app hosts: ``golive sandbox up --extra-app-hosts N`` runs them beside the sandbox's own
hosts with an environment that certifies them; ``--extra-app-hosts 0`` takes them away and
leaves the sandbox as it was."""

from __future__ import annotations

import subprocess

from conftest import golive
from golive.sandbox.context import Sandbox
from golive.sandbox.services import light

LIGHT = ["xapp001", "xapp002", "xapp003"]


def namespace_addresses(sbx: Sandbox) -> str:
    return subprocess.run(
        ["ip", "-n", sbx.netns, "-4", "-o", "addr", "show", "dev", "lo"],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout  # fmt: skip


def test_light_hosts_come_up_certify_go_and_go_away(certify) -> None:
    sbx = Sandbox.load()
    base_hosts = set(sbx.env.inventory.hosts)
    up = golive("sandbox", "up", "--extra-app-hosts", str(len(LIGHT)))
    try:
        assert f"--env {light.env_name(sbx)}" in up.stdout, up.stdout
        status = golive("sandbox", "status").stdout
        assert "DOWN" not in status, status
        for host in LIGHT:
            assert f"{host}/sshd" in status and f"{host}/http" in status, status
        again = golive("sandbox", "up")  # without the option: the light hosts stay
        assert f"{len(LIGHT)} light app hosts" in again.stdout, again.stdout

        scaled = certify("smoke", "--envdir", str(light.envdir(sbx)), "--env", light.env_name(sbx))
        assert scaled.verdict.get("verdict") == "GO", scaled.output[-4000:]
        checked = {c["host"] for c in scaled.verdict["checks"] if c["outcome"] == "passed"}
        assert set(LIGHT) <= checked, checked

        base = certify("smoke")  # the sandbox's own environment is untouched
        assert base.verdict.get("verdict") == "GO", base.output[-4000:]
        assert {c["host"] for c in base.verdict["checks"]} <= base_hosts | {None, "-"}
    finally:
        golive("sandbox", "up", "--extra-app-hosts", "0")
    status = golive("sandbox", "status").stdout
    assert "xapp" not in status and "DOWN" not in status, status
    assert not light.root(sbx).exists()
    assert "127.10.1." not in namespace_addresses(sbx)


def test_a_bad_count_is_refused_before_anything_changes() -> None:
    refused = golive("sandbox", "up", "--extra-app-hosts", str(light.MAX_HOSTS + 1), check=False)
    assert refused.returncode != 0
    assert f"0 to {light.MAX_HOSTS}" in refused.stdout + refused.stderr
    assert not light.present(Sandbox.load())


def test_down_removes_the_light_hosts_and_up_does_not_bring_them_back() -> None:
    sbx = Sandbox.load()
    golive("sandbox", "up", "--extra-app-hosts", "2")
    golive("sandbox", "down")
    assert not light.root(sbx).exists()
    assert not list(sbx.path("run").glob(f"{light.PREFIX}*.pid"))
    up = golive("sandbox", "up")
    assert "light app hosts" not in up.stdout
    assert "xapp" not in golive("sandbox", "status").stdout
