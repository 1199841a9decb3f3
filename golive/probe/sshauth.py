"""Ask an SSH server which authentication methods it offers a user (no credentials sent)."""

from __future__ import annotations

import contextlib
import socket
import struct
import time

AUTH_WAIT_S = 30.0
"""Seconds paramiko waits for the answer to the ``none`` attempt (its ``auth_timeout``)."""


def methods_within(timeout: float) -> float:
    """The longest :func:`offered_methods` takes with ``timeout``: the connection, the
    handshake, then the wait for the answer to ``none``."""
    return 2 * timeout + AUTH_WAIT_S


def offered_methods(
    address: str, port: int, user: str, source: str | None, timeout: float
) -> list[str]:
    """The methods the server lists after a ``none`` authentication attempt for ``user``.

    ``["none"]`` means the server let the user in without any credential. A server that does
    not connect or complete the handshake within ``timeout`` raises ``ConnectionError``
    (:func:`methods_within`: the longest it takes).
    """
    import paramiko  # ~0.3 s, imported by the check that asks, not by every run

    where = f"{address}:{port}"
    try:
        sock = socket.create_connection(
            (address, port), timeout=timeout, source_address=(source, 0) if source else None
        )
    except OSError as exc:
        raise ConnectionError(f"{where}: no SSH connection within {timeout:g} s ({exc})") from None
    # no Nagle: the client's requests right after its NEWKEYS would otherwise wait for the
    # server's delayed ACK (~40 ms a probe, for nothing)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    transport = paramiko.Transport(sock)
    transport.auth_timeout = AUTH_WAIT_S  # paramiko's default, said here
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
        # the socket shut first: paramiko's thread, blocked reading it, sees its end at once
        # (an EOF, which it logs without a traceback) instead of at its next 0.1 s poll
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        transport.close()
        # paramiko's thread ends by logging its reason with a formatted traceback; CPython
        # 3.11 formats tracebacks through ast.parse, whose state threads share
        # (python/cpython#106905): a check failing at the same moment crashed pytest with
        # "AST constructor recursion depth mismatch". Its thread has ended before the check
        # goes on.
        if transport.is_alive():
            transport.join(timeout)
    return ["none"]


# the name-lists of SSH_MSG_KEXINIT (RFC 4253 §7.1), in order
KEXINIT_LISTS = (
    "kexalgorithms",
    "hostkeyalgorithms",
    "ciphers_c2s",
    "ciphers",  # server to client
    "macs_c2s",
    "macs",  # server to client
    "compression_c2s",
    "compression",
    "languages_c2s",
    "languages",
)


def offered_algorithms(
    address: str, port: int, source: str | None, timeout: float
) -> tuple[str, dict[str, list[str]]]:
    """The server's version string and the algorithms its key exchange offers (its
    SSH_MSG_KEXINIT, read before any key is exchanged): name-list -> names. A server that
    does not connect or send both within ``timeout`` raises ``ConnectionError``."""
    where = f"{address}:{port}"
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection(
            (address, port), timeout=timeout, source_address=(source, 0) if source else None
        )
    except OSError as exc:
        raise ConnectionError(f"{where}: no SSH connection within {timeout:g} s ({exc})") from None
    buffer = b""

    def need(count: int) -> None:
        nonlocal buffer
        while len(buffer) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the connection")
            buffer += chunk

    try:
        with sock:
            sock.sendall(b"SSH-2.0-golive_probe\r\n")
            banner = ""
            while not banner.startswith("SSH-"):  # a server may send lines before its version
                while b"\n" not in buffer:
                    need(len(buffer) + 1)
                line, buffer = buffer.split(b"\n", 1)
                banner = line.rstrip(b"\r").decode("utf-8", "replace")
            need(5)
            length, padding = struct.unpack(">IB", buffer[:5])
            if not 16 <= length <= 256 * 1024:
                raise ValueError(f"packet length {length}")
            need(4 + length)
            payload = buffer[5 : 4 + length - padding]
    except (OSError, TimeoutError, EOFError, ValueError) as exc:
        raise ConnectionError(
            f"{where}: no SSH key exchange offer within {timeout:g} s ({exc or type(exc).__name__})"
        ) from None
    if not payload or payload[0] != 20:  # SSH_MSG_KEXINIT
        raise ConnectionError(f"{where}: the server's first packet is not its key exchange offer")
    offer, at = {}, 17  # message type and 16-byte cookie
    for name in KEXINIT_LISTS:
        if at + 4 > len(payload):
            raise ConnectionError(f"{where}: a truncated key exchange offer")
        (size,) = struct.unpack(">I", payload[at : at + 4])
        text = payload[at + 4 : at + 4 + size].decode("ascii", "replace")
        offer[name] = [n for n in text.split(",") if n]
        at += 4 + size
    return banner, offer
