"""Fault actions on the load generator (the performance suite's Locust processes)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.model.errors import SandboxError
from golive.model.expectations.performance import Performance
from golive.probe.locust import Cgroup
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction
from golive.sandbox.process import spawn, stop


class GeneratorCpu(FaultAction):
    """Starve the load generator: cap its control group (``performance.generator.cgroup``)
    at ``cores`` CPUs and start a CPU-bound neighbour in it, in a child group of the lowest
    weight, so the generator gets the CPU it asks for first but the group as a whole runs at
    its cap and is throttled (all its processes stall until the next period). The group's
    own weight is raised meanwhile, so that a machine busy with other work does not keep it
    under its cap. Healing stops the neighbour, lifts the cap and restores the weight."""

    kind: Literal["generator_cpu"]
    cores: float = Field(gt=0)

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        spec = sbx.env.expectations.get(Performance)
        if spec is None or spec.generator.cgroup is None:
            raise SandboxError("expectations name no performance.generator.cgroup to starve")
        group = Cgroup(spec.generator.cgroup).ensure()
        neighbour = Cgroup(f"{spec.generator.cgroup}/neighbour").ensure()
        pidfile = sbx.pidfile(host, "generator-neighbour")
        # the weight files: the group's own (high while starved, so that a machine busy with
        # other work cannot keep it below its cap) and the neighbour's (the lowest)
        weight, lowest, high, normal = (
            ("cpu.weight", "1", "10000", "100")
            if group.v2
            else ("cpu.shares", "2", "102400", "1024")
        )
        if not inject:
            stop(pidfile)
            group.set_quota(None)
            (group.path / weight).write_text(f"{normal}\n")
            return
        group.set_quota(self.cores)
        (group.path / weight).write_text(f"{high}\n")
        (neighbour.path / weight).write_text(f"{lowest}\n")
        cmd = ["python3", "-c", "while True: pass"]
        log = sbx.log(host, "generator-neighbour")
        neighbour.add(spawn(cmd, pidfile, log, user="nobody", cwd=Path("/")))
