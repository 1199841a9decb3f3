"""Judges of host facts shared by the pre-deployment and smoke suites: pure, facts in,
finding lines out (empty when the host complies)."""

from __future__ import annotations

from collections.abc import Iterable


def missing_listeners(
    host: str, address: str, listening: set[int], required: Iterable[int]
) -> list[str]:
    """One line per required TCP port nothing listens on (on the host's address or on all)."""
    return [
        f"{host}: nothing listens on {address}:{port}" for port in sorted(set(required) - listening)
    ]


def artifact_findings(
    host: str,
    current: str,
    resolved: str | None,
    release_artifact: str,
    node_sha256: str | None,
    registry_sha256: str,
    entry: str,
) -> list[str]:
    """Judge the artifact a node's application server loads against the registry.

    ``current`` is the path the server loads, ``resolved`` its full resolution on the node
    (every link followed; None when it resolves to nothing), ``release_artifact`` the fully
    resolved path of the release's artifact in the release directory, ``node_sha256`` the
    sha256 of the resolved file (None when it is no regular file) and ``registry_sha256`` the
    registry's for ``entry``.
    """
    if resolved is None:
        return [f"{host}: {current} resolves to nothing (missing or a dangling link)"]
    out = []
    if resolved != release_artifact:
        out.append(
            f"{host}: {current} resolves to {resolved}, not to the release's artifact "
            f"{release_artifact}"
        )
    if node_sha256 is None:
        out.append(f"{host}: {current} resolves to {resolved}, which is not a regular file")
    elif node_sha256.lower() != registry_sha256.lower():
        out.append(
            f"{host}: {resolved} (loaded through {current}) sha256 {node_sha256[:12]}… differs "
            f"from registry {registry_sha256[:12]}… ({entry})"
        )
    return out


def served_release_findings(
    host: str,
    answer: dict[str, object],
    fields: tuple[str, str],
    version: str,
    build: str,
    entry: str,
) -> list[str]:
    """Judge a node's version answer: ``fields`` names its version and build-fingerprint
    fields; both must be the release's (``version``) and the registry artifact's (``build``,
    stamped in ``entry``)."""
    version_field, build_field = fields
    served, served_build = answer.get(version_field), answer.get(build_field)
    if served != version:
        return [f"{host} serves {served}, the release under certification is {version}"]
    if served_build != build:
        shown = f"build {str(served_build)[:12]}…" if served_build else "no build fingerprint"
        return [
            f"{host} serves {version} {shown}, not the registry's build "
            f"{build[:12]}… of {entry}: a rebuilt or foreign artifact"
        ]
    return []
