"""Hardening judge: what services' configurations name, file modes, headers (no network)."""

from __future__ import annotations

from golive.judge import hardening as hj
from golive.judge.hardening import Named
from golive.model.facts.hardening import FileFacts, PgSettings

NGINX = r"""
# main file
user www-data;
error_log /var/log/nginx/error.log warn;
http {
    access_log /var/log/nginx/access.log;   # trailing comment
    include conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
    server {
        listen 443 ssl;
        ssl_certificate     /etc/ssl/certs/site.crt;
        ssl_certificate_key "/etc/ssl/private/site key.pem";
        ssl_password_file   keys/pass.txt;
        location /admin { auth_basic "x"; auth_basic_user_file /etc/nginx/.htpasswd; }
        location /up { proxy_pass https://up; proxy_ssl_certificate_key data:-----BEGIN; }
        access_log off;
        access_log syslog:server=10.0.0.1;
        access_log /var/log/$host/access.log;
        error_log stderr;
        # ssl_certificate_key /etc/ssl/private/commented.pem;
    }
}
"""


def test_nginx_directives_tokenize_quotes_comments_and_blocks() -> None:
    directives = hj.nginx_directives(NGINX)
    assert ("ssl_certificate_key", ("/etc/ssl/private/site key.pem",)) in directives
    assert ("auth_basic", ("x",)) in directives
    assert not any("commented" in a for _, args in directives for a in args)


def test_nginx_paths_secrets_logs_includes_and_what_cannot_be_checked() -> None:
    found = hj.nginx_paths(NGINX, "/etc/nginx/nginx.conf", "/etc/nginx")
    assert [n.path for n in found.secrets] == [
        "/etc/ssl/private/site key.pem",
        "/etc/nginx/keys/pass.txt",  # relative to the main file's directory
        "/etc/nginx/.htpasswd",
    ]
    assert found.secrets[0].origin == "ssl_certificate_key in /etc/nginx/nginx.conf"
    assert [n.path for n in found.log_dirs] == ["/var/log/nginx", "/var/log/nginx"]
    assert found.includes == ["/etc/nginx/conf.d/*.conf", "/etc/nginx/sites-enabled/*"]
    assert any("embeds the secret" in p for p in found.unchecked_secrets)
    assert any("$host" in p for p in found.unchecked_logs)


def test_nginx_included_file_resolves_against_the_main_directory() -> None:
    found = hj.nginx_paths("ssl_certificate_key k.pem;", "/etc/nginx/conf.d/a.conf", "/etc/nginx")
    assert found.secrets == [
        Named("/etc/nginx/k.pem", "ssl_certificate_key in /etc/nginx/conf.d/a.conf")
    ]


SERVER_XML = """<?xml version="1.0"?>
<Server port="-1">
  <GlobalNamingResources>
    <Resource name="UserDatabase" pathname="conf/tomcat-users.xml" />
  </GlobalNamingResources>
  <Service name="Catalina">
    <Connector port="8443" SSLEnabled="true">
      <SSLHostConfig><Certificate certificateKeyFile="${catalina.base}/conf/tls/key.pem"
        certificateFile="conf/tls/cert.pem" /></SSLHostConfig>
    </Connector>
    <Engine name="Catalina"><Host name="localhost">
      <Valve className="org.apache.catalina.valves.AccessLogValve" directory="/var/log/x" />
      <Valve className="org.apache.catalina.valves.AccessLogValve" />
      <Valve className="org.apache.catalina.valves.ErrorReportValve" />
    </Host></Engine>
  </Service>
</Server>"""


