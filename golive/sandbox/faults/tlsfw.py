"""Fault actions of the TLS and firewall claims beyond lb1's certificate and the input chain:
PostgreSQL's own certificate, a weak DH group on nginx, a UDP service opened in the firewall,
a forgotten port forward to a firewalled service. See :mod:`.base` for the contract.

Each TLS action waits until the server really serves what it injected (or healed), read over
a TLS handshake: a service that refuses a new configuration keeps its old one (nginx and
PostgreSQL both do on reload), and a fault that silently did nothing would test nothing.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh
from pydantic import Field

from golive.model.errors import SandboxError
from golive.probe.wait import WaitTimeout, wait_until
from golive.sandbox import pki
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction, edit_in_place, signal_service
from golive.sandbox.faults.security import NftRule
from golive.sandbox.process import spawn, stop, wait_port
from golive.sandbox.services import db

# RFC 2409 (IKE) Oakley group 2: the well-known 1024-bit MODP group, generator 2.
_MODP_1024 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
    "04DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6"
    "F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)
MARK = "# golive fault: postgres_tls (everything below it)"


def _wait(what: str, done: Callable[[], bool], timeout: float = 10.0) -> None:
    try:
        wait_until(done, timeout, 0.1, what=what)
    except WaitTimeout:
        raise SandboxError(f"{what} did not happen within {timeout:.0f} s") from None


def _served(address: str, port: int, starttls: bool = False, ciphers: str | None = None) -> bytes:
    """The DER certificate a TLS endpoint serves (PostgreSQL: after its SSLRequest), or b""
    when the handshake fails (with ``ciphers``: when the server accepts none of them)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    if ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(f"{ciphers}:@SECLEVEL=0")
    try:
        with socket.create_connection((address, port), timeout=2) as raw:
            if starttls:
                raw.sendall(struct.pack("!ii", 8, 80877103))
                if raw.recv(1) != b"S":
                    return b""
            with ctx.wrap_socket(raw) as tls:
                return tls.getpeercert(binary_form=True) or b""
    except OSError:
        return b""


def _der(pem: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem.read_text())


class PostgresTls(FaultAction):
    """PostgreSQL on the host serves a certificate issued for the fault (its start, lifespan
    and key). The settings are appended to golive.conf after a marker (a later setting wins,
    as an administrator's edit would); healing removes them. Reloaded by SIGHUP.

    (A weak DH group cannot be a PostgreSQL fault here: PostgreSQL loads
    ``ssl_dh_params_file`` before its ``ssl_ciphers``, so OpenSSL's default security level
    refuses a group under 2048 bits, and the whole SSL reload with it.)"""

    kind: Literal["postgres_tls"]
    valid_from_days: int = -1
    valid_days: int = 365
    rsa_bits: int | None = None

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        conf = sbx.var(host, "pgdata") / "golive.conf"
        tls = sbx.path(host, "tls")
        if inject:
            lines = self._files(sbx, host, tls)
            edit_in_place(conf, lambda text: text if MARK in text else text + "\n".join(lines))
        else:
            edit_in_place(conf, lambda text: text.split("\n" + MARK, 1)[0].rstrip("\n") + "\n")
        signal_service(sbx, host, "postgres")
        want = _der(tls / ("fault.crt" if inject else "server.crt"))
        address = sbx.address(host)
        _wait(
            f"{host}: PostgreSQL serving the {'fault' if inject else 'healthy'} certificate "
            f"(see its log: a refused SSL configuration is not reloaded)",
            lambda: _served(address, db.PORT, starttls=True) == want,
        )

    def _files(self, sbx: Sandbox, host: str, tls: Path) -> list[str]:
        names = [f"{host}.sandbox.test", sbx.address(host)]
        crt, key = pki.issue(
            sbx.path("pki"),
            f"fault-{host}-postgres",
            names,
            valid_from_days=self.valid_from_days,
            valid_days=self.valid_days,
            rsa_bits=self.rsa_bits,
        )
        shutil.copyfile(crt, tls / "fault.crt")
        shutil.copyfile(key, tls / "fault.key")
        (tls / "fault.key").chmod(0o600)
        for name in ("fault.crt", "fault.key"):
            shutil.chown(tls / name, db.USER, db.USER)
        return [
            "",
            MARK,
            f"ssl_cert_file = '{tls / 'fault.crt'}'",
            f"ssl_key_file = '{tls / 'fault.key'}'",
            "",
        ]


def _dh_pem() -> bytes:
    params = dh.DHParameterNumbers(_MODP_1024, 2).parameters()
    return params.parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3)


