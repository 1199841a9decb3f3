"""Judge configuration hardening: who may read a secret or write a log, the paths services name
in their own configuration, and the headers HTTP servers send.

Pure functions. The readers take a configuration's text (nginx, Tomcat's server.xml and
logging.properties, an application's properties, PostgreSQL's settings) and return the
secrets and log directories it names; the judges take file facts (``stat``) and headers and
return finding lines ("lb1: /etc/nginx/tls.key (ssl_certificate_key in ...) has mode 0644
(world-readable); at most 0600 allowed"), empty when all is well.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from golive.model.facts.hardening import FileFacts, PgCatalog, PgSettings


@dataclass(frozen=True)
class Named:
    """A path a service's configuration names, and where it names it."""

    path: str
    origin: str  # "ssl_certificate_key in /etc/nginx/nginx.conf"

    def __str__(self) -> str:
        return f"{self.path} ({self.origin})"


@dataclass
class ConfigPaths:
    """What one configuration names: secret files, log directories, files it includes, and
    the secrets and logs it names that cannot be judged (a path built from a variable, a key
    inlined in the file, a configuration that cannot be read)."""

    secrets: list[Named] = field(default_factory=list)
    log_dirs: list[Named] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)  # shell patterns, absolute
    unchecked_secrets: list[str] = field(default_factory=list)
    unchecked_logs: list[str] = field(default_factory=list)

    @classmethod
    def unreadable(cls, reason: str) -> ConfigPaths:
        """Nothing of this configuration can be judged, neither its secrets nor its logs."""
        return cls(unchecked_secrets=[reason], unchecked_logs=[reason])

    def extend(self, other: ConfigPaths) -> None:
        self.secrets += other.secrets
        self.log_dirs += other.log_dirs
        self.includes += other.includes
        self.unchecked_secrets += other.unchecked_secrets
        self.unchecked_logs += other.unchecked_logs


def _absolute(path: str, base: str) -> str:
    return posixpath.normpath(posixpath.join(base, path))


# --- nginx -----------------------------------------------------------------------------------

_NGINX_TOKEN = re.compile(
    r"""\#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[{};]|(?:\$\{[^}]*\}|[^\s{};"'])+"""
)
# directives naming a file whose content is secret (keys, their passwords, user databases)
NGINX_SECRETS = {
    "ssl_certificate_key",
    "proxy_ssl_certificate_key",
    "grpc_ssl_certificate_key",
    "uwsgi_ssl_certificate_key",
    "ssl_password_file",
    "proxy_ssl_password_file",
    "ssl_session_ticket_key",
    "auth_basic_user_file",
}


