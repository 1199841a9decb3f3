"""The trading user journey (Locust, FastHttpUser), run by golive's performance suite.

A trader logs in with password and TOTP, then, paced by ``constant_throughput`` (the profile's
``pace`` steps per second; think time is what remains of each interval), runs weighted steps:
reads quotes (12), places an order and reads it back (7), logs in again (1, a new session).
The app has no order-list endpoint, so the journey has no list step. Request names group
URLs by route (``GET /api/quotes/[symbol]``), the names the SLO table uses.

Run by golive only (``GOLIVE_LOAD_CONFIG``, see golive_locust.py); by hand, see the README.
"""

from __future__ import annotations

import random
from typing import Any

import pyotp
from golive_locust import CONFIG, STEPS, ssl_context
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
            if response.status_code == 200 and response.json().get("token"):
                self.token = response.json()["token"]
                response.success()
            else:
                response.failure(f"login answered HTTP {response.status_code}")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @task(12)
    def quotes(self) -> None:
        STEPS["count"] += 1
        symbol = random.choice(CONFIG["symbols"])
        self.client.get(
            f"/api/quotes/{symbol}", headers=self.headers(), name="/api/quotes/[symbol]"
        )

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
        ) as placed:
            if placed.status_code != 201:
                placed.failure(f"order answered HTTP {placed.status_code}")
                return
            order_id = placed.json()["id"]
        self.client.get(f"/api/orders/{order_id}", headers=self.headers(), name="/api/orders/[id]")

    @task(1)
    def relogin(self) -> None:
        STEPS["count"] += 1
        self.login()
