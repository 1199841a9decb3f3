"""What a sandbox service's preparation may rewrite (golive/sandbox/render.py): a start keeps
the configuration on disk, `sandbox up` follows dpkg's conffile rule, --reprovision rewrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.sandbox.render import configuring, write


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    path = tmp_path / "etc" / "app.conf"
    with configuring("always", tmp_path / "records"):
        write(path, "port=1\n")  # as golive provisioned it
    return path


def test_a_start_keeps_an_existing_file_and_writes_a_missing_one(conf: Path) -> None:
    conf.write_text("port=666\n")  # an injected fault
    with configuring("missing", conf.parent.parent / "records"):
        write(conf, "port=1\n")
        write(conf.with_name("new.conf"), "x\n")
    assert conf.read_text() == "port=666\n"
    assert conf.with_name("new.conf").read_text() == "x\n"


def test_up_follows_the_template_unless_the_file_changed(
    conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = conf.parent.parent / "records"
    with configuring("conffile", records):
        write(conf, "port=2\n")  # the template changed, the file did not: it follows
    assert conf.read_text() == "port=2\n"
    conf.write_text("port=666\n")
    with configuring("conffile", records):
        write(conf, "port=3\n")  # changed since golive wrote it: kept, and said so
    assert conf.read_text() == "port=666\n"
    assert f"{conf}: changed since golive wrote it; kept" in capsys.readouterr().err
    with configuring("always", records):
        write(conf, "port=3\n")  # --reprovision
    assert conf.read_text() == "port=3\n"


def test_up_keeps_a_file_golive_has_no_record_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = tmp_path / "old.conf"
    conf.write_text("edited\n")  # a sandbox set up before golive kept records
    with configuring("conffile", tmp_path / "records"):
        write(conf, "template\n")
    assert conf.read_text() == "edited\n"
    assert "not as golive writes it; kept" in capsys.readouterr().err


def test_outside_a_service_start_every_write_writes(tmp_path: Path) -> None:
    conf = tmp_path / "plain.conf"
    conf.write_text("old\n")
    write(conf, "new\n")
    assert conf.read_text() == "new\n"