def nginx_directives(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every simple directive of an nginx configuration, in order: (name, arguments).
    Blocks are flattened (a directive counts wherever it appears); comments dropped."""
    out: list[tuple[str, tuple[str, ...]]] = []
    words: list[str] = []
    for token in _NGINX_TOKEN.findall(text):
        if token.startswith("#"):
            continue
        if token in ("{", "}", ";"):
            if token == ";" and words:
                out.append((words[0], tuple(words[1:])))
            words = []
            continue
        if token[0] in "\"'" and token[-1] == token[0] and len(token) > 1:
            token = re.sub(r"\\(.)", r"\1", token[1:-1])
        words.append(token)
    return out


def nginx_paths(text: str, config: str, conf_dir: str) -> ConfigPaths:
    """Secrets, log directories and includes named by one nginx configuration file
    (``config``, the main file or one it includes). Relative secret and include paths are
    nginx's: relative to ``conf_dir``, the main file's directory."""
    found = ConfigPaths()
    for name, args in nginx_directives(text):
        if not args:
            continue
        value, origin = args[0], f"{name} in {config}"
        if name == "include":
            found.includes.append(_absolute(value, conf_dir))
        elif name in NGINX_SECRETS:
            if value.startswith("data:"):
                found.unchecked_secrets.append(f"{origin} embeds the secret in the configuration")
            elif value.startswith("engine:"):
                continue  # held by a crypto engine (an HSM), not in a file
            elif "$" in value:
                found.unchecked_secrets.append(f"{origin} names {value}: a variable, not checkable")
            else:
                found.secrets.append(Named(_absolute(value, conf_dir), origin))
        elif name in ("access_log", "error_log"):
            if value in ("off", "stderr") or value.split(":", 1)[0] in ("syslog", "memory"):
                continue
            folder = posixpath.dirname(value)
            if "$" in folder or not value.startswith("/"):
                found.unchecked_logs.append(
                    f"{origin} names {value}: its directory depends on nginx's prefix or a "
                    "variable, cannot be checked"
                )
            else:
                found.log_dirs.append(Named(posixpath.normpath(folder), origin))
    return found


# --- Tomcat ----------------------------------------------------------------------------------

# attributes of server.xml elements naming a private key, a keystore or a password store
TOMCAT_SECRETS = {
    "certificateKeyFile",
    "certificateKeystoreFile",
    "keystoreFile",
    "certificateKeystorePasswordFile",
    "certificateKeyPasswordFile",
}
_ACCESS_LOG = re.compile(r"AccessLogValve$")


def _catalina(value: str, base: str) -> str:
    return value.replace("${catalina.base}", base)


def tomcat_paths(server_xml: str, logging_properties: Mapping[str, str], base: str) -> ConfigPaths:
    """Secrets and log directories named by a Tomcat instance's ``conf/server.xml`` (key
    and keystore files, the user database, access log valves) and ``conf/logging.properties``
    (its handlers' directories), relative paths resolved against CATALINA_BASE."""
    found = ConfigPaths()
    server = posixpath.join(base, "conf", "server.xml")
    try:
        # the host's file: defusedxml refuses entity expansion and external references
        root = safe_xml.fromstring(server_xml)
    except ParseError as exc:
        return ConfigPaths.unreadable(f"{server} cannot be parsed: {exc}")
    except DefusedXmlException as exc:
        return ConfigPaths.unreadable(
            f"{server} declares an XML entity or external reference, which golive does not "
            f"expand ({type(exc).__name__})"
        )

    def resolved(value: str, origin: str, unchecked: list[str]) -> str | None:
        value = _catalina(value, base)
        if "${" in value:
            unchecked.append(f"{origin} names {value}: unresolved, cannot be checked")
            return None
        return _absolute(value, base)

    for element in root.iter():
        for attr, value in element.attrib.items():
            secret = attr in TOMCAT_SECRETS or (
                element.tag == "Resource" and attr == "pathname"  # a UserDatabase's users
            )
            if secret:
                origin = f"{element.tag} {attr} in {server}"
                if (path := resolved(value, origin, found.unchecked_secrets)) is not None:
                    found.secrets.append(Named(path, origin))
        if element.tag == "Valve" and _ACCESS_LOG.search(element.get("className", "")):
            origin = f"{element.get('className', '').rsplit('.', 1)[-1]} directory in {server}"
            folder = element.get("directory", "logs")
            if (path := resolved(folder, origin, found.unchecked_logs)) is not None:
                found.log_dirs.append(Named(path, origin))
    logging = posixpath.join(base, "conf", "logging.properties")
    for key, value in logging_properties.items():
        if key.endswith(".directory"):
            origin = f"{key} in {logging}"
            if (path := resolved(value, origin, found.unchecked_logs)) is not None:
                found.log_dirs.append(Named(path, origin))
    return found


# --- application properties and PostgreSQL ---------------------------------------------------


def properties_paths(props: Mapping[str, str], log_keys: Sequence[str], path: str) -> ConfigPaths:
    """The directories of the log files an application's properties name (``audit.log``)."""
    found = ConfigPaths()
    for key in log_keys:
        value = props.get(key)
        if not value:
            found.unchecked_logs.append(f"{key} is not set in {path}: its log cannot be checked")
        elif not value.startswith("/"):
            found.unchecked_logs.append(f"{key} in {path} is relative ({value}): not checkable")
        else:
            found.log_dirs.append(
                Named(posixpath.dirname(posixpath.normpath(value)), f"{key} in {path}")
            )
    return found


def postgres_paths(settings: Mapping[str, str]) -> ConfigPaths:
    """The key file and (with the logging collector on) the log directory of a PostgreSQL
    server, from its own settings (``current_setting``), relative to its data directory."""
    found = ConfigPaths()
    data = settings.get("data_directory", "")
    if settings.get("ssl_key_file"):
        found.secrets.append(Named(_absolute(settings["ssl_key_file"], data), "ssl_key_file"))
    if settings.get("logging_collector") == "on" and settings.get("log_directory"):
        found.log_dirs.append(Named(_absolute(settings["log_directory"], data), "log_directory"))
    return found


def pg_setting_findings(
    host: str,
    settings: PgSettings,
    wanted: Mapping[str, str],
    controls: Mapping[str, str] | None = None,
) -> list[str]:
    """Each declared setting has the value the application's role sees in its database,
    whichever level set it; a setting the environment ties to a baseline control names it."""
    out = []
    who = f"role {settings.role} in database {settings.database}"
    for name, expected in wanted.items():
        ref = control(controls or {}, name)
        seen = settings.effective(name)
        if seen is None and name not in settings.server:
            out.append(f"{host}: setting {name} is not one the server reports (pg_settings)")
            continue
        if seen is None:
            out.append(
                f"{host}: setting {name} could not be read as {who} sees it (golive's own "
                f"session has a value of its own, source: {settings.server[name][1]})"
            )
            continue
        value, origin = seen
        if value == expected:
            continue
        if origin == "the server's setting":
            out.append(f"{host}: setting {name} is {value}, expected {expected} ({who}){ref}")
        else:
            out.append(
                f"{host}: setting {name} is {value} for {who} ({origin}), expected {expected}{ref}"
            )
    return out


# --- file modes ------------------------------------------------------------------------------


def _extra(mode: int, widest: int) -> str:
    beyond = mode & ~widest
    notes = [n for bit, n in ((0o004, "world-readable"), (0o002, "world-writable")) if beyond & bit]
    return f" ({', '.join(notes)})" if notes else ""


def mode_findings(
    host: str, what: str, facts: FileFacts | None, widest: int, owners: Sequence[str] = ()
) -> list[str]:
    """A file (or directory) has no permission bit beyond ``widest`` and, when ``owners``
    are given, one of them owns it."""
    if facts is None:
        return [f"{host}: {what} does not exist (or is not visible to the check user)"]
    found = []
    if facts.mode & 0o777 & ~widest:
        found.append(
            f"{host}: {what} has mode {facts.mode & 0o7777:04o}{_extra(facts.mode, widest)}; "
            f"at most {widest:04o} allowed"
        )
    if owners and facts.user not in owners:
        found.append(f"{host}: {what} is owned by {facts.user}; expected {' or '.join(owners)}")
    return found


def ancestors(path: str) -> list[str]:
    """The directories above ``path``, from the root down."""
    parts = posixpath.normpath(path).split("/")[1:-1]
    return ["/" + "/".join(parts[:i]) for i in range(len(parts) + 1)]


def ancestor_findings(
    host: str, what: str, path: str, facts: Mapping[str, FileFacts | None]
) -> list[str]:
    """No directory above ``path`` lets anyone rename or replace what it holds: none is
    world-writable without the sticky bit."""
    return [
        f"{host}: {above}, a directory above {what}, is world-writable (mode "
        f"{f.mode & 0o7777:04o}): anyone can replace what it holds"
        for above in ancestors(path)
        if (f := facts.get(above)) is not None and f.mode & 0o002 and not f.mode & 0o1000
    ]


def log_dir_findings(
    host: str,
    log_dir: Named,
    facts: FileFacts | None,
    wider: Sequence[FileFacts],
    dir_mode: int,
    file_mode: int,
) -> list[str]:
    """A log directory, and every entry in it, is writable by no one but its owner (as far as
    ``dir_mode`` and ``file_mode`` allow)."""
    what = f"log directory {log_dir}"
    if facts is not None and not facts.is_dir:
        return [f"{host}: {what} is not a directory"]
    found = mode_findings(host, what, facts, dir_mode)
    for entry in wider:
        widest = dir_mode if entry.is_dir else file_mode
        found.append(
            f"{host}: {entry.path} in {what} has mode {entry.mode & 0o7777:04o}"
            f"{_extra(entry.mode, widest)}; at most {widest:04o} allowed"
        )
    return found


# --- headers ---------------------------------------------------------------------------------


def disclosure_findings(
    where: str, headers: Sequence[tuple[str, str]], names: Sequence[str], pattern: str
) -> list[str]:
    """No header among ``names`` (Server, X-Powered-By, ...) carries a version number."""
    wanted = {n.lower() for n in names}
    return [
        f"{where}: {name} header {value!r} discloses a version"
        for name, value in headers
        if name.lower() in wanted and re.search(pattern, value)
    ]


def missing_header_findings(
    where: str,
    headers: Sequence[tuple[str, str]],
    required: Sequence[str],
    controls: Mapping[str, str] | None = None,
) -> list[str]:
    """Every required header is present (a finding names the header's baseline control)."""
    present = {name.lower() for name, _ in headers}
    return [
        f"{where}: response lacks the {h} header{control(controls or {}, h)}"
        for h in required
        if h.lower() not in present
    ]


# --- baselines: what a finding answers -------------------------------------------------------


def control(controls: Mapping[str, str], key: str) -> str:
    """`` (DevSec sshd-39)`` when the environment ties ``key`` to a baseline control."""
    ref = controls.get(key)
    return f" ({ref})" if ref else ""


# --- sshd's effective configuration (sshd -T) ------------------------------------------------


def sshd_effective(text: str) -> dict[str, list[str]]:
    """``sshd -T``'s output: keyword (lower case) -> its values (a keyword such as HostKey or
    ListenAddress appears once per value)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        keyword, _, value = line.strip().partition(" ")
        if keyword:
            out.setdefault(keyword.lower(), []).append(value.strip())
    return out


# keywords whose value is a list of algorithms: each one offered must be allowed
SSHD_ALGORITHM_LISTS = frozenset(
    {
        "ciphers",
        "macs",
        "kexalgorithms",
        "hostkeyalgorithms",
        "pubkeyacceptedalgorithms",
        "hostbasedacceptedalgorithms",
        "casignaturealgorithms",
    }
)


def sshd_effective_findings(
    host: str,
    configs: Mapping[str, Mapping[str, Sequence[str]]],
    allowed: Mapping[str, Sequence[str]],
    controls: Mapping[str, str],
) -> list[str]:
    """Each keyword of the policy has an allowed value in sshd's effective configuration,
    in each context (``configs``: context -> ``sshd -T``'s view; a context says which
    connection sshd evaluated its Match blocks for). An algorithm list's every entry must
    be allowed. A value is reported once, with the contexts it applies in."""
    bad: dict[tuple[str, str], list[str]] = {}
    found = [
        f"{host}: sshd -T printed no configuration ({context})"
        for context, config in configs.items()
        if not config
    ]
    for context, config in configs.items():
        for keyword, values in allowed.items():
            ok = {v.lower() for v in values}
            given = config.get(keyword)
            if config and given is None:
                bad.setdefault((keyword, ""), []).append(context)
                continue
            for value in given or []:
                parts = value.split(",") if keyword in SSHD_ALGORITHM_LISTS else [value]
                wrong = [p for p in parts if p.lower() not in ok]
                if wrong:
                    bad.setdefault((keyword, ",".join(wrong)), []).append(context)
    for (keyword, value), contexts in bad.items():
        ref = control(controls, keyword)
        where = ", ".join(contexts)
        if not value:
            found.append(
                f"{host}: sshd {keyword}{ref} is not in sshd's effective configuration "
                f"({where}): not a keyword this OpenSSH knows"
            )
        else:
            found.append(
                f"{host}: sshd {keyword} {value}{ref}: policy allows {', '.join(allowed[keyword])} "
                f"({where})"
            )
    return found


def moduli_findings(
    host: str, path: str, listing: str, min_bits: int, controls: Mapping[str, str]
) -> list[str]:
    """sshd's ModuliFile holds no Diffie-Hellman group smaller than ``min_bits`` (``listing``:
    the group sizes in bits, one a line; an empty listing is an empty or unreadable file)."""
    sizes = sorted({int(w) for w in listing.split() if w.isdigit()})
    ref = control(controls, "modulifile")
    if not sizes:
        return [f"{host}: sshd's ModuliFile {path}{ref} lists no Diffie-Hellman group"]
    small = [n for n in sizes if n < min_bits]
    if not small:
        return []
    return [
        f"{host}: sshd's ModuliFile {path}{ref} holds Diffie-Hellman groups of "
        f"{', '.join(map(str, small))} bits; at least {min_bits} allowed"
    ]


# --- nginx's effective configuration (nginx -T) ----------------------------------------------


def nginx_directive_findings(
    host: str,
    text: str,
    allowed: Mapping[str, Sequence[str]],
    controls: Mapping[str, str],
    forbidden: Sequence[str] = (),
) -> list[str]:
    """Each directive of the policy is set, and has an allowed value wherever it appears
    (``text``: ``nginx -T``, the main file and every file it includes); no file nginx loads
    matches a ``forbidden`` pattern (packaged defaults: ``*/sites-enabled/default``)."""
    seen = nginx_directives(text)
    if not seen:
        return [f"{host}: nginx -T printed no directive"]
    loaded = re.findall(r"^# configuration file (.+):$", text, re.M)
    found = [
        f"{host}: nginx loads {path}{control(controls, 'forbidden_files')}: a packaged default "
        "configuration must not be loaded"
        for path in loaded
        if any(fnmatch.fnmatch(path, pattern) for pattern in forbidden)
    ]
    for name, values in allowed.items():
        ref = control(controls, name)
        given = [" ".join(args) for directive, args in seen if directive == name]
        if not given:
            found.append(
                f"{host}: nginx {name}{ref} is not set (nginx's default applies); policy "
                f"allows {', '.join(values)}"
            )
        found += [
            f"{host}: nginx {name} {value}{ref}: policy allows {', '.join(values)}"
            for value in dict.fromkeys(given)
            if value not in values
        ]
    return found


# --- PostgreSQL's catalog --------------------------------------------------------------------


def pg_catalog_findings(
    host: str,
    facts: PgCatalog,
    languages: Sequence[str],
    untrusted: Sequence[str],
    admin_roles: Sequence[str],
    definer_allowed: Sequence[str],
    grantors: Sequence[str],
    app_role: str,
    controls: Mapping[str, str],
    versions: Sequence[int] = (),
) -> list[str]:
    """Languages, administrative roles, SECURITY DEFINER functions the application's role may
    execute, readers of pg_authid, grants to PUBLIC and grant options, each against the
    environment's policy."""

    def ref(key: str) -> str:
        return control(controls, key)

    found = []
    if versions:
        major = facts.version.split(".", 1)[0]
        if major not in [str(v) for v in versions] or re.search(
            r"devel|beta|rc\d", facts.version, re.I
        ):
            found.append(
                f"{host}: PostgreSQL {facts.version or '(version unknown)'}{ref('version')}: "
                f"policy allows the supported releases {', '.join(map(str, versions))}"
            )
    found += [
        f"{host}: language {name} is untrusted{ref('untrusted_languages')}: its functions run "
        f"with the server's OS rights; policy allows untrusted {', '.join(untrusted) or 'none'}"
        for name, trusted in facts.languages.items()
        if not trusted and name not in untrusted
    ]
    found += [
        f"{host}: language {name} is installed{ref('languages')}; policy allows "
        f"{', '.join(languages)}"
        for name in facts.languages
        if name not in languages
    ]
    found += [
        f"{host}: role {role} is {attrs}{ref('admin_roles')}; only {', '.join(admin_roles)} may be"
        for role, attrs in facts.admin_roles.items()
        if role not in admin_roles
    ]
    found += [
        f"{host}: SECURITY DEFINER function {fn}{ref('definer_functions')} is executable by "
        f"{app_role}: it runs with its owner's rights"
        for fn in facts.definer_functions
        if fn.split("(", 1)[0] not in definer_allowed
    ]
    found += [
        f"{host}: role {role} may read pg_authid{ref('pg_authid')} (password hashes); only "
        f"{', '.join(admin_roles)} may"
        for role in facts.authid_readers
        if role not in admin_roles
    ]
    found += [
        f"{host}: PUBLIC holds {grant}{ref('public_grants')}: every role may use it"
        for grant in facts.public_grants
    ]
    found += [
        f"{host}: {grant} WITH GRANT OPTION{ref('grant_options')}: it may pass the privilege on"
        for grant in facts.grant_options
        if grant.split(":", 1)[0] not in grantors
    ]
    return found


