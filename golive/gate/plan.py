"""The deployment plan as data (``plan.yml``): parts, sections and items with dotted ids."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field

from golive.model.config import Strict, load_model
from golive.model.resources import resource

PLAN_FILE = resource("golive.gate", "plan.yml")
_SLUG = r"^[a-z][a-z0-9_]*$"


class ItemSpec(Strict):
    id: str = Field(pattern=_SLUG)
    title: str
    signoff: str | None = None


class SectionSpec(Strict):
    id: str = Field(pattern=_SLUG)
    title: str
    items: list[ItemSpec] = Field(min_length=1)


class PartSpec(Strict):
    id: str = Field(pattern=_SLUG)
    title: str
    sections: list[SectionSpec] = Field(min_length=1)


class PlanSpec(Strict):
    parts: list[PartSpec] = Field(min_length=1)


@dataclass(frozen=True)
class PlanItem:
    """One item of the plan with the titles of its part and section (epic, feature, story)."""

    id: str
    part: str
    section: str
    title: str
    signoff: str | None = None


class Plan:
    """Plan items by id, in plan order."""

    def __init__(self, spec: PlanSpec) -> None:
        self.items: dict[str, PlanItem] = {}
        for part in spec.parts:
            for section in part.sections:
                for item in section.items:
                    pid = f"{part.id}.{section.id}.{item.id}"
                    self.items[pid] = PlanItem(
                        pid, part.title, section.title, item.title, item.signoff
                    )

    def __contains__(self, pid: object) -> bool:
        return pid in self.items

    def __getitem__(self, pid: str) -> PlanItem:
        return self.items[pid]


@cache
def load_plan(path: Path = PLAN_FILE) -> Plan:
    """Load and validate the plan (cached: it is package data)."""
    return Plan(load_model(path, PlanSpec))
