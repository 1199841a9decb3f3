"""Documents named by ``process_evidence`` are confined (issue 19): after symbolic links they
lie in the environment directory or a declared ``evidence_roots`` entry, are never a secrets
file, are regular files under ``max_document_bytes``, and are read in bounded chunks, hashed
as read. Anything else is a configuration error naming the file and key (``golive validate``,
exit 4) and, should it appear at run time, a finding of the check: never read."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY, SIGNOFF
from golive.cli import main
from golive.model.documents import Confinement, Refused
from golive.model.environment import inspect_environment, load_environment
from golive.model.errors import ConfigError
from golive.probe.documents import read

MIB = 1 << 20


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An environment directory, a declared root beside it, a secrets file inside that root,
    and a directory outside both. (``--envdir`` sets GOLIVE_ENVDIR: restored afterwards.)"""
    monkeypatch.setenv("GOLIVE_ENVDIR", str(tmp_path))
    places = {name: tmp_path / name for name in ("env", "root", "outside")}
    for place in places.values():
        place.mkdir()
    places["secrets"] = places["root"] / "credentials.yml"
    places["secrets"].write_text("db_password: hunter2\n")
    (places["env"] / "notes.md").write_text("release 2.0.0\n")
    return places


def _rules(tree: dict[str, Path], limit: int = 8 * MIB) -> Confinement:
    return Confinement.of(tree["env"], [str(tree["root"])], [tree["secrets"]], limit)


def _refused(rules: Confinement, where: str) -> str:
    """Refused both when checked (validate) and when read (the check), with one reason."""
    with pytest.raises(Refused) as checked:
        rules.check(where)
    with pytest.raises(Refused) as read:
        rules.read(where)
    assert str(checked.value) == str(read.value)
    return str(read.value)


def test_etc_shadow_is_outside_the_roots(tree: dict[str, Path]) -> None:
    reason = _refused(_rules(tree), "/etc/shadow")
    assert reason.startswith("is outside the environment directory"), reason
    assert str(tree["root"]) in reason


def test_a_path_climbing_out_of_the_environment_is_refused(tree: dict[str, Path]) -> None:
    climb = "../" * len(tree["env"].parts) + "etc/shadow"
    reason = _refused(_rules(tree), climb)
    assert reason.startswith("resolves to /etc/shadow, outside"), reason


def test_a_relative_path_is_relative_to_the_environment_directory(tree: dict[str, Path]) -> None:
    document = _rules(tree).read("notes.md")
    assert document.where == str(tree["env"].resolve() / "notes.md")
    assert document.content == b"release 2.0.0\n"


def test_a_symlink_to_the_secrets_file_is_refused(tree: dict[str, Path]) -> None:
    (tree["env"] / "notes-link.md").symlink_to(tree["secrets"])
    assert "secrets" in _refused(_rules(tree), "notes-link.md")
    assert "secrets" in _refused(_rules(tree), str(tree["secrets"]))  # inside a root, even so


