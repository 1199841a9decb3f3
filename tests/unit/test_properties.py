"""environment.properties round-trips through golive's writer and reader (the issue's cases:
a newline in a value, ``=`` and ``:`` in a key, non-ASCII text)."""

from __future__ import annotations

from pathlib import Path

from golive.report.allure_meta import read_properties, write_environment


def test_environment_properties_round_trip(tmp_path: Path) -> None:
    props = {
        "a=b": "c\nd",
        "scope: x": "env sandbox, hosts: app1, app2",
        "blockers": "(1) app1: mfa.required is off  (2) db1: ß€😀 \\ #!",
        " lead": " trail ",
    }
    write_environment(tmp_path, props)
    text = (tmp_path / "environment.properties").read_bytes()
    assert text.isascii()
    assert read_properties(tmp_path / "environment.properties") == props


def test_a_missing_or_broken_file_reads_empty(tmp_path: Path) -> None:
    assert read_properties(tmp_path / "none.properties") == {}
    (tmp_path / "bad.properties").write_text("a=\\u12\n")
    assert read_properties(tmp_path / "bad.properties") == {}
