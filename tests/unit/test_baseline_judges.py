"""Judges of the DevSec baseline checks (issue 26): sshd's and nginx's effective
configuration, PostgreSQL's catalog; each finding names the control it answers."""

from __future__ import annotations

from golive.judge import hardening as h
from golive.model.facts import hardening as hf

SSHD_T = """port 22
allowtcpforwarding yes
ciphers chacha20-poly1305@openssh.com,aes128-cbc
hostkey /etc/ssh/ssh_host_ed25519_key
hostkey /etc/ssh/ssh_host_rsa_key
loglevel VERBOSE
"""
CONTROLS = {"allowtcpforwarding": "DevSec sshd-39", "ciphers": "DevSec sshd-01"}


def test_sshd_effective_keeps_every_value_of_a_repeated_keyword() -> None:
    config = h.sshd_effective(SSHD_T)
    assert config["hostkey"] == ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key"]
    assert config["loglevel"] == ["VERBOSE"]


def test_sshd_finding_names_the_control_and_every_context_once() -> None:
    config = h.sshd_effective(SSHD_T)
    found = h.sshd_effective_findings(
        "app1",
        {"global": config, "for user golive from 127.10.0.200": config},
        {"allowtcpforwarding": ["no"], "loglevel": ["verbose"]},
        CONTROLS,
    )
    assert found == [
        "app1: sshd allowtcpforwarding yes (DevSec sshd-39): policy allows no "
        "(global, for user golive from 127.10.0.200)"
    ]


