"""The README's commands work exactly as written after `make demo` / `make setup`: its shell
blocks run, in README order, in one shell in the checkout (as a person would type them),
against the sandbox, and every command exits 0.

"The two commands" (`make demo`, `make test`) are not run here: `make test` is what runs this
test. Every other ```sh block is.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import REPO, golive

SKIPPED_SECTIONS = {"The two commands"}


def runnable_blocks(text: str) -> list[tuple[str, str]]:
    """(section, block) for each ```sh block outside the skipped sections."""
    out: list[tuple[str, str]] = []
    section = ""
    for match in re.finditer(r"(?m)^## ([^\n]+)$|^```sh\n(.*?)^```$", text, re.S):
        if match.group(1):
            section = match.group(1).strip()
        elif section not in SKIPPED_SECTIONS:
            out.append((section, match.group(2)))
    return out


def test_readme_blocks_are_found() -> None:
    sections = {s for s, _ in runnable_blocks((REPO / "README.md").read_text())}
    assert {"Everyday use", "The sandbox", "Reading the results"} <= sections


@pytest.mark.serial  # the README runs a watch: alone on the machine (conftest.ALONE)
def test_readme_commands_work_as_written(sandbox: None) -> None:
    blocks = runnable_blocks((REPO / "README.md").read_text())
    script = "\n".join(
        ["set -e", "trap 'echo \"README command failed ($?): $BASH_COMMAND\" >&2' ERR"]
        + [block for _, block in blocks]
    )
    try:
        proc = subprocess.run(
            ["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=1200
        )
    finally:
        golive("sandbox", "up")  # the README's sandbox block ends with `golive sandbox down`
    assert proc.returncode == 0, f"{proc.stderr[-4000:]}\n--- stdout ---\n{proc.stdout[-3000:]}"
    assert "golive verdict: GO" in proc.stdout
