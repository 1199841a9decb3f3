"""Ask an SSH server which authentication methods it offers a user (no credentials sent)."""

from __future__ import annotations

import socket


def offered_methods(
    address: str, port: int, user: str, source: str | None, timeout: float
) -> list[str]:
    """The methods the server lists after a ``none`` authentication attempt for ``user``.

    ``["none"]`` means the server let the user in without any credential. A server that does
    not connect or complete the handshake within ``timeout`` raises ``ConnectionError``.
    """
    import paramiko  # ~0.3 s, imported by the check that asks, not by every run

    where = f"{address}:{port}"
    try:
        sock = socket.create_connection(
            (address, port), timeout=timeout, source_address=(source, 0) if source else None
        )
    except OSError as exc:
        raise ConnectionError(f"{where}: no SSH connection within {timeout:g} s ({exc})") from None
    transport = paramiko.Transport(sock)
    try:
        # paramiko's start_client returns at its timeout as if the handshake were done; the
        # next step then fails with "No existing session": both are one line here
        transport.start_client(timeout=timeout)
        transport.auth_none(user)
    except paramiko.BadAuthenticationType as exc:
        return sorted(exc.allowed_types)
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ConnectionError(
            f"{where}: no SSH handshake within {timeout:g} s ({exc or type(exc).__name__})"
        ) from None
    finally:
        transport.close()
    return ["none"]
