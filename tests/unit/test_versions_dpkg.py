"""golive's version ordering and constraints against ``dpkg --compare-versions`` itself.

A seeded corpus of Debian versions (epochs, ``~`` pre-releases, ``+`` and letters, revisions
like ``1~deb12u2``, leading zeros) and near neighbours of each; every pair is compared by dpkg
in one shell run (two ``dpkg`` calls per pair, no Python per pair) and by
:func:`golive.model.versions.satisfies` with each operator.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from golive.model.versions import satisfies

PAIRS = 300
DPKG_OPS = ("<", "<=", "==", "!=", ">=", ">")


def _version(rng: random.Random) -> str:
    def chunk() -> str:
        kind = rng.random()
        if kind < 0.6:
            return str(rng.choice([0, 0, 1, 2, 9, 10, 11, 17, 100]))
        if kind < 0.7:
            return "0" + str(rng.randint(0, 9))  # leading zero: 01 == 1
        return rng.choice(["a", "b", "rc", "p", "deb", "~", "~rc", "+", "+b", "."]) + str(
            rng.randint(0, 3)
        )

    upstream = str(rng.randint(0, 20))
    for _ in range(rng.randint(0, 4)):
        upstream += rng.choice([".", ".", "", "~", "+"]) + chunk()
    epoch = f"{rng.choice([1, 2])}:" if rng.random() < 0.15 else ""
    revision = ""
    if rng.random() < 0.5:
        revision = "-" + str(rng.randint(0, 3)) + rng.choice(["", "~deb12u1", "~deb12u2", "+b1"])
    return epoch + upstream + revision


def _neighbour(rng: random.Random, version: str) -> str:
    """A version close to ``version``: one edit that may or may not change its order."""
    edits = [
        lambda v: v + "~rc1",
        lambda v: v + "+1",
        lambda v: v + ".0",
        lambda v: v + "-1" if "-" not in v else v.replace("-", "-0"),
        lambda v: "0:" + v if ":" not in v else v,
        lambda v: v.replace("~", "", 1),
        lambda v: v.replace(".", ".0", 1),
        lambda v: v,
    ]
    return rng.choice(edits)(version)


def _corpus(seed: int = 21) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = [("1.0~rc1", "1.0"), ("17.5", "17"), ("17.9", "17"), ("3.0.11-1~deb12u2", "3.0.11-1")]
    while len(pairs) < PAIRS:
        a = _version(rng)
        pairs.append((a, _neighbour(rng, a) if rng.random() < 0.6 else _version(rng)))
    return pairs


def test_constraints_order_versions_as_dpkg_does() -> None:
    dpkg = shutil.which("dpkg")
    if dpkg is None:
        pytest.fail("no dpkg on this machine: golive and its self-test run on Debian")
    pairs = _corpus()
    # one line per pair: dpkg's answer (exit status) to "lt" and to "eq"; the other four
    # relations follow from those two
    script = "\n".join(
        f"{dpkg} --compare-versions '{a}' lt '{b}'; printf $?; "
        f"{dpkg} --compare-versions '{a}' eq '{b}'; echo $?"
        for a, b in pairs
    )
    run = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    answers = run.stdout.splitlines()
    assert len(answers) == len(pairs)
    seen = set()
    for (a, b), line in zip(pairs, answers, strict=True):
        assert line in ("01", "10", "11"), f"dpkg cannot compare {a} with {b}: {run.stderr}"
        lt, eq = line[0] == "0", line[1] == "0"
        dpkg_says = {
            "<": lt, "<=": lt or eq, "==": eq, "!=": not eq, ">=": not lt, ">": not (lt or eq)
        }  # fmt: skip
        golive_says = {op: satisfies(a, f"{op}{b}") for op in DPKG_OPS}
        assert golive_says == dpkg_says, f"{a} vs {b}"
        seen.add(line)
    assert len(seen) == 3, "the corpus holds pairs that are lower, equal and higher"
