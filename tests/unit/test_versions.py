"""Version constraints over Debian and upstream version strings, with dpkg's ordering."""

from __future__ import annotations

import pytest

from golive.model.versions import satisfies


@pytest.mark.parametrize(
    ("version", "constraint", "ok"),
    [
        # the cases: exact operators, no truncation to the constraint's length
        ("17.5", ">17", True),
        ("17.9", "<=17", False),
        ("17.0.13", "==17", False),
        ("1.0~rc1", ">=1.0", False),
        ("3.0.11-1~deb12u2", ">=3.0.11-1~deb12u2", True),
        ("3.0.11-1~deb12u1", ">=3.0.11-1~deb12u2", False),
        ("3.0.11-1", ">=3.0.11-1~deb12u2", True),
        ("3.0.11-1~deb12u2", ">=3.0.11-1", False),
        # the explicit "any P.x" form
        ("17", "==17.*", True),
        ("17.0.15+6-1~deb12u1", "==17.*", True),
        ("17.99.1", "==17.*", True),
        ("17~rc1", "==17.*", False),
        ("18~ea", "==17.*", False),
        ("18", "==17.*", False),
        ("21.0.1", "==17.*", False),
        ("21.0.1", "!=17.*", True),
        ("10.1.60-1~deb12u1", "==10.1.*", True),
        ("10.2.1", "==10.1.*", False),
        ("1:9.2p1-2+deb12u10", "==1:9.*", True),
        # epochs, revisions, several clauses, a version with words after it
        ("1:9.2p1-2+deb12u10", ">=9", True),
        ("1:9.2p1-2+deb12u10", "<10", False),
        ("17.0.21.1+2-1~deb12u1", ">=17,<18", True),
        ("15.10 (Debian 15.10-0+deb12u1)", "==15.*", True),
        ("", ">=1", False),
        ("not a version", ">=1", False),
    ],
)
def test_satisfies(version: str, constraint: str, ok: bool) -> None:
    assert satisfies(version, constraint) is ok


@pytest.mark.parametrize("constraint", ["about 1", ">=x1", ">=17.*", "==17*", "17", ">=1,"])
def test_bad_constraint_is_an_error(constraint: str) -> None:
    with pytest.raises(ValueError, match=r"version constraint|takes == or != only"):
        satisfies("1.0", constraint)
