"""The load generator trusts the environment's CA bundle only, as FastHttpUser really builds
its TLS context (geventhttpclient's ``init_ssl_context``, given its default certifi bundle):
before, golive's factory took no ``cafile``, so geventhttpclient loaded every public CA of
certifi into it, once per user (about 0.1 s of CPU each). Run in a child Python, as Locust
runs the plugin (gevent patches the standard library); no network."""

from __future__ import annotations

import subprocess
from pathlib import Path

from load_child import run_in_load_child

CHILD = r"""
import json
from geventhttpclient import connectionpool
from golive_locust import ssl_context

# what FastHttpUser's client does for every user: the factory and geventhttpclient's default CAs
made = [
    connectionpool.init_ssl_context(ssl_context, connectionpool._CA_CERTS) for _ in range(3)
]
print(json.dumps({
    "trusted": [c["subject"] for c in made[0].get_ca_certs()],
    "contexts": len({id(c) for c in made}),
    "verify_mode": int(made[0].verify_mode),
    "check_hostname": made[0].check_hostname,
}))
"""


def test_generator_trusts_only_the_environments_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(tmp_path / "ca.key"), "-out", str(ca), "-days", "1",
         "-subj", "/CN=golive test CA"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    out = run_in_load_child(tmp_path, CHILD, ca_bundle=str(ca))
    assert out["trusted"] == [[[["commonName", "golive test CA"]]]]
    assert out["contexts"] == 1  # one context for every user: the bundle is loaded once
    assert out["verify_mode"] == 2 and out["check_hostname"] is True  # CERT_REQUIRED
