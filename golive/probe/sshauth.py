"""Ask an SSH server which authentication methods it offers a user (no credentials sent)."""

from __future__ import annotations

import socket

import paramiko


def offered_methods(
    address: str, port: int, user: str, source: str | None, timeout: float
) -> list[str]:
    """The methods the server lists after a ``none`` authentication attempt for ``user``.

    ``["none"]`` means the server let the user in without any credential.
    """
    sock = socket.create_connection(
        (address, port), timeout=timeout, source_address=(source, 0) if source else None
    )
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        try:
            transport.auth_none(user)
        except paramiko.BadAuthenticationType as exc:
            return sorted(exc.allowed_types)
        return ["none"]
    finally:
        transport.close()
