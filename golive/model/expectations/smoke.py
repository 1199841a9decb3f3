"""Expectation sections of the smoke suite: the application's HTTP surface on its nodes and
the synthetic order placed through the public endpoint. Both are required: the smoke suite is
what every environment runs."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from golive.model.config import Count, Port, Seconds
from golive.model.expectations.section import Section


class App(Section):
    """The application's HTTP surface on every app node."""

    key: ClassVar[str] = "app"
    required: ClassVar[bool] = True

    port: Port
    health_path: str = "/health"
    version_path: str = "/version"
    version_field: str = Field("version", description="field of the version answer: version")
    build_field: str = Field(
        "build", description="field of the version answer: the build fingerprint"
    )
    health_budget_s: Seconds = Field(
        2.0,
        description="seconds the health answer may take (the smoke suite's health probes, on "
        "each node and through the public URL): one not answered by then is a finding, so a "
        "hung node costs this, not the environment's whole HTTP timeout",
    )


class SmokeOrder(Section):
    """The synthetic order the smoke (and integration) suite places."""

    key: ClassVar[str] = "smoke_order"
    required: ClassVar[bool] = True

    symbol: str
    side: str = "BUY"
    quantity: Count = 1
    limit_price: float = Field(gt=0, le=1e12)
    account: str = "trader"
    request_budget_s: Seconds = Field(
        5.0,
        description="seconds each request of the smoke suite's synthetic order (the login, "
        "placing the order, reading it back) may take through the public URL: one not "
        "answered by then is a finding",
    )
