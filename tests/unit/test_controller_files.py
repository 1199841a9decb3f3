"""Every file golive reads from the controller because the configuration names it (the CA
bundles, the release registry's SHA256SUMS and artifacts, a stored performance baseline) is a
regular file, bounded, read in chunks (issue 19): a FIFO, a device behind a link, a directory
or an oversized (sparse) file is refused without a byte read, never a hung run. ``validate``
names each one (file, key, why; exit 4); met at run time, it is a finding naming it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY, SIGNOFF
from golive.cli import main
from golive.model.documents import Refused, read_file
from golive.model.environment import inspect_environment
from golive.model.errors import CheckFailed, ConfigError
from golive.probe import facts, locust, registry

LIMIT = 1 << 20
KEY = "deployment.max_artifact_bytes"


def _soon(call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception, within 10 s: a read that blocks fails the test
    instead of hanging the session."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = call()
        except BaseException as exc:  # handed back to the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the read blocked"
    if "error" in out:
        raise out["error"]
    return out.get("value")


@pytest.fixture
def odd(tmp_path: Path) -> dict[str, Path]:
    """A FIFO, a link to /dev/zero, a directory, a sparse file one byte over the limit."""
    places = {
        "fifo": tmp_path / "fifo",
        "zero": tmp_path / "zero",
        "dir": tmp_path / "dir",
        "sparse": tmp_path / "sparse",
    }
    os.mkfifo(places["fifo"])
    places["zero"].symlink_to("/dev/zero")
    places["dir"].mkdir()
    with places["sparse"].open("wb") as f:
        f.truncate(LIMIT + 1)
    return places


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("fifo", "is a FIFO, not a regular file"),
        ("zero", "is a character device, not a regular file"),
        ("dir", "is a directory, not a regular file"),
        ("sparse", f"is {LIMIT + 1} bytes, more than {KEY} ({LIMIT})"),
    ],
)
def test_read_file_refuses_what_is_no_bounded_regular_file(
    odd: dict[str, Path], name: str, reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        _soon(lambda: read_file(odd[name], LIMIT, KEY))
    assert str(refused.value) == reason


def test_read_file_reads_a_regular_file_and_hashes_it(tmp_path: Path) -> None:
    path = tmp_path / "SHA256SUMS"
    path.write_bytes(b"abc")
    document = read_file(path, 3, KEY)
    assert document.content == b"abc"
    assert document.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    with pytest.raises(Refused, match=r"is 3 bytes, more than deployment.max_artifact_bytes \(2\)"):
        read_file(path, 2, KEY)


def _environment(root: Path, sums: Path, ca: Path) -> Path:
    """A fake environment whose registry SHA256SUMS and TLS CA bundle are ``sums``, ``ca``."""
    env = root / "envs" / "fake"
    env.mkdir(parents=True)
    secrets = root / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"db_password": "x"}))
    expectations = {
        **EXPECTATIONS,
        "roles": {"app": {"vars": ["releases", "app_config"]}, "db": {}},
        "deployment": {
            "releases_var": "releases",
            "artifact": "{version}/trading.war",
            "current": "current/trading.war",
            "registry_sums": str(sums),
            "registry_entry": "trading-{version}.war",
            "max_artifact_bytes": LIMIT,
            "build_stamp": {"entry": "WEB-INF/classes/build.properties", "key": "build"},
            "config_var": "app_config",
            "running_config": {"option": "-Dtrading.config=", "process_marker": "x"},
            "db_url_key": "db.url",
            "db_url_params": {"sslmode": "verify-full"},
            "forbidden_values": ["localhost"],
        },
        "tls": {
            "ca_bundle": str(ca),
            "min_days_to_expiry": 30,
            "endpoints": [
                {"host": "app1", "port": 443, "server_name": "app1.fake.test", "http": True}
            ],
        },
    }
    hosts = {
        name: {**host, "vars": {"releases": "/srv/releases", "app_config": "/etc/app"}}
        for name, host in INVENTORY["hosts"].items()
    }
    files = {
        "inventory.yml": {**INVENTORY, "hosts": hosts, "secrets_file": str(secrets)},
        "expectations.yml": expectations,
        "signoffs.yml": {"change_board": SIGNOFF},
    }
    for name, data in files.items():
        (env / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return env


def test_validate_names_each_unsafe_file_and_its_key(
    tmp_path: Path, odd: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = _environment(tmp_path, odd["fifo"], odd["zero"])
    code = _soon(lambda: main(["--envdir", str(env.parent), "validate", "--env", "fake"]))
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    assert code == 4, lines
    exp = env / "expectations.yml"
    assert (
        f"golive: {exp}: deployment.registry_sums: a regular file ({odd['fifo']} is a FIFO, "
        "not a regular file)" in lines
    ), lines
    assert (
        f"golive: {exp}: tls.ca_bundle: a regular file ({odd['zero']} is a character device, "
        "not a regular file)" in lines
    ), lines
    assert "Traceback" not in out.err


def test_validate_names_oversized_artifacts_and_a_directory(
    tmp_path: Path, odd: dict[str, Path]
) -> None:
    registry_dir = tmp_path / "registry"
    registry_dir.mkdir()
    (registry_dir / "SHA256SUMS").write_text("")
    with (registry_dir / "trading-2.0.0.war").open("wb") as f:
        f.truncate(LIMIT + 1)
    (registry_dir / "trading-1.9.0.war").mkdir()
    _, found = inspect_environment(
        "fake", _environment(tmp_path, registry_dir / "SHA256SUMS", odd["dir"])
    )
    messages = [str(problem) for problem in found]
    assert any(
        m.endswith(
            f"deployment.registry_entry: a regular file ({registry_dir}/trading-2.0.0.war "
            f"is {LIMIT + 1} bytes, more than {KEY} ({LIMIT}))"
        )
        for m in messages
    ), messages
    assert any("trading-1.9.0.war is a directory" in m for m in messages), messages
    assert any(
        m.endswith(
            f"tls.ca_bundle: a regular file ({odd['dir']} is a directory, not a regular file)"
        )
        for m in messages
    ), messages


def test_a_fifo_met_at_run_time_is_a_finding_naming_the_file_and_key(
    tmp_path: Path, odd: dict[str, Path]
) -> None:
    """Should the file change after validation, the check's finding says which and why."""
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("")
    env, found = inspect_environment("fake", _environment(tmp_path, sums, tmp_path / "ca.crt"))
    assert env is not None and not found, found
    sums.unlink()
    os.mkfifo(sums)
    with pytest.raises(CheckFailed) as failed:
        _soon(lambda: registry.checksum(env, "2.0.0"))
    assert str(failed.value) == (
        f"the release registry's {sums} (deployment.registry_sums) is never read: it is a FIFO, "
        "not a regular file"
    )


