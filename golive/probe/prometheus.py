"""Prometheus's HTTP API, asked with plain ``requests``.

Why not prometheus-api-client: it pulls pandas and numpy in for what is five JSON GETs, and
it hides the answer's ``status``/``errorType`` and the HTTP status behind exceptions of its
own. golive judges the API's own answer (an error, a warning, an empty result are findings),
and every request has the environment's timeout, so the client is a session that never reads
proxies from the process environment (the sandbox's addresses are namespace-local).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import requests


class PrometheusError(Exception):
    """The API did not answer, or answered with an error: the message says which."""


@dataclass(frozen=True)
class Sample:
    """One number an instant query returned, or why there is none (``value`` None)."""

    value: float | None
    problem: str = ""


class Prometheus:
    """The API of one Prometheus server; every call within ``timeout`` seconds."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, **params: str) -> Any:
        """The ``data`` of a successful API answer; PrometheusError otherwise."""
        url = f"{self.url}{path}"
        try:
            response = self._session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout:
            raise PrometheusError(f"{url} did not answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            reason = str(exc).rsplit(":", 1)[-1].strip(" ')\"") or type(exc).__name__
            raise PrometheusError(f"{url} did not answer ({reason})") from None
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(
                f"{url} answered HTTP {response.status_code} without JSON"
            ) from None
        if response.status_code != 200 or body.get("status") != "success":
            why = body.get("error") or f"HTTP {response.status_code}"
            raise PrometheusError(f"{url} answered {body.get('errorType', 'error')}: {why}")
        return body.get("data")

    def targets(self) -> list[dict[str, Any]]:
        """The active scrape targets."""
        data = self.get("/api/v1/targets", state="active")
        return list(data.get("activeTargets") or [])

    def rules(self) -> list[dict[str, Any]]:
        """Every loaded rule (alerting and recording), with its group's file and evaluation
        interval (seconds)."""
        out = []
        for group in self.get("/api/v1/rules").get("groups") or []:
            for rule in group.get("rules") or []:
                out.append(
                    {
                        **rule,
                        "file": group.get("file", ""),
                        "group": group.get("name"),
                        "interval": group.get("interval"),
                    }
                )
        return out

    def alertmanagers(self) -> dict[str, Any]:
        return dict(self.get("/api/v1/alertmanagers"))

    def runtime(self) -> dict[str, Any]:
        return dict(self.get("/api/v1/status/runtimeinfo"))

    def alerts(self) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/alerts").get("alerts") or [])

    def label_values(self, selector: str, label: str) -> list[str]:
        """The values of ``label`` among the series ``selector`` holds now (an instant query:
        a series a target stopped exporting, or a target no longer scraped, is gone)."""
        data = self.get("/api/v1/query", query=f"count by ({label}) ({selector})")
        if data.get("resultType") != "vector":
            raise PrometheusError(
                f"count by ({label}) ({selector}) gave a {data.get('resultType')}"
            )
        return [str((r.get("metric") or {}).get(label, "")) for r in data.get("result") or []]

    def scalar(self, query: str) -> Sample:
        """One number from an instant query: no series, several series or NaN is a problem,
        never a value (the holes Argo Rollouts issue 4479 and Flagger issue 1098 describe)."""
        try:
            data = self.get("/api/v1/query", query=query)
        except PrometheusError as exc:
            return Sample(None, f"error: {exc}")
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar":
            raw = result[1]
        elif kind == "vector":
            if not result:
                return Sample(None, "no data (the query returned no series)")
            if len(result) > 1:
                return Sample(None, f"{len(result)} series where one number was expected")
            raw = result[0]["value"][1]
        else:
            return Sample(None, f"a {kind} result where one number was expected")
        value = float(raw)
        if math.isnan(value) or math.isinf(value):
            return Sample(None, f"no usable value ({raw})")
        return Sample(value)
