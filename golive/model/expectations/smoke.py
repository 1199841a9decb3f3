"""Expectation sections of the smoke suite: the application's HTTP surface on its nodes and
the synthetic order placed through the public endpoint. Both are required: the smoke suite is
what every environment runs."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from golive.model.config import Count, Port
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


class SmokeOrder(Section):
    """The synthetic order the smoke (and integration) suite places."""

    key: ClassVar[str] = "smoke_order"
    required: ClassVar[bool] = True

    symbol: str
    side: str = "BUY"
    quantity: Count = 1
    limit_price: float = Field(gt=0, le=1e12)
    account: str = "trader"
