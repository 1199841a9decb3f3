"""An HTTP client for the environment's public surface.

It resolves names through the environment's own DNS server, trusts only the environment's
CA bundle (never ``REQUESTS_CA_BUNDLE`` or proxies from the process environment), and sends
from the environment's probe source address (``probe.source``) when it declares one. A request
that gets no answer raises :class:`~golive.probe.failures.ConnectionFailure`: one sentence
naming the inventory host and the cause (golive/probe/failures.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import requests
from requests.adapters import HTTPAdapter

from golive.model.environment import Environment
from golive.probe import failures


class Resolver:
    """Look up A records through one DNS server (or the system's when none is given), each
    lookup within ``timeout`` seconds."""

    def __init__(self, server: str | None, timeout: float) -> None:
        self._resolver = dns.resolver.Resolver(configure=server is None)
        if server is not None:
            self._resolver.nameservers = [server]
        self._resolver.lifetime = timeout

    @lru_cache(maxsize=64)  # noqa: B019 - one resolver per run, few names
    def addresses(self, name: str) -> tuple[str, ...]:
        answer = self._resolver.resolve(name, "A")
        return tuple(sorted(r.address for r in answer))


class EnvironmentAdapter(HTTPAdapter):
    """Connect to the address the environment's DNS gives, keep the name for SNI and Host."""

    def __init__(
        self,
        resolver: Resolver,
        source_address: str | None,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        self._resolver = resolver
        self._source = (source_address, 0) if source_address else None
        self._hosts = dict(hosts or {})  # address -> inventory host name
        super().__init__(max_retries=0)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send; a request that gets no answer raises ConnectionFailure (one sentence), at
        once where the same endpoint timed out earlier in the run (failures.hung)."""
        _, name, port = self._where(request, resolved=False)
        if (hung := failures.hung(None, f"{name}:{port}")) is not None:
            url = urlsplit(request.url or "")
            line = f"{request.method} {url.path or '/'}"
            raise failures.ConnectionFailure(failures.again(hung), line)
        try:
            return super().send(request, **kwargs)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise self._failure(request, exc, kwargs.get("timeout")) from exc
        except dns.exception.DNSException as exc:
            raise self._failure(request, exc, kwargs.get("timeout")) from exc

    def _failure(
        self, request: requests.PreparedRequest, exc: BaseException, timeout: Any
    ) -> failures.ConnectionFailure:
        url = urlsplit(request.url or "")
        host, name, port = self._where(request, not isinstance(exc, dns.exception.DNSException))
        seconds = timeout if isinstance(timeout, int | float) else None
        if isinstance(timeout, tuple):
            seconds = max((t for t in timeout if isinstance(t, int | float)), default=None)
        cause = failures.note(failures.from_exception(exc, host, name, port, seconds))
        return failures.ConnectionFailure(cause, f"{request.method} {url.path or '/'}")

    def _where(self, request: requests.PreparedRequest, resolved: bool) -> tuple[str, str, int]:
        """The inventory host (the name when none, or when it is not ``resolved`` yet: a
        DNS failure), name and port a request goes to."""
        url = urlsplit(request.url or "")
        name = url.hostname or "?"
        port = url.port or (443 if url.scheme == "https" else 80)
        host = name
        if resolved:  # resolved already: cached
            with contextlib.suppress(dns.exception.DNSException, IndexError):
                host = self._hosts.get(self._resolver.addresses(name)[0], name)
        return host, name, port

    def host_of(self, name: str) -> str | None:
        """The inventory host a name resolves to (through the environment's DNS), if any."""
        with contextlib.suppress(dns.exception.DNSException, IndexError):
            return self._hosts.get(self._resolver.addresses(name)[0])
        return None

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._source:
            kwargs["source_address"] = self._source
        super().init_poolmanager(*args, **kwargs)

    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        params, kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host_params: dict[str, Any] = dict(params)
        pool_kwargs: dict[str, Any] = dict(kwargs)
        name = host_params["host"]
        host_params["host"] = self._resolver.addresses(name)[0]
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = name
            pool_kwargs["assert_hostname"] = name
        return host_params, pool_kwargs


def said(status: int, reason: str, content_type: str, text: str, limit: int = 200) -> str:
    """An HTTP answer as a finding says it: the status line, and for an HTML page (an error
    page of a proxy: nginx's 502) its title, never the page; other bodies cut at ``limit``."""
    line = f"HTTP {status} {reason}".rstrip()
    body = text.strip()
    if "html" in content_type.lower() or body.lower().startswith(("<!doctype", "<html")):
        title = re.search(r"<title[^>]*>(.*?)</title>", body, re.I | re.S)
        name = " ".join(title.group(1).split()) if title else ""
        return f"{line} (an HTML page{': ' + name[:limit] if name else ''})"
    if not body:
        return line
    return f"{line}: {body[:limit]}{'...' if len(body) > limit else ''}"


def session(env: Environment) -> requests.Session:
    """A requests session bound to the environment's DNS, CA bundle and vantage point."""
    public = env.inventory.public
    source = env.inventory.probe.source
    s = requests.Session()
    s.trust_env = False
    s.verify = str(public.ca_bundle) if public.ca_bundle else True
    adapter = EnvironmentAdapter(
        Resolver(str(public.resolver) if public.resolver else None, public.timeout),
        str(source) if source else None,
        {str(h.address): name for name, h in env.inventory.hosts.items()},
    )
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    return s