class NginxDhGroup(FaultAction):
    """nginx on the host also serves an RSA certificate, so its DHE-RSA suites negotiate, with
    the 1024-bit DH group of RFC 2409 as ``ssl_dhparam`` and OpenSSL's security level lowered
    in ``ssl_ciphers`` so nginx loads it: every suite name stays one the profile allows."""

    kind: Literal["nginx_dh_group"]
    seclevel: int = 1

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        conf = sbx.var(host, "nginx_conf")
        begin, end = "        # golive fault: nginx_dh_group\n", "        # golive fault end\n"
        lower = f"ssl_ciphers @SECLEVEL={self.seclevel}:"
        block = ""
        if inject:
            crt, key = pki.issue(
                sbx.path("pki"), f"fault-{host}-rsa", [sbx.env.inventory.public.hostname],
                rsa_bits=2048,
            )  # fmt: skip
            dhparam = sbx.path("pki", "fault-dh1024.pem")
            dhparam.write_bytes(_dh_pem())
            block = (
                f"{begin}        ssl_certificate {crt};\n        ssl_certificate_key {key};\n"
                f"        ssl_dhparam {dhparam};\n{end}"
            )

        def edit(text: str) -> str:
            if not inject:
                text = re.sub(re.escape(begin) + ".*?" + re.escape(end), "", text, flags=re.S)
                return text.replace(lower, "ssl_ciphers ", 1)
            if begin in text:
                return text
            anchor = "        ssl_session_tickets off;\n"
            if anchor not in text or "ssl_ciphers " not in text:
                raise SandboxError(f"{conf}: no ssl_session_tickets and ssl_ciphers to edit")
            return text.replace(anchor, anchor + block, 1).replace("ssl_ciphers ", lower, 1)

        edit_in_place(conf, edit)
        signal_service(sbx, host, "nginx")
        address = sbx.address(host)
        _wait(
            f"{host}: nginx {'offering' if inject else 'no longer offering'} DHE",
            lambda: bool(_served(address, 443, ciphers="DHE-RSA-AES128-GCM-SHA256")) == inject,
        )


# Runs as the fault's service: answers every datagram, as a UDP service answering a probe.
_UDP_SERVICE = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(b"golive fault service\\r\\n", peer)
"""


def _udp_answers(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(b"ping", (address, port))
            return bool(s.recv(1024))
        except OSError:
            return False


class UdpService(FaultAction):
    """A UDP service on the host's address, answering every datagram, and a firewall rule
    opening its port to everyone (at the top of the input chain)."""

    kind: Literal["udp_service"]
    port: int = Field(gt=1023, lt=65536)

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        address = sbx.address(host)
        rule = NftRule(kind="nft_rule", rule=f"ip daddr {address} udp dport {self.port} accept")
        pidfile = sbx.pidfile(host, f"udp-{self.port}")
        if not inject:
            rule.apply(sbx, host, False)
            stop(pidfile)
            return
        cmd = ["python3", "-c", _UDP_SERVICE, address, str(self.port)]
        spawn(cmd, pidfile, sbx.log(host, f"udp-{self.port}"), user="nobody", cwd=Path("/tmp"))
        _wait(
            f"{host}: UDP service on {address}:{self.port}",
            lambda: _udp_answers(address, self.port),
        )
        rule.apply(sbx, host, True)


# Runs as the fault's relay: every connection to the listening address goes on to ``to``.
_RELAY = """
import asyncio, sys
here, port, there, to = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
async def relay(reader, writer):
    try:
        up_reader, up_writer = await asyncio.open_connection(there, to, local_addr=(here, 0))
    except OSError:
        writer.close()
        return
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
async def main():
    server = await asyncio.start_server(relay, here, port)
    await server.serve_forever()
asyncio.run(main())
"""


class TcpForward(FaultAction):
    """A forgotten port forward: a relay on the host's ``port`` to a service ``to``
    ("app2:9100") that the firewall keeps from others, and a rule opening ``port`` to
    everyone (at the top of the input chain)."""

    kind: Literal["tcp_forward"]
    port: int = Field(gt=1023, lt=65536)
    to: str = Field(pattern=r"^[\w.-]+:\d+$")

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        address = sbx.address(host)
        rule = NftRule(kind="nft_rule", rule=f"ip daddr {address} tcp dport {self.port} accept")
        pidfile = sbx.pidfile(host, f"relay-{self.port}")
        if not inject:
            rule.apply(sbx, host, False)
            stop(pidfile)
            return
        there, to = self.to.rsplit(":", 1)
        cmd = ["python3", "-c", _RELAY, address, str(self.port), sbx.address(there), to]
        spawn(cmd, pidfile, sbx.log(host, f"relay-{self.port}"), user="nobody", cwd=Path("/tmp"))
        wait_port(address, self.port, 10, f"{host} relay", pidfile)
        rule.apply(sbx, host, True)
