"""Benchmark locustfile (bench/performance.py): one endpoint as fast as Locust can send it.

Each user logs in once, then reads quotes with no think time, so the request rate is bounded
by the generator or the server, never by pacing. Not a journey: never used to certify.
``QuotesOnly`` sends the request bare (no check of its answer: Locust's own per-request cost);
``bench_journey.py`` runs the journey's own quote step on the same user (every answer
checked), so the two side by side show what golive's journey adds per request.
"""

from __future__ import annotations

import trading as journey  # a module, so Locust does not also run its Trader
from golive_locust import CONFIG, STEPS, ssl_context
from locust import FastHttpUser, constant, task


class QuotesUser(FastHttpUser):
    """The journey's login and headers, TLS verified, no think time; the task is a subclass's."""

    abstract = True
    wait_time = constant(0)
    insecure = False
    ssl_context_factory = staticmethod(ssl_context)
    network_timeout = float(CONFIG["timeout"])
    connection_timeout = float(CONFIG["timeout"])
    token = ""

    on_start = journey.Trader.on_start
    login = journey.Trader.login
    headers = journey.Trader.headers


class QuotesOnly(QuotesUser):
    @task
    def quotes(self) -> None:
        STEPS["count"] += 1
        self.client.get(
            f"/api/quotes/{CONFIG['symbols'][0]}",
            headers=self.headers(),
            name="/api/quotes/[symbol]",
        )
