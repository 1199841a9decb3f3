"""Fault actions of a host's clock (issue 25): one host's time moved, the others' left.

Each sandbox host reads its clock through libfaketime and its own control file
(:mod:`golive.sandbox.clock`), re-read while programs run: no service restarts. See
:mod:`.base` for the contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from golive.sandbox import clock
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction


class ClockOffset(FaultAction):
    """The host's clock runs ``seconds`` ahead of the machine's (negative: behind), in its
    login sessions and its services alike; healing puts it back on the machine's."""

    kind: Literal["clock_offset"]
    seconds: int = Field(ge=-86_400, le=86_400)

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        clock.set_offset(sbx, host, self.seconds if inject else 0)
