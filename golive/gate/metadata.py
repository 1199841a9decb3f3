"""A check's metadata (severity, plan items, suite, host) and the one rule that gives it.

The rule (also at the top of ``suites.yml`` and in reports/README.md):

1. the explicit marker on the check wins (its closest ``severity`` / ``plan`` marker);
2. otherwise the default of the check's suite applies; the suite is the check's most specific
   suite marker (a sub-suite such as ``tls`` is more specific than ``security``, the suite it is
   ``within``); ``drill``, ``roles`` and other markers are properties, not suites;
3. a check proves exactly one plan item, its suite's, unless it names its own
   (``plan(a, b)``); a check with no suite marker is ``default_severity`` and proves none;
4. two or more equally specific suite markers where a default is needed is an error naming
   the check.

The pytest side reads the markers off the item once, at collection, and hands them to
:func:`resolve`; the result travels from a pytest-xdist worker to the controller as
:meth:`CheckMeta.record`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from golive.gate.plan import Plan, load_plan
from golive.gate.severity import LEVELS, Severity, SuiteDefaults, load_suite_defaults
from golive.model.errors import GoliveError


class MetadataError(GoliveError):
    """A check's markers do not give it valid metadata."""


@dataclass(frozen=True)
class CheckMeta:
    """What the gate knows of a check before it runs."""

    severity: Severity
    plan: tuple[str, ...] = ()
    suite: str | None = None
    host: str | None = None

    def record(self) -> dict[str, Any]:
        """A plain record, for a process boundary (pytest-xdist worker to controller)."""
        return {"severity": self.severity, "plan": list(self.plan), "suite": self.suite,
                "host": self.host}  # fmt: skip

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CheckMeta:
        """The inverse of :meth:`record`; an unknown severity reads as ``critical`` (fail
        closed)."""
        severity = record.get("severity")
        host, suite = record.get("host"), record.get("suite")
        return cls(
            next((level for level in LEVELS if level == severity), "critical"),
            tuple(str(p) for p in record.get("plan") or ()),
            str(suite) if suite is not None else None,
            str(host) if host is not None else None,
        )


UNKNOWN = CheckMeta("critical")
"""A check whose metadata never reached the gate: it weighs as critical (fail closed)."""


def resolve(
    check: str,
    markers: Iterable[str],
    severity: object | None = None,
    plan: tuple[object, ...] | None = None,
    host: str | None = None,
    defaults: SuiteDefaults | None = None,
    items: Plan | None = None,
) -> CheckMeta:
    """Apply the rule to one check: ``markers`` are the names of all its markers;
    ``severity`` and ``plan`` are the arguments of its explicit (closest) severity and plan
    markers, None where it has none."""
    defaults = defaults or load_suite_defaults()
    items = items or load_plan()
    if severity is not None and severity not in LEVELS:
        raise MetadataError(f"{check}: severity({severity!r}) is not one of {', '.join(LEVELS)}")
    if plan is not None:
        if not plan:
            raise MetadataError(f"{check}: plan() names no item of golive/gate/plan.yml")
        for pid in plan:
            if pid not in items:
                raise MetadataError(
                    f"{check}: plan({pid!r}) is not an item of golive/gate/plan.yml "
                    "(`golive plan-coverage` lists the ids)"
                )
    candidates = defaults.candidates(markers)
    suite = candidates[0] if len(candidates) == 1 else None
    if len(candidates) > 1 and (severity is None or plan is None):
        raise MetadataError(
            f"{check}: suite markers {', '.join(candidates)} are equally specific, so it has "
            "no suite default; keep one suite marker, or give it explicit severity(...) and "
            "plan(...)"
        )
    level: Severity = next(
        (lv for lv in LEVELS if lv == severity),
        defaults.suites[suite].severity if suite else defaults.default_severity,
    )
    if plan is not None:
        proves = tuple(str(p) for p in dict.fromkeys(plan))
    else:
        default = defaults.suites[suite].plan if suite else None
        proves = (default,) if default else ()
    return CheckMeta(level, proves, suite, host)
