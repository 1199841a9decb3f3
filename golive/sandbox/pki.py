"""The sandbox's certificate authority and the certificates it issues."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from golive.model.errors import SandboxError

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _write_key(key: Key, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SandboxError(f"{path} is not an EC private key (the sandbox's PKI makes only those)")
    return key


GENERATION = "2"  # bump when the shape of issued certificates changes: all are reissued


def ensure_ca(pki: Path) -> None:
    """Create the sandbox CA once; an older generation's CA and certificates are replaced."""
    marker = pki / "generation"
    if (pki / "ca.crt").exists() and marker.exists() and marker.read_text() == GENERATION:
        return
    for old in [*pki.glob("*.crt"), *pki.glob("*.key")]:
        old.unlink()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "golive sandbox CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_key(key, pki / "ca.key")
    (pki / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    marker.write_text(GENERATION)


def issue(
    pki: Path,
    stem: str,
    names: list[str],
    *,
    valid_from_days: int = -1,
    valid_days: int = 365,
    curve: type[ec.EllipticCurve] = ec.SECP256R1,
    rsa_bits: int | None = None,
) -> tuple[Path, Path]:
    """Issue a server certificate for DNS names / IP addresses; returns (cert, key) paths.
    The key is on ``curve``, or RSA of ``rsa_bits`` when given."""
    ca_key = _load_key(pki / "ca.key")
    ca_cert = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
    key: Key = (
        rsa.generate_private_key(65537, rsa_bits) if rsa_bits else ec.generate_private_key(curve())
    )
    sans: list[x509.GeneralName] = []
    for n in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_from_days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    crt, keyfile = pki / f"{stem}.crt", pki / f"{stem}.key"
    _write_key(key, keyfile)
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return crt, keyfile
