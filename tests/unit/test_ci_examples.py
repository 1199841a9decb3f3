"""The CI templates in examples/ci/ (issue 15) call only what exists: every `golive` command
line parses with golive's own argument parser, every `pytest` option is one pytest (with
golive's plugin) knows, every marker of a `-m` expression is one of the plugin's MARKERS.
Running them needs a CI service, which the project cannot reach."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.cli import parser
from pytest_golive.plugin import MARKERS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ci"
FILES = {
    "github": EXAMPLES / "github-actions.yml",
    "gitlab": EXAMPLES / "gitlab-ci.yml",
}


def _shell(doc: Any) -> Iterator[str]:
    """Every shell script of a workflow (``run:``) or of a GitLab job (script sections)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in ("script", "before_script", "after_script"):
                yield from ([value] if isinstance(value, str) else value)
            else:
                yield from _shell(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _shell(item)


def commands(path: Path, tool: str) -> list[list[str]]:
    """The ``tool`` command lines of ``path``'s scripts, as argument lists."""
    found = []
    for script in _shell(yaml.safe_load(path.read_text())):
        for line in script.splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            words: list[str] = []
            for token in [*lexer, ";"]:
                if token and set(token) <= set(";&|"):  # the end of one command
                    if words and words[0] == tool:
                        found.append(words[1:])
                    words = []
                else:
                    words.append(token)
    return found


@pytest.fixture(scope="module")
def pytest_help() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"], capture_output=True, text=True, timeout=60
    )
    return out.stdout


@pytest.mark.parametrize("ci", sorted(FILES))
def test_every_golive_command_exists_with_its_flags(ci: str) -> None:
    calls = commands(FILES[ci], "golive")
    used = {argv[0] for argv in calls}
    assert {"validate", "certify", "bundle"} <= used, used
    for argv in calls:
        try:
            parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"{FILES[ci].name}: `golive {shlex.join(argv)}` does not parse")
    signs = [argv for argv in calls if argv[0] == "bundle"]
    assert all("--sign" in argv for argv in signs), signs


@pytest.mark.parametrize("ci", sorted(FILES))
def test_every_pytest_option_and_marker_exists(ci: str, pytest_help: str) -> None:
    calls = commands(FILES[ci], "pytest")
    assert calls, f"{FILES[ci].name} runs no pytest"
    markers = {name.split("(")[0] for name in MARKERS}
    for argv in calls:
        for i, word in enumerate(argv):
            if word.startswith("--"):
                flag = word.split("=", 1)[0]
                assert re.search(rf"(^|[ ,]){re.escape(flag)}\b", pytest_help, re.M), flag
            if word == "-m":
                names = set(re.findall(r"[A-Za-z_]\w*", argv[i + 1])) - {"and", "or", "not"}
                assert names <= markers, names - markers


@pytest.mark.parametrize("ci", sorted(FILES))
def test_secrets_come_from_the_ci_secret_store(ci: str) -> None:
    text = FILES[ci].read_text()
    for name in ("GOLIVE_STAGING_SECRETS", "GOLIVE_SSH_KEY", "GOLIVE_SIGNING_KEY"):
        assert name in text
    if ci == "github":
        assert "${{ secrets.GOLIVE_STAGING_SECRETS }}" in text
        assert "$GITHUB_STEP_SUMMARY" in text
    else:
        assert "junit:" in text
    assert not re.search(r"BEGIN [A-Z ]*PRIVATE KEY", text)