def test_a_relative_secrets_file_is_refused_however_it_is_read(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """golive reads a relative secrets_file from the working directory; named relative to
    the environment directory, the same name is a secret too."""
    monkeypatch.chdir(tree["root"])
    (tree["env"] / "credentials.yml").write_text("db_password: hunter2\n")
    rules = Confinement.of(tree["env"], [str(tree["root"])], [Path("credentials.yml")], MIB)
    assert "secrets" in _refused(rules, str(tree["root"] / "credentials.yml"))
    assert "secrets" in _refused(rules, "credentials.yml")


def test_a_hard_link_to_the_secrets_file_is_refused(tree: dict[str, Path]) -> None:
    os.link(tree["secrets"], tree["root"] / "innocent.md")
    assert "secrets" in _refused(_rules(tree), str(tree["root"] / "innocent.md"))


def test_a_symlink_pointing_out_of_the_roots_is_refused(tree: dict[str, Path]) -> None:
    target = tree["outside"] / "private.md"
    target.write_text("release 2.0.0\n")
    (tree["root"] / "doc.md").symlink_to(target)
    (tree["env"] / "docs").symlink_to(tree["outside"])  # a link as a directory on the way
    rules = _rules(tree)
    assert _refused(rules, str(tree["root"] / "doc.md")).startswith(f"resolves to {target},")
    assert _refused(rules, "docs/private.md").startswith(f"resolves to {target},")


def test_a_fifo_is_refused_without_blocking(tree: dict[str, Path]) -> None:
    os.mkfifo(tree["env"] / "pipe.md")  # no writer: opening it to read would block
    assert _refused(_rules(tree), "pipe.md") == "is a FIFO, not a regular file"


def test_a_directory_is_refused(tree: dict[str, Path]) -> None:
    (tree["env"] / "folder").mkdir()
    assert _refused(_rules(tree), "folder") == "is a directory, not a regular file"


def test_a_device_is_refused_even_inside_a_root(tree: dict[str, Path]) -> None:
    rules = Confinement.of(tree["env"], ["/dev"], [], 8 * MIB)
    assert _refused(rules, "/dev/zero") == "is a character device, not a regular file"


def test_a_sparse_2_gib_file_is_refused_by_its_size_without_a_byte_read(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sparse = tree["env"] / "huge.log"
    with sparse.open("wb") as f:
        f.truncate(2 << 30)
    monkeypatch.setattr(os, "read", lambda fd, n: pytest.fail("the sparse file was read"))
    reason = _refused(_rules(tree), "huge.log")
    assert reason == f"is {2 << 30} bytes, more than max_document_bytes ({8 * MIB})"


def test_a_file_at_the_limit_is_read_whole_hashed_and_never_past_limit_plus_one(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(8 * MIB)
    (tree["env"] / "big.md").write_bytes(data)
    asked: list[int] = []
    real_read = os.read

    def counting(fd: int, n: int) -> bytes:
        asked.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counting)
    document = _rules(tree).read("big.md")
    assert document.content == data
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert sum(asked) <= 8 * MIB + 1 and max(asked) <= 1 << 16  # chunked, bounded


def test_one_byte_over_the_limit_is_refused(tree: dict[str, Path]) -> None:
    (tree["env"] / "over.md").write_bytes(b"x" * 1001)
    (tree["env"] / "under.md").write_bytes(b"x" * 999)
    rules = _rules(tree, limit=1000)
    assert _refused(rules, "over.md") == "is 1001 bytes, more than max_document_bytes (1000)"
    assert rules.read("under.md").content == b"x" * 999


def test_a_document_in_a_declared_root_is_accepted(tree: dict[str, Path]) -> None:
    (tree["root"] / "release-notes.md").write_text("release 2.0.0\n")
    rules = _rules(tree)
    rules.check(str(tree["root"] / "release-notes.md"))
    assert rules.read(str(tree["root"] / "release-notes.md")).content == b"release 2.0.0\n"
    with pytest.raises(Refused):  # without the root, the same document is refused
        Confinement.of(tree["env"], [], [], 8 * MIB).check(str(tree["root"] / "release-notes.md"))


def test_a_missing_document_is_the_checks_finding_not_a_config_error(
    tree: dict[str, Path],
) -> None:
    rules = _rules(tree)
    rules.check("not-yet-written.md")  # no refusal: the plan item is open at run time
    with pytest.raises(FileNotFoundError):
        rules.read("not-yet-written.md")


# --- through `golive validate` and the loaded environment -------------------------------


def _env(tree: dict[str, Path], **evidence: Any) -> Path:
    env = tree["env"]
    (tree["root"] / "uat.md").write_text("release 2.0.0\n")
    process = {
        "evidence_roots": [str(tree["root"])],
        "items": {"post.uat.issues": {"document": str(tree["root"] / "uat.md")}},
        **evidence,
    }
    files = {
        "inventory.yml": {**INVENTORY, "secrets_file": str(tree["secrets"])},
        "expectations.yml": {**EXPECTATIONS, "process_evidence": process},
        "signoffs.yml": {"change_board": SIGNOFF},
    }
    tree["secrets"].write_text(yaml.safe_dump({"db_password": "x", "trader_totp": "y"}))
    for name, data in files.items():
        (env / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return env


def _validate(env: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["--envdir", str(env.parent), "validate", "--env", env.name])
    out = capsys.readouterr()
    return code, [line for line in out.out.splitlines() if line]


def test_validate_accepts_documents_in_the_roots(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _validate(_env(tree), capsys)
    assert code == 0, lines


def test_validate_names_file_and_key_of_every_refused_document(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tree["root"] / "pipe.md")
    (tree["env"] / "creds.md").symlink_to(tree["secrets"])
    items = {
        "docs.deployment.notes": {"document": "/etc/shadow"},
        "docs.deployment.logs": {"document": "../../../../../../../../etc/shadow"},
        "docs.handover.transfer": {"document": "creds.md"},
        "post.rollout.training": {"document": str(tree["root"] / "pipe.md")},
        "post.uat.issues": {"document": str(tree["root"] / "uat.md")},  # fine
    }
    env = _env(tree, items=items)
    code, lines = _validate(env, capsys)
    assert code == 4
    where = f"golive: {env / 'expectations.yml'}: process_evidence.items"
    assert lines == [
        f"{where}.docs.deployment.notes.document: /etc/shadow is outside the environment "
        f"directory ({env}) and the declared evidence_roots ({tree['root']})",
        f"{where}.docs.deployment.logs.document: ../../../../../../../../etc/shadow resolves "
        f"to /etc/shadow, outside the environment directory ({env}) and the declared "
        f"evidence_roots ({tree['root']})",
        f"{where}.docs.handover.transfer.document: creds.md is a file of the environment's "
        "secrets (secrets_file, an SSH identity), never evidence",
        f"{where}.post.rollout.training.document: {tree['root'] / 'pipe.md'} is a FIFO, not "
        "a regular file",
    ]


def test_ssh_identities_are_never_evidence(tree: dict[str, Path]) -> None:
    """The inventory's SSH identity (``~`` as ssh expands it) and a host's own (an Ansible
    inventory's ``?ssh_identity_file=``) are secrets like the secrets file."""
    home, own = tree["root"] / "home", tree["root"] / "app1_key"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    own.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    hosts = dict(INVENTORY["hosts"])
    hosts["app1"] = {**hosts["app1"], "connection": f"ssh://qa@127.0.2.11?ssh_identity_file={own}"}
    env = _env(tree)
    inventory = yaml.safe_load((env / "inventory.yml").read_text())
    inventory.update(hosts=hosts, ssh={"identity_file": "~/.ssh/id_ed25519"})
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory))
    items = {
        "a": {"document": str(home / ".ssh" / "id_ed25519")},
        "b": {"document": str(own)},
    }
    expectations = yaml.safe_load((env / "expectations.yml").read_text())
    expectations["process_evidence"]["items"] = items
    (env / "expectations.yml").write_text(yaml.safe_dump(expectations))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        found = inspect_environment(env.name, directory=env.parent)[1]
    assert sorted(p.key for p in found) == [
        "process_evidence.items.a.document",
        "process_evidence.items.b.document",
    ]
    assert all("secrets" in p.expected for p in found)


def test_a_run_refuses_the_environment_before_any_check(tree: dict[str, Path]) -> None:
    env = _env(tree, items={"docs.deployment.notes": {"document": "/etc/shadow"}})
    with pytest.raises(ConfigError) as refused:
        load_environment(env.name, directory=env.parent)
    assert refused.value.exit_code == 4
    assert refused.value.key == "process_evidence.items.docs.deployment.notes.document"


@pytest.mark.parametrize(
    ("evidence", "key"),
    [
        ({"evidence_roots": ["/"]}, "process_evidence.evidence_roots[0]"),
        ({"max_document_bytes": 0}, "process_evidence.max_document_bytes"),
        ({"items": {"x": {"document": "file:///etc/shadow"}}}, "process_evidence.items.x.document"),
        ({"items": {"x": {"document": "a\x00b"}}}, "process_evidence.items.x.document"),
        ({"evidence_roots": [""]}, "process_evidence.evidence_roots"),
    ],
)
def test_settings_that_confine_nothing_are_config_errors(
    tree: dict[str, Path], evidence: dict[str, Any], key: str
) -> None:
    env = _env(tree, **evidence)
    with pytest.raises(ConfigError) as refused:
        load_environment(env.name, directory=env.parent)
    assert refused.value.key == key


def test_the_check_never_reads_a_document_outside_the_roots(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the file change after validation (a link swapped in), the check's own reader
    refuses it: a finding naming the cause, and no content."""
    env = load_environment(_env(tree).name, directory=tree["env"].parent)
    document, problem = read(env, str(tree["root"] / "uat.md"))
    assert document is not None and document.content == b"release 2.0.0\n", problem
    (tree["root"] / "uat.md").unlink()
    (tree["root"] / "uat.md").symlink_to("/etc/shadow")
    monkeypatch.setattr(os, "read", lambda fd, n: pytest.fail("a refused document was read"))
    document, problem = read(env, str(tree["root"] / "uat.md"))
    assert document is None
    assert problem.startswith("is never read: it resolves to /etc/shadow, outside"), problem
    assert read(env, str(tree["root"] / "gone.md")) == (None, "does not exist")


class _Endless(BaseHTTPRequestHandler):
    """Answers with a body that never ends (no Content-Length), as a hostile server would."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        chunk = b"x" * 65536
        with contextlib.suppress(OSError):
            for _ in range(1024):  # 64 MiB at most, should the reader not stop
                self.wfile.write(chunk)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_url_document_is_bounded_too(tree: dict[str, Path]) -> None:
    env = load_environment(_env(tree, max_document_bytes=MIB).name, directory=tree["env"].parent)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        document, problem = read(env, f"http://127.0.0.1:{server.server_port}/notes")
    finally:
        server.shutdown()
        server.server_close()
    assert (document, problem) == (None, f"is more than max_document_bytes ({MIB})")


def test_a_secrets_file_that_is_a_fifo_is_a_config_error_not_a_hang(tree: dict[str, Path]) -> None:
    """Every YAML file golive reads (here the inventory's secrets_file) is a regular file
    read to a bound: a FIFO would block the run forever, a device never end."""
    env = _env(tree)
    tree["secrets"].unlink()
    os.mkfifo(tree["secrets"])
    with pytest.raises(ConfigError) as refused:
        load_environment(env.name, directory=env.parent)
    assert str(refused.value) == (
        f"{env / 'inventory.yml'}: secrets_file: {tree['secrets']}: "
        "a regular file (not a directory, FIFO or device)"
    )
