"""Benchmark locustfile (bench/performance.py): one endpoint as fast as Locust can send it.

Each user logs in once, then reads quotes with no think time, so the request rate is bounded
by the generator or the server, never by pacing. Not a journey: never used to certify.
"""

from __future__ import annotations

import trading as journey  # a module, so Locust does not also run its Trader
from golive_locust import CONFIG, STEPS, ssl_context
from locust import FastHttpUser, constant, task


class QuotesOnly(FastHttpUser):
    wait_time = constant(0)
    insecure = False
    ssl_context_factory = staticmethod(ssl_context)
    network_timeout = float(CONFIG["timeout"])
    connection_timeout = float(CONFIG["timeout"])
    token = ""

    on_start = journey.Trader.on_start
    login = journey.Trader.login
    headers = journey.Trader.headers

    @task
    def quotes(self) -> None:
        STEPS["count"] += 1
        self.client.get(
            f"/api/quotes/{CONFIG['symbols'][0]}",
            headers=self.headers(),
            name="/api/quotes/[symbol]",
        )
