"""The sandbox's generated secrets: account passwords, TOTP seeds, database passwords."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

import yaml

NAMES = (
    "trader_password",
    "admin_password",
    "db_qa_password",
    "db_app_password",
    "session_secret",
    "lockout_password",
)
TOTP_NAMES = ("trader_totp", "admin_totp", "lockout_totp")
PBKDF2_ITERATIONS = 20000


def ensure(path: Path) -> dict[str, str]:
    """Load the secrets file, creating it (mode 0600) with fresh random values for any name
    it lacks (a sandbox created before a secret was added gains it on the next ``up``)."""
    values: dict[str, str] = yaml.safe_load(path.read_text()) if path.exists() else {}
    missing = [n for n in (*NAMES, *TOTP_NAMES) if n not in values]
    if not missing:
        return values
    for name in missing:
        values[name] = (
            base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
            if name in TOTP_NAMES
            else secrets.token_urlsafe(18)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(values, out)
    return values


def password_hash(password: str, salt: bytes | None = None) -> str:
    """The application's password hash format: pbkdf2_sha256$ITER$SALT_B64$HASH_B64."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    b64 = base64.b64encode
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"
