"""The ssh client options golive derives from an inventory's ``ssh:`` section."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.model.environment import SshSpec
from golive.probe.hosts import ssh_options


def pairs(options: list[str]) -> list[str]:
    return [options[i + 1] for i, arg in enumerate(options) if arg == "-o"]


def test_every_command_has_a_connect_timeout_and_keepalives() -> None:
    got = pairs(ssh_options(SshSpec(connect_timeout=3)))
    assert {"BatchMode=yes", "ConnectTimeout=3", "ServerAliveInterval=5"} <= set(got)
    assert "ServerAliveCountMax=2" in got


def test_control_path_is_the_inventory_setting_verbatim() -> None:
    got = pairs(ssh_options(SshSpec(control_path=Path("/srv/cm/%C"))))
    assert "ControlPath=/srv/cm/%C" in got  # an argument, not a shell or %-format string
    assert "ControlMaster=auto" in got


def test_without_a_control_path_ssh_configuration_decides() -> None:
    assert not [o for o in pairs(ssh_options(SshSpec())) if o.startswith("ControlPath")]


def test_inventory_options_come_first_so_they_win() -> None:
    got = pairs(ssh_options(SshSpec(options=["ConnectTimeout=9", "ProxyJump=bastion"])))
    assert got[:2] == ["ConnectTimeout=9", "ProxyJump=bastion"]


@pytest.mark.parametrize("bad", ["-oProxyJump=x", "ProxyJump", "=x"])
def test_options_are_key_value(bad: str) -> None:
    with pytest.raises(ValidationError, match="Key=Value"):
        SshSpec(options=[bad])
