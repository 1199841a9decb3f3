"""The fault catalog: every entry names checks that exist and markers golive registers, every
action kind is registered once, and the shared file-editing helper keeps the file itself."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import typing
from pathlib import Path

import pytest

from golive.gate import identity
from golive.model.errors import SandboxError, UsageError
from golive.sandbox import faults
from golive.sandbox.faults.base import FaultAction, edit_in_place, replace_in_place
from pytest_golive.plugin import MARKERS

# every module of the faults package (a new kind of action is a class in one of them)
MODULES = [
    importlib.import_module(f"golive.sandbox.faults.{m.name}")
    for m in pkgutil.iter_modules(faults.__path__)
]
SUITES = Path(__file__).resolve().parents[2] / "suites"
CHECKS = {
    m.group(1)
    for path in SUITES.rglob("test_*.py")
    for m in re.finditer(r"^def (test_\w+)\(", path.read_text(), re.M)
}
CATALOG = faults.catalog()
# the gate's own checks of a run (verdict.json blockers that no suite's function holds)
GATE_CHECKS = {identity.CHECK}


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_fault_names_existing_checks_and_registered_suites(name: str) -> None:
    fault = CATALOG[name]
    for suites, check in [(fault.caught_by, fault.expect.check)] + [
        (a.caught_by, a.check) for a in fault.also
    ]:
        assert check.split("[", 1)[0] in CHECKS | GATE_CHECKS, f"{name}: no check {check}"
        assert set(suites) <= set(MARKERS), f"{name}: {suites} are not all golive markers"


def test_every_action_class_is_registered_once() -> None:
    union = typing.get_args(typing.get_args(faults.Action)[0])
    kinds = [typing.get_args(cls.model_fields["kind"].annotation)[0] for cls in union]
    assert len(kinds) == len(set(kinds))
    defined = {
        obj
        for module in MODULES
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, FaultAction) and obj is not FaultAction
    }
    assert defined == set(union)


def test_listing_shows_every_fault_with_its_suites() -> None:
    lines = faults.listing()
    assert lines[0].split() == ["FAULT", "HOST", "CAUGHT", "BY", "BREAKS"]
    row = next(line for line in lines if line.startswith("lb_missing_node "))
    assert "predeploy, integration" in row and "lb1" in row
    variant = next(line for line in lines if line.startswith("tls_wildcard_certificate "))
    assert "GO: tls" in variant and "nothing (a healthy variant)" in variant
    assert len(lines) == len(CATALOG) + len(faults.variants()) + 1


def test_a_healthy_variant_is_no_fault() -> None:
    """A healthy variant (``healthy: true``) is applied and undone as a fault is, but is none:
    the fault matrix does not run it, tests/sandbox/test_variants.py does."""
    assert "tls_wildcard_certificate" not in CATALOG
    assert faults.entry("tls_wildcard_certificate").host == "lb1"
    with pytest.raises(UsageError, match="a healthy variant"):
        faults.get("tls_wildcard_certificate")


def test_edit_in_place_keeps_inode_owner_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "app.properties"
    path.write_text("a=1\nmfa.required=true\n")
    path.chmod(0o600)
    before = os.stat(path)
    replace_in_place(path, "mfa.required=true", "mfa.required=false")
    after = os.stat(path)
    assert path.read_text() == "a=1\nmfa.required=false\n"
    assert (after.st_ino, after.st_mode, after.st_uid) == (
        before.st_ino,
        before.st_mode,
        before.st_uid,
    )
    replace_in_place(path, "mfa.required=true", "mfa.required=false")  # already made
    assert not edit_in_place(path, lambda text: text)


def test_an_edit_that_finds_nothing_to_change_fails(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("server_tokens off;\n")
    with pytest.raises(SandboxError, match="'server_tokens maybe;' not found"):
        replace_in_place(path, "server_tokens maybe;", "server_tokens on;")
    assert path.read_text() == "server_tokens off;\n"
