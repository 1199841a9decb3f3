"""Version constraints over Debian and upstream version strings."""

from __future__ import annotations

import pytest

from golive.model.versions import numeric, satisfies


@pytest.mark.parametrize(
    ("version", "constraint", "ok"),
    [
        ("17.0.21.1+2-1~deb12u1", ">=17,<18", True),
        ("21.0.1", ">=17,<18", False),
        ("10.1.60-1~deb12u1", ">=10.1,<10.2", True),
        ("1:9.2p1-2+deb12u10", ">=9", True),
        ("15.20", "==15", True),
        ("", ">=1", False),
    ],
)
def test_satisfies(version: str, constraint: str, ok: bool) -> None:
    assert satisfies(version, constraint) is ok


def test_numeric_strips_epoch_and_revision() -> None:
    assert numeric("1:10.1.34-0+deb12u1") == (10, 1, 34)


def test_bad_constraint_is_an_error() -> None:
    with pytest.raises(ValueError, match="version constraint"):
        satisfies("1.0", "about 1")
