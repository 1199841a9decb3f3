"""The trading user journey (Locust, FastHttpUser), run by golive's performance suite.

A trader logs in with password and TOTP, then, paced by ``constant_throughput`` (the profile's
``pace`` steps per second; think time is what remains of each interval), runs weighted steps:
reads quotes (12), places an order and reads it back (7), logs in again (1, a new session).
The app has no order-list endpoint, so the journey has no list step. Request names group
URLs by route (``GET /api/quotes/[symbol]``), the names the SLO table uses.

Every request checks its answer (``golive_locust.checked``): its status, a JSON content type,
no error body, the fields the journey needs, and what it sent coming back (the quote is of
the symbol asked for, the order placed and the order read back are the one sent). Any other
answer, an error body with HTTP 200 included, is a failure of that endpoint in Locust's stats.

Run by golive only (``GOLIVE_LOAD_CONFIG``, see golive_locust.py); by hand, see the README.
"""

from __future__ import annotations

import random
from typing import Any

import pyotp
from golive_locust import CONFIG, STEPS, checked, ssl_context
from locust import FastHttpUser, constant_throughput, task


class Trader(FastHttpUser):
    wait_time = constant_throughput(float(CONFIG["pace"]))
    insecure = False
    ssl_context_factory = staticmethod(ssl_context)
    network_timeout = float(CONFIG["timeout"])
    connection_timeout = float(CONFIG["timeout"])
    token = ""

    def on_start(self) -> None:
        self.login()

    def login(self) -> None:
        account: dict[str, Any] = CONFIG["account"]
        body = {
            "username": account["username"],
            "password": account["password"],
            "totp": pyotp.TOTP(account["totp"]).now() if account["totp"] else "",
        }
        with self.client.post(
            "/api/login", json=body, name="/api/login", catch_response=True
        ) as response:
            answer = checked(response, 200, ("token",))
            if answer is not None:
                self.token = str(answer["token"])

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @task(12)
    def quotes(self) -> None:
        STEPS["count"] += 1
        symbol = random.choice(CONFIG["symbols"])
        with self.client.get(
            f"/api/quotes/{symbol}",
            headers=self.headers(),
            name="/api/quotes/[symbol]",
            catch_response=True,
        ) as quote:
            checked(quote, 200, ("bid", "ask"), {"symbol": symbol})

    @task(7)
    def order(self) -> None:
        STEPS["count"] += 1
        order = dict(CONFIG["order"], synthetic=True)
        with self.client.post(
            "/api/orders",
            json=order,
            headers=self.headers(),
            name="/api/orders",
            catch_response=True,
        ) as response:
            placed = checked(response, 201, ("id", "status"), order)
        if placed is None:
            return
        with self.client.get(
            f"/api/orders/{placed['id']}",
            headers=self.headers(),
            name="/api/orders/[id]",
            catch_response=True,
        ) as response:
            checked(response, 200, ("status",), {**order, "id": placed["id"]})

    @task(1)
    def relogin(self) -> None:
        STEPS["count"] += 1
        self.login()
