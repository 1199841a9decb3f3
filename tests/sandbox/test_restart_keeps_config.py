"""A service restart keeps the configuration on disk, as systemd does (issue 10, sandbox
realism): a drill that restarts app2 must not erase a configuration fault injected on app2,
and neither must `golive sandbox up`. Real faults of the catalog, the real node-loss drill."""

from __future__ import annotations

from conftest import Run, golive, injected
from golive.sandbox import faults
from golive.sandbox.context import Sandbox


def _caught(run: Run, name: str) -> None:
    """``run`` failed through the fault's own check, with its catalog message."""
    expect = faults.get(name).expect
    checks = [c for c in run.verdict.get("checks", []) if c["id"].endswith(expect.check)]
    assert run.verdict.get("verdict") == "NO-GO", run.output
    assert any(expect.message in c["message"] for c in checks), (
        f"{name} no longer caught by {expect.check}:\n{run.output}"
    )


def test_the_node_loss_drill_keeps_a_config_fault_on_its_node(certify) -> None:
    """app_server_header edits app2's server.xml; the drill stops and restarts app2's Tomcat
    (through its service start, as sudo systemctl does): the edit is still served after."""
    name = "app_server_header"
    check = f"{faults.get(name).expect.check.split('[')[0]} and app2"
    with injected(name):
        drill = certify("integration", "-k", "survives_node_loss")
        (ran,) = (c for c in drill.verdict["checks"] if c["id"].endswith("survives_node_loss"))
        assert ran["outcome"] == "passed", drill.output
        _caught(certify("hardening", "-k", check), name)
    healed = certify("hardening", "-k", check)
    assert healed.verdict.get("verdict") == "GO", healed.output


def test_sandbox_up_keeps_a_config_fault_of_a_stopped_service(certify) -> None:
    """config_wrong_db edits app2's application.properties while its Tomcat is stopped;
    `golive sandbox up` starts Tomcat again and keeps the edited file (it says so)."""
    name = "config_wrong_db"
    check = faults.get(name).expect.check.split("[")[0]
    with injected(name), injected("app_node_down"):
        up = golive("sandbox", "up")
        config = Sandbox.load().var("app2", "app_config")
        assert f"{config}: " in up.stderr and "; kept" in up.stderr, up.stderr
        _caught(certify("predeploy", "-k", check), name)
    golive("sandbox", "up")  # Tomcat answers again (healing only restores the file)
    # healed, and nothing else took the fault in (each release's kept configuration)
    healed = certify("predeploy or smoke or rollback", "-k", f"{check} or healthy or config_kept")
    assert healed.verdict.get("verdict") == "GO", healed.output
