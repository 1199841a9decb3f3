"""A process document as the environment names it (``process_evidence``): an http(s) URL,
fetched within the section's timeout, or a path on the controller, read only as
golive/model/documents.py confines it. Both are bounded by ``max_document_bytes`` and hashed
as they are read; neither ever raises: a document that cannot be had is None and the reason,
which completes "<document> ..."."""

from __future__ import annotations

import hashlib
import time
from email.utils import parsedate_to_datetime

import requests

from golive.model.documents import CHUNK, Document, Refused, confinement, is_url
from golive.model.environment import Environment
from golive.model.expectations.monitoring import ProcessEvidence


def fetch(
    where: str, timeout: float, limit: int, verify: str | bool = True, limit_key: str = ""
) -> tuple[Document | None, str]:
    """The document at an http(s) URL, streamed: at most ``limit`` bytes (the setting
    ``limit_key``), within ``timeout`` per read and twice that in all; TLS verified against
    ``verify`` (a CA bundle's path, or the system's)."""
    deadline, digest, body = time.monotonic() + 2 * timeout, hashlib.sha256(), bytearray()
    limit_key = limit_key or "max_document_bytes"
    try:
        with requests.get(where, timeout=timeout, stream=True, verify=verify) as response:
            if response.status_code != 200:
                return None, f"answered HTTP {response.status_code}"
            for chunk in response.iter_content(CHUNK):
                digest.update(chunk)
                body += chunk
                if len(body) > limit:
                    return None, f"is more than {limit_key} ({limit})"
                if time.monotonic() > deadline:
                    return None, f"took more than {2 * timeout:g} s to fetch"
            modified = response.headers.get("Last-Modified")
    except requests.RequestException as exc:
        return None, f"could not be fetched ({type(exc).__name__})"
    try:
        mtime = parsedate_to_datetime(modified).timestamp() if modified else None
    except (TypeError, ValueError):
        mtime = None  # an unreadable date: the age is unknown, as without one
    return Document(where, bytes(body), digest.hexdigest(), mtime), ""


def read(environment: Environment, where: str) -> tuple[Document | None, str]:
    """The document ``where`` names (a URL, or a path read only inside the environment's
    roots), or None and why not."""
    spec = environment.expectation(ProcessEvidence)
    if is_url(where):
        return fetch(where, spec.timeout_s, spec.max_document_bytes)
    try:
        return confinement(environment.path, environment.inventory, spec).read(where), ""
    except Refused as exc:
        return None, f"is never read: it {exc}"
    except FileNotFoundError:
        return None, "does not exist"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
