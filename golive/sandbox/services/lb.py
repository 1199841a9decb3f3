"""nginx on lb1: TLS termination and round robin to the app hosts."""

from __future__ import annotations

from golive.sandbox import pki
from golive.sandbox.context import Sandbox
from golive.sandbox.process import tls_answers
from golive.sandbox.render import render
from golive.sandbox.services import Service

PORT = 443
PROTOCOLS = "TLSv1.2 TLSv1.3"


def command(sbx: Sandbox, host: str) -> list[str]:
    return ["nginx", "-c", str(sbx.var(host, "nginx_conf")), "-e", str(sbx.log(host, "nginx"))]


def prepare(sbx: Sandbox, host: str, protocols: str = PROTOCOLS) -> None:
    base = sbx.var(host, "nginx_conf").parent
    for sub in ("logs", "tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    names = [sbx.env.inventory.public.hostname]
    cert, key = sbx.path("pki", "public.crt"), sbx.path("pki", "public.key")
    if not cert.exists():
        cert, key = pki.issue(sbx.path("pki"), "public", names)
    render(
        sbx.stack / "nginx" / "nginx.conf",
        sbx.var(host, "nginx_conf"),
        run=sbx.path("run"),
        logs=base / "logs",
        tmp=base / "tmp",
        cert=cert,
        key=key,
        protocols=protocols,
    )


def services(sbx: Sandbox) -> list[Service]:
    return [
        Service(host, "nginx", PORT, prepare, command, answers=tls_answers)
        for host in sbx.env.hosts_with_role("lb")
    ]