# what a key exchange offer names that is no algorithm: extension and strict-kex markers
_KEX_MARKERS = ("ext-info-", "kex-strict-")


def ssh_offer_findings(
    host: str,
    banner: str,
    offer: Mapping[str, Sequence[str]],
    allowed: Mapping[str, Sequence[str]],
    banner_forbidden: str | None,
    controls: Mapping[str, str],
) -> list[str]:
    """What sshd offers a client, read from its handshake: every algorithm of a policy's
    list (kexalgorithms, hostkeyalgorithms, ciphers, macs; each direction) is allowed, and its
    version string does not match ``banner_forbidden`` (it names the OS: DebianBanner)."""
    found = []
    for keyword in ("kexalgorithms", "hostkeyalgorithms", "ciphers", "macs"):
        if keyword not in allowed:
            continue
        ok = {v.lower() for v in allowed[keyword]}
        names = [*offer.get(keyword, []), *offer.get(f"{keyword}_c2s", [])]
        extra = [
            n
            for n in dict.fromkeys(names)
            if n.lower() not in ok and not n.startswith(_KEX_MARKERS)
        ]
        if extra:
            found.append(
                f"{host}: sshd offers {keyword} {','.join(extra)}{control(controls, keyword)} "
                f"in its handshake; policy allows {', '.join(allowed[keyword])}"
            )
    if banner_forbidden and re.search(banner_forbidden, banner):
        found.append(
            f"{host}: sshd's version string {banner!r}{control(controls, 'debianbanner')} "
            "names the operating system's release"
        )
    return found
