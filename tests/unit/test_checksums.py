"""One SHA256SUMS reader (golive.model.checksums), checked against sha256sum itself on names
with spaces, a leading '*', a backslash and a newline, in text, binary and tag modes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from golive.model.checksums import parse_sha256sums

NAMES = ["plain.war", "with space.war", "*star.war", "back\\slash.war", "new\nline.war"]


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum absent")
@pytest.mark.parametrize("mode", [[], ["--binary"], ["--tag"]])
def test_reads_what_sha256sum_writes(tmp_path: Path, mode: list[str]) -> None:
    expected = {}
    for index, name in enumerate(NAMES):
        (tmp_path / name).write_bytes(f"content {index}".encode())
        expected[name] = hashlib.sha256(f"content {index}".encode()).hexdigest()
    out = subprocess.run(
        ["sha256sum", *mode, "--", *NAMES], cwd=tmp_path, capture_output=True, text=True,
        check=True, timeout=30,
    ).stdout  # fmt: skip
    assert parse_sha256sums(out) == expected


def test_other_lines_are_no_entries() -> None:
    digest = "A" * 64
    text = (
        "sha256sum: missing.war: No such file or directory\n"
        f"{digest[:63]}  short.war\n"
        f"{digest}\tmissing-space.war\n"
        f"{digest}  ok.war\r\n"
        "\n"
    )
    assert parse_sha256sums(text) == {"ok.war": "a" * 64}
