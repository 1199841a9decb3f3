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

import requests

from golive.model.environment import Environment
from golive.model.errors import CheckFailed
from golive.model.expectations.predeploy import Deployment
from golive.model.properties import PropertiesError, loads


@lru_cache(maxsize=8)
def _read(location: str, ca_bundle: str | None, timeout: float) -> bytes:
    if "://" not in location:
        return Path(location).read_bytes()
    response = requests.get(location, timeout=timeout, verify=ca_bundle or True)
    response.raise_for_status()
    return response.content


def read(environment: Environment, location: str) -> bytes:
    """The bytes at ``location`` (a path or a URL, trusting the environment's CA bundle);
    a CheckFailed naming the location and the cause when it cannot be read."""
    ca = environment.inventory.public.ca_bundle
    try:
        return _read(location, str(ca) if ca else None, environment.inventory.public.timeout)
    except (OSError, requests.RequestException) as exc:
        raise CheckFailed(f"the release registry's {location} cannot be read: {exc}") from None


def parse_sums(text: str) -> dict[str, str]:
    """``sha256sum`` output as file name -> digest (binary-mode ``*`` stripped)."""
    return {
        parts[1].lstrip("*"): parts[0].lower()
        for parts in (line.split() for line in text.splitlines())
        if len(parts) == 2
    }


def checksum(environment: Environment, version: str) -> str:
    """The registry's sha256 of ``version``'s artifact; CheckFailed when it lists none."""
    spec = environment.expectation(Deployment)
    entry = spec.registry_entry.format(version=version)
    sums = parse_sums(read(environment, spec.registry_sums).decode("utf-8", "replace"))
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
    archive = read(environment, location)
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
