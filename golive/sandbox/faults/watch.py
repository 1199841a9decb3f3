"""Fault actions on what ``golive watch`` reads: an edit of Prometheus's configuration whose
effect shows only in the series Prometheus holds (a ``metric_relabel_configs`` drop keeps the
target up and every rule loaded), reloaded, and waited for in an instant query's answer."""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import urlencode

from golive.sandbox.context import Sandbox
from golive.sandbox.faults.monitoring import ReloadEdit, _get
from golive.sandbox.services.monitoring import PROMETHEUS_PORT


class SeriesEdit(ReloadEdit):
    """:class:`ReloadEdit` of Prometheus whose ``marker`` shows in the answer to ``query``
    (injecting waits until it is gone, or there with ``appears``; healing the reverse, then
    every target up and every rule evaluated)."""

    kind: Literal["series_edit"]  # type: ignore[assignment]
    service: Literal["prometheus"] = "prometheus"
    query: str

    def _shown(self, sbx: Sandbox, host: str) -> bool:
        base = f"http://{sbx.address(host)}:{PROMETHEUS_PORT}"
        answer = _get(f"{base}/api/v1/query?{urlencode({'query': self.query})}")
        return self.marker in json.dumps(answer)