def test_tomcat_paths_from_server_xml_and_logging_properties() -> None:
    logging = {
        "1catalina.org.apache.juli.AsyncFileHandler.directory": "${catalina.base}/logs",
        "2localhost.org.apache.juli.AsyncFileHandler.directory": "${catalina.home}/logs",
        "handlers": "x",
    }
    found = hj.tomcat_paths(SERVER_XML, logging, "/srv/tomcat")
    assert [n.path for n in found.secrets] == [
        "/srv/tomcat/conf/tomcat-users.xml",
        "/srv/tomcat/conf/tls/key.pem",
    ]
    assert [n.path for n in found.log_dirs] == [
        "/var/log/x",
        "/srv/tomcat/logs",
        "/srv/tomcat/logs",
    ]
    assert any("catalina.home" in p for p in found.unchecked_logs)


def test_tomcat_unparseable_server_xml_leaves_nothing_checkable() -> None:
    found = hj.tomcat_paths("<Server", {}, "/srv/tomcat")
    assert found.unchecked_secrets and found.unchecked_logs
    assert not found.secrets and not found.log_dirs


def test_tomcat_server_xml_entities_are_refused_not_expanded() -> None:
    """The host's server.xml goes through defusedxml: an entity (a billion-laughs bomb, an
    external file) is refused with a sentence, never expanded into a path."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "logs"><!ENTITY b "&a;&a;">]>'
        '<Server><Valve className="x.AccessLogValve" directory="&b;"/></Server>'
    )
    found = hj.tomcat_paths(bomb, {}, "/srv/tomcat")
    assert not found.log_dirs
    assert found.unchecked_logs == [
        "/srv/tomcat/conf/server.xml declares an XML entity or external reference, which golive "
        "does not expand (EntitiesForbidden)"
    ]


def test_properties_and_postgres_paths() -> None:
    props = hj.properties_paths({"audit.log": "/var/log/app/audit.log"}, ["audit.log", "x"], "/a")
    assert props.log_dirs == [Named("/var/log/app", "audit.log in /a")]
    assert props.unchecked_logs == ["x is not set in /a: its log cannot be checked"]
    pg = hj.postgres_paths(
        {
            "data_directory": "/pg",
            "ssl_key_file": "server.key",
            "logging_collector": "on",
            "log_directory": "log",
        }
    )
    assert [n.path for n in pg.secrets] == ["/pg/server.key"]
    assert [n.path for n in pg.log_dirs] == ["/pg/log"]
    assert not hj.postgres_paths({"data_directory": "/pg", "logging_collector": "off"}).log_dirs


def facts(path: str, mode: int, user: str = "root", is_dir: bool = False) -> FileFacts:
    return FileFacts(path, mode, user, user, is_dir)


def test_mode_findings() -> None:
    key = "/k (ssl_certificate_key in n.conf)"
    assert hj.mode_findings("lb1", key, facts("/k", 0o600), 0o600, ["root"]) == []
    assert hj.mode_findings("lb1", key, facts("/k", 0o644), 0o600, ["root"]) == [
        f"lb1: {key} has mode 0644 (world-readable); at most 0600 allowed"
    ]
    assert hj.mode_findings("lb1", "/k", facts("/k", 0o640, "www"), 0o600, ["root"]) == [
        "lb1: /k has mode 0640; at most 0600 allowed",
        "lb1: /k is owned by www; expected root",
    ]
    assert hj.mode_findings("lb1", "/k", None, 0o600) == [
        "lb1: /k does not exist (or is not visible to the check user)"
    ]


def test_ancestors_world_writable_without_sticky_bit() -> None:
    assert hj.ancestors("/a/b/c.key") == ["/", "/a", "/a/b"]
    dirs = {"/": facts("/", 0o755), "/a": facts("/a", 0o1777), "/a/b": facts("/a/b", 0o777)}
    assert hj.ancestor_findings("h", "/a/b/c.key", "/a/b/c.key", dirs) == [
        "h: /a/b, a directory above /a/b/c.key, is world-writable (mode 0777): "
        "anyone can replace what it holds"
    ]


def test_log_dir_findings() -> None:
    named = Named("/var/log/app", "audit.log in /a")
    ok = facts("/var/log/app", 0o755, "app", True)
    assert hj.log_dir_findings("app2", named, ok, [], 0o755, 0o644) == []
    bad = facts("/var/log/app", 0o777, "app", True)
    wide = [facts("/var/log/app/audit.log", 0o666, "app")]
    assert hj.log_dir_findings("app2", named, bad, wide, 0o755, 0o644) == [
        "app2: log directory /var/log/app (audit.log in /a) has mode 0777 (world-writable); "
        "at most 0755 allowed",
        "app2: /var/log/app/audit.log in log directory /var/log/app (audit.log in /a) has "
        "mode 0666 (world-writable); at most 0644 allowed",
    ]
    assert hj.log_dir_findings("app2", named, facts("/var/log/app", 0o644), [], 0o755, 0o644) == [
        "app2: log directory /var/log/app (audit.log in /a) is not a directory"
    ]


def test_disclosure_and_missing_headers() -> None:
    headers = [("Server", "Apache Tomcat/10.1.6"), ("x-powered-by", "Servlet/6.0"), ("Date", "1.2")]
    assert hj.disclosure_findings("app2: u", headers, ["Server", "X-Powered-By"], r"/\d") == [
        "app2: u: Server header 'Apache Tomcat/10.1.6' discloses a version",
        "app2: u: x-powered-by header 'Servlet/6.0' discloses a version",
    ]
    assert hj.disclosure_findings("lb1: u", [("Server", "nginx")], ["Server"], r"/\d") == []
    assert hj.missing_header_findings(
        "lb1: u", [("x-frame-options", "DENY")], ["X-Frame-Options", "CSP"]
    ) == ["lb1: u: response lacks the CSP header"]


def _pg(**scopes: dict[str, str]) -> PgSettings:
    server = {"password_encryption": ("scram-sha-256", "configuration file"), "ssl": ("on", "x")}
    return PgSettings("trading_app", "trading", server, **scopes)


WANTED = {"password_encryption": "scram-sha-256", "ssl": "on"}


def test_postgres_settings_as_the_application_role_sees_them() -> None:
    """PostgreSQL's precedence: role in database > role > database > server."""
    assert hj.pg_setting_findings("db1", _pg(), WANTED) == []
    assert hj.pg_setting_findings("db1", _pg(role_only={"password_encryption": "md5"}), WANTED) == [
        "db1: setting password_encryption is md5 for role trading_app in database trading "
        "(ALTER ROLE trading_app SET), expected scram-sha-256"
    ]
    db_md5 = _pg(database_only={"password_encryption": "md5"})
    assert "(ALTER DATABASE trading SET)" in hj.pg_setting_findings("db1", db_md5, WANTED)[0]
    # the more specific level wins, both ways
    fixed = _pg(
        role_in_database={"password_encryption": "scram-sha-256"},
        role_only={"password_encryption": "md5"},
    )
    assert hj.pg_setting_findings("db1", fixed, WANTED) == []
    broken = _pg(
        role_in_database={"password_encryption": "md5"},
        database_only={"password_encryption": "scram-sha-256"},
    )
    [line] = hj.pg_setting_findings("db1", broken, WANTED)
    assert "(ALTER ROLE trading_app IN DATABASE trading SET)" in line


def test_postgres_server_setting_and_what_cannot_be_read() -> None:
    server = {"password_encryption": ("md5", "configuration file")}
    settings = PgSettings("trading_app", "trading", server)
    assert hj.pg_setting_findings("db1", settings, WANTED) == [
        "db1: setting password_encryption is md5, expected scram-sha-256 (role trading_app in "
        "database trading)",
        "db1: setting ssl is not one the server reports (pg_settings)",
    ]
    own = PgSettings("trading_app", "trading", {"ssl": ("on", "user")})
    assert hj.pg_setting_findings("db1", own, {"ssl": "on"}) == [
        "db1: setting ssl could not be read as role trading_app in database trading sees it "
        "(golive's own session has a value of its own, source: user)"
    ]
