"""The verdict as a JUnit test case, ``golive verdict``, so that a CI test view shows it: red on
NO-GO (the blockers are its failure message) even when no check ran; green on GO; green with a
``verdict`` property and the reasons as system-out on CONDITIONAL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from golive.gate.verdict import Verdict
from golive.report.files import WriteError, write_atomic
from golive.report.redact import Redactor

NAME = "golive verdict"


def _suite(root: ET.Element) -> ET.Element:
    if root.tag == "testsuite":
        return root
    suite = root.find("testsuite")
    if suite is None:
        suite = ET.SubElement(root, "testsuite", {"name": "golive", "tests": "0"})
    return suite


def _bump(suite: ET.Element, key: str) -> None:
    suite.set(key, str(int(suite.get(key, "0") or 0) + 1))


def verdict_case(verdict: Verdict, redactor: Redactor) -> ET.Element:
    """The ``golive verdict`` test case of a verdict."""
    case = ET.Element("testcase", {"classname": "golive", "name": NAME, "time": "0"})
    props = ET.SubElement(case, "properties")
    ET.SubElement(props, "property", {"name": "verdict", "value": verdict.decision})
    ET.SubElement(
        props, "property", {"name": "scope", "value": redactor.text(verdict.scope.line())}
    )
    lines = [redactor.text(line) for line in verdict.lines()]
    if verdict.decision == "NO-GO":
        blockers = [redactor.text(b.line()) for b in verdict.blockers]
        message = f"NO-GO: {'; '.join(blockers)}"
        failure = ET.SubElement(case, "failure", {"message": message, "type": "NO-GO"})
        failure.text = "\n".join(lines)
    elif verdict.decision == "CONDITIONAL":
        notes = [f"condition: {f.line()}" for f in verdict.conditions]
        notes += [f"waived: {f.line()}" for f in verdict.waived]
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join([*lines, *(redactor.text(n) for n in notes)])
    return case


def add_verdict(path: Path, verdict: Verdict, redactor: Redactor) -> None:
    """Add the ``golive verdict`` test case to the JUnit XML at ``path`` (written by pytest;
    nothing to do when there is none); WriteError when it cannot be read or written."""
    if not path.is_file():
        return
    try:
        root = safe_xml.fromstring(path.read_bytes())  # one XML reader for every file
    except (OSError, ET.ParseError, DefusedXmlException) as exc:
        raise WriteError(path, f"cannot add the verdict to it: {exc}") from None
    suite = _suite(root)
    for old in suite.findall(f"testcase[@name='{NAME}']"):
        suite.remove(old)
    suite.append(verdict_case(verdict, redactor))
    _bump(suite, "tests")
    if verdict.decision == "NO-GO":
        _bump(suite, "failures")
    if root is not suite and root.get("tests") is not None:
        _bump(root, "tests")
        if verdict.decision == "NO-GO":
            _bump(root, "failures")
    text = ET.tostring(root, encoding="unicode")
    write_atomic(path, '<?xml version="1.0" encoding="utf-8"?>' + text + "\n")