@pytest.mark.parametrize("name", ["fifo", "zero", "dir", "sparse"])
def test_a_stored_baseline_is_read_bounded(odd: dict[str, Path], name: str) -> None:
    with pytest.raises(CheckFailed, match=rf"the stored baseline {odd[name]} is never read: it is"):
        _soon(lambda: locust.load_baseline(odd[name], LIMIT))


def test_a_stored_baseline_that_is_not_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "smoke.json"
    path.write_text('{"endpoints": [1]}')
    with pytest.raises(CheckFailed, match=rf"the stored baseline {path} is not a baseline"):
        locust.load_baseline(path, LIMIT)
    path.write_text('{"endpoints": {"GET /": {"12": 3}}}')
    assert locust.load_baseline(path, LIMIT) == {"endpoints": {"GET /": {12: 3}}}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("fifo", "is a FIFO, not a regular file"),
        ("zero", "is a character device, not a regular file"),
        ("sparse", f"is {LIMIT + 1} bytes, more than parity.max_snapshot_bytes ({LIMIT})"),
    ],
)
def test_a_parity_snapshot_is_read_bounded(odd: dict[str, Path], name: str, reason: str) -> None:
    """A snapshot file (``parity.baseline``, ``golive parity A B``) is read bounded; a FIFO or
    a device there is refused, not taken for an environment's name."""
    with pytest.raises(ConfigError) as refused:
        _soon(lambda: facts.resolve(str(odd[name]), LIMIT))
    assert refused.value.key == "parity.baseline"
    assert refused.value.expected == f"a regular snapshot file ({odd[name]} {reason})"


def test_golive_parity_of_a_fifo_is_one_line_exit_4(
    odd: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = _soon(lambda: main(["parity", str(odd["fifo"]), str(odd["fifo"])]))
    err = capsys.readouterr().err
    assert code == 4
    assert err == (
        f"golive: {odd['fifo']}: parity.baseline: a regular snapshot file ({odd['fifo']} is a "
        "FIFO, not a regular file)\n"
    )
