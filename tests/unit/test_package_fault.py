"""The package_skew fault's status file (issue 25): one package's version restated, every other
stanza as it was, and the judge's dpkg ordering puts the restated revision before the pin."""

from __future__ import annotations

import pytest

from golive.model.errors import SandboxError
from golive.model.versions import satisfies
from golive.sandbox.faults import catalog
from golive.sandbox.faults.packages import PackageVersion, restated

STATUS = """Package: libssl3
Status: install ok installed
Architecture: amd64
Version: 3.0.19-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries

Package: openssl
Status: install ok installed
Architecture: amd64
Version: 3.0.19-1~deb12u2
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.9)
Description: Secure Sockets Layer toolkit - cryptographic utility
"""


def test_only_the_package_is_restated() -> None:
    out = restated(STATUS, "openssl", "3.0.11-1~deb12u1")
    assert "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\n" in out
    assert "Version: 3.0.11-1~deb12u1\nDepends: libc6" in out
    assert out.split("\n\n")[0] == STATUS.split("\n\n")[0]  # libssl3 as it was
    assert out.replace("3.0.11-1~deb12u1", "3.0.19-1~deb12u2") == STATUS


@pytest.mark.parametrize("package", ["nosuchpackage", "openss", "ssl3"])
def test_a_package_not_there_is_an_error(package: str) -> None:
    with pytest.raises(SandboxError, match=f"0 stanzas of package {package}"):
        restated(STATUS, package, "1.0")


def test_the_catalog_revision_is_before_the_pin() -> None:
    """The fault's version fails the pin by dpkg's ordering (the revision, after the ~)."""
    action = catalog()["package_skew"].action
    assert isinstance(action, PackageVersion)
    assert not satisfies(action.version, ">=3.0.11-1~deb12u2")
    assert satisfies("3.0.11-1~deb12u2", ">=3.0.11-1~deb12u2")
    assert satisfies("3.0.19-1~deb12u2", ">=3.0.11-1~deb12u2")
