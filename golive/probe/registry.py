"""The release registry: its checksum list (``SHA256SUMS``) and the build fingerprint each of
its artifacts stamps, read from a local path or over HTTPS within the environment's timeout.

Each location is read once per run (a registry does not change under a certification run).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path

from golive.model.checksums import parse_sha256sums
from golive.model.documents import Refused, is_url, read_file
from golive.model.environment import Environment
from golive.model.errors import CheckFailed
from golive.model.expectations.predeploy import Deployment
from golive.model.properties import PropertiesError, loads
from golive.probe.documents import fetch


@lru_cache(maxsize=4)
def _read(location: str, ca_bundle: str | None, timeout: float, limit: int) -> bytes:
    key = f"{Deployment.key}.max_artifact_bytes"
    if not is_url(location):
        return read_file(Path(location), limit, key).content
    document, why = fetch(location, timeout, limit, ca_bundle or True, key)
    if document is None:
        raise Unreadable(why)
    return document.content


class Unreadable(Exception):
    """The location cannot be had; the message completes "<location> ..."."""


def read(environment: Environment, location: str, key: str) -> bytes:
    """The bytes at ``location`` (named by the setting ``key``: a path, or a URL trusting the
    environment's CA bundle, fetched within twice the public timeout), at most
    ``deployment.max_artifact_bytes``, a path only when it is a regular file; a CheckFailed
    naming the location, the key and the cause when it cannot be read."""
    ca = environment.inventory.public.ca_bundle
    limit = environment.expectation(Deployment).max_artifact_bytes
    timeout = environment.inventory.public.timeout
    what = f"the release registry's {location} ({key})"
    try:
        return _read(location, str(ca) if ca else None, timeout, limit)
    except Refused as exc:
        raise CheckFailed(f"{what} is never read: it {exc}") from None
    except Unreadable as exc:
        raise CheckFailed(f"{what} {exc}") from None
    except OSError as exc:
        raise CheckFailed(f"{what} cannot be read: {exc}") from None


def checksum(environment: Environment, version: str) -> str:
    """The registry's sha256 of ``version``'s artifact; CheckFailed when it lists none."""
    spec = environment.expectation(Deployment)
    entry = spec.registry_entry.format(version=version)
    raw = read(environment, spec.registry_sums, f"{Deployment.key}.registry_sums")
    sums = parse_sha256sums(raw.decode("utf-8", "replace"))
    if entry not in sums:
        raise CheckFailed(f"the release registry {spec.registry_sums} lists no {entry}")
    return sums[entry]


def stamped_build(archive: bytes, entry: str, key: str) -> str | None:
    """The build fingerprint an artifact stamps: ``key`` of the properties file ``entry``
    inside the archive (None when the archive, the entry or the key is missing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            # ISO-8859-1, as the application reads it (Properties.load of a stream)
            props = loads(z.read(entry).decode("latin-1"))
    except (zipfile.BadZipFile, KeyError, PropertiesError):
        return None
    return props.get(key) or None


def build(environment: Environment, version: str) -> str:
    """The build fingerprint of the registry's artifact of ``version``, after checking that
    the artifact is the one its SHA256SUMS lists (CheckFailed otherwise)."""
    spec = environment.expectation(Deployment)
    location = spec.registry_artifact(version)
    archive = read(environment, location, f"{Deployment.key}.registry_entry")
    listed = checksum(environment, version)
    if hashlib.sha256(archive).hexdigest() != listed:
        raise CheckFailed(
            f"the release registry's {location} does not match its own SHA256SUMS entry"
        )
    stamp = spec.build_stamp
    found = stamped_build(archive, stamp.entry, stamp.key)
    if found is None:
        raise CheckFailed(
            f"the release registry's {location} stamps no {stamp.key} in {stamp.entry}"
        )
    return found
