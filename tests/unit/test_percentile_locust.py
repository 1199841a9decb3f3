"""golive's percentile against Locust's own, on the same samples.

Locust runs in a subprocess (importing it patches the interpreter through gevent): each
sample set is logged into a real ``locust.stats.StatsEntry``, which buckets the response
times and answers ``get_response_time_percentile``; golive's
:func:`golive.judge.performance.percentile` answers from a histogram of the raw samples.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter

from golive.model.facts.performance import percentile

QUANTILES = [0.0, 0.01, 0.1, 0.25, 0.29, 0.5, 0.66, 0.75, 0.9, 0.95, 0.98, 0.99, 0.999, 1.0]

LOCUST = """
import json, sys
from locust.stats import RequestStats

out = []
for samples, quantiles in json.load(sys.stdin):
    entry = RequestStats().get("golive", "GET")
    for ms in samples:
        entry.log(ms, 0)
    out.append([entry.get_response_time_percentile(q) for q in quantiles])
json.dump(out, sys.stdout)
"""


def _sample_sets(seed: int = 21) -> list[list[float]]:
    rng = random.Random(seed)
    sets: list[list[float]] = [[float(ms) for ms in range(1, 101)], [42.0]]
    for size in (2, 3, 7, 19, 100, 101, 250, 1000, 4999):
        sets.append(
            [round(rng.lognormvariate(4.5, 1.2), rng.choice([0, 1, 3])) for _ in range(size)]
        )
    sets.append([rng.choice([5.0, 95.0, 145.0, 155.0, 995.0, 1050.0, 14500.0]) for _ in range(300)])
    sets.append([rng.uniform(0, 60000) for _ in range(500)])
    return sets


def test_percentile_is_locusts() -> None:
    sets = _sample_sets()
    run = subprocess.run(
        [sys.executable, "-c", LOCUST],
        input=json.dumps([[s, QUANTILES] for s in sets]),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    locust = json.loads(run.stdout)
    for samples, theirs in zip(sets, locust, strict=True):
        histogram = Counter(samples)
        ours = [percentile(histogram, q) for q in QUANTILES]
        assert ours == theirs, f"{len(samples)} samples"
    assert locust[0][QUANTILES.index(0.95)] == 96  # the issue's 100 samples: 1..100 ms
    assert locust[0][QUANTILES.index(0.99)] == 100


def test_the_issues_hundred_samples() -> None:
    histogram = Counter(range(1, 101))
    assert (percentile(histogram, 0.95), percentile(histogram, 0.99)) == (96.0, 100.0)
    assert percentile({}, 0.95) == 0.0