def test_sshd_algorithm_lists_are_judged_entry_by_entry() -> None:
    found = h.sshd_effective_findings(
        "db1",
        {"global": h.sshd_effective(SSHD_T)},
        {"ciphers": ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"]},
        CONTROLS,
    )
    assert found == [
        "db1: sshd ciphers aes128-cbc (DevSec sshd-01): policy allows "
        "chacha20-poly1305@openssh.com, aes256-gcm@openssh.com (global)"
    ]


def test_sshd_unknown_keyword_and_empty_output_fail() -> None:
    found = h.sshd_effective_findings("ns1", {"global": {}}, {"port": ["22"]}, {})
    assert found == ["ns1: sshd -T printed no configuration (global)"]
    found = h.sshd_effective_findings(
        "ns1", {"global": h.sshd_effective(SSHD_T)}, {"protocol": ["2"]}, {}
    )
    assert "sshd protocol is not in sshd's effective configuration (global)" in found[0]


NGINX_T = """# configuration file /etc/nginx/nginx.conf:
user www-data;
http {
    server_tokens off;
    keepalive_timeout 5 5;
    server { keepalive_timeout 75; }
}
"""


def test_nginx_directive_set_wrongly_anywhere_or_not_at_all() -> None:
    found = h.nginx_directive_findings(
        "lb1",
        NGINX_T,
        {"keepalive_timeout": ["5 5"], "server_tokens": ["off"], "send_timeout": ["10"]},
        {"keepalive_timeout": "DevSec nginx-17", "send_timeout": "DevSec nginx-17"},
    )
    assert found == [
        "lb1: nginx keepalive_timeout 75 (DevSec nginx-17): policy allows 5 5",
        "lb1: nginx send_timeout (DevSec nginx-17) is not set (nginx's default applies); "
        "policy allows 10",
    ]
    assert h.nginx_directive_findings("lb1", "", {"user": ["www-data"]}, {}) == [
        "lb1: nginx -T printed no directive"
    ]


def test_pg_catalog_findings_name_their_controls() -> None:
    facts = hf.PgCatalog(
        languages={"internal": False, "c": False, "sql": True, "plpgsql": True, "plperlu": False},
        admin_roles={"postgres": "SUPERUSER", "trading_app": "CREATEROLE"},
        definer_functions=["public.grant_all(text)"],
        authid_readers=["postgres", "auditor"],
        public_grants=["SELECT on orders"],
        grant_options=["golive_qa: SELECT on quotes"],
    )
    controls = {
        "untrusted_languages": "DevSec postgres-04",
        "definer_functions": "DevSec postgres-19",
    }
    found = h.pg_catalog_findings(
        "db1",
        facts,
        ["internal", "c", "sql", "plpgsql"],
        ["internal", "c"],
        ["postgres"],
        [],
        [],
        "trading_app",
        controls,
    )
    assert found[0].startswith("db1: language plperlu is untrusted (DevSec postgres-04)")
    assert "db1: language plperlu is installed; policy allows" in found[1]
    assert "db1: role trading_app is CREATEROLE; only postgres may be" in found
    assert (
        "db1: SECURITY DEFINER function public.grant_all(text) (DevSec postgres-19) is "
        "executable by trading_app: it runs with its owner's rights" in found
    )
    assert any("role auditor may read pg_authid" in f for f in found)
    assert any("PUBLIC holds SELECT on orders" in f for f in found)
    assert any("golive_qa: SELECT on quotes WITH GRANT OPTION" in f for f in found)
    clean = hf.PgCatalog({"sql": True}, {"postgres": "SUPERUSER"}, [], ["postgres"], [], [])
    assert h.pg_catalog_findings("db1", clean, ["sql"], [], ["postgres"], [], [], "a", {}) == []


def test_pg_setting_finding_ends_with_its_control() -> None:
    settings = hf.PgSettings("trading_app", "trading", {"log_connections": ("off", "default")})
    assert h.pg_setting_findings(
        "db1", settings, {"log_connections": "on"}, {"log_connections": "DevSec postgres-16"}
    ) == [
        "db1: setting log_connections is off, expected on (role trading_app in database "
        "trading) (DevSec postgres-16)"
    ]


def test_nginx_loading_a_packaged_default_fails() -> None:
    text = NGINX_T + "# configuration file /etc/nginx/sites-enabled/default:\nlisten 80;\n"
    found = h.nginx_directive_findings(
        "lb1",
        text,
        {"server_tokens": ["off"]},
        {"forbidden_files": "DevSec nginx-03"},
        ["*/sites-enabled/default"],
    )
    assert found == [
        "lb1: nginx loads /etc/nginx/sites-enabled/default (DevSec nginx-03): a packaged "
        "default configuration must not be loaded"
    ]


def test_pg_version_outside_the_supported_releases_fails() -> None:
    def facts(version: str) -> hf.PgCatalog:
        return hf.PgCatalog({}, {}, [], [], [], [], version=version)

    def judged(version: str) -> list[str]:
        return h.pg_catalog_findings(
            "db1", facts(version), [], [], ["postgres"], [], [], "a", {"version": "X-2"}, [15]
        )

    assert judged("15.10 (Debian 15.10-0+deb12u1)") == []
    assert judged("12.4") == ["db1: PostgreSQL 12.4 (X-2): policy allows the supported releases 15"]
    assert judged("15rc1")[0].startswith("db1: PostgreSQL 15rc1 (X-2)")


def test_missing_header_names_its_control() -> None:
    found = h.missing_header_findings(
        "lb1: https://x/", [("Server", "nginx")], ["X-Frame-Options"], {"X-Frame-Options": "N-8"}
    )
    assert found == ["lb1: https://x/: response lacks the X-Frame-Options header (N-8)"]


def test_ssh_offer_findings_read_both_directions_and_the_banner() -> None:
    offer = {
        "kexalgorithms": ["curve25519-sha256", "kex-strict-s-v00@openssh.com"],
        "ciphers": ["aes256-ctr"],
        "ciphers_c2s": ["aes256-ctr", "aes128-cbc"],
        "macs": ["hmac-sha2-256"],
    }
    allowed = {"kexalgorithms": ["curve25519-sha256"], "ciphers": ["aes256-ctr"]}
    controls = {"ciphers": "DevSec sshd-01", "debianbanner": "DevSec sshd-47"}
    found = h.ssh_offer_findings(
        "mon1", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", offer, allowed, "Debian", controls
    )
    assert found == [
        "mon1: sshd offers ciphers aes128-cbc (DevSec sshd-01) in its handshake; policy "
        "allows aes256-ctr",
        "mon1: sshd's version string 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' "
        "(DevSec sshd-47) names the operating system's release",
    ]
    assert h.ssh_offer_findings("a", "SSH-2.0-OpenSSH_9.2p1", offer, {}, "Debian", {}) == []


def test_moduli_smaller_than_the_policy_fail() -> None:
    controls = {"modulifile": "DevSec sshd-48"}
    assert h.moduli_findings("a", "/etc/ssh/moduli", "2048\n3072\n", 2048, controls) == []
    assert h.moduli_findings("a", "/m", "1536\n1024\n2048\n", 2048, controls) == [
        "a: sshd's ModuliFile /m (DevSec sshd-48) holds Diffie-Hellman groups of 1024, 1536 "
        "bits; at least 2048 allowed"
    ]
    assert h.moduli_findings("a", "/m", "", 2048, {}) == [
        "a: sshd's ModuliFile /m lists no Diffie-Hellman group"
    ]
