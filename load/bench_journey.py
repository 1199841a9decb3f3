"""Benchmark locustfile (bench/performance.py): the journey's quote step (``trading.Trader.quotes``:
the request and every check of its answer, ``golive_locust.checked``) with no think time, on
the same user as ``bench_quotes.py``. Not a journey: never used to certify.
"""

from __future__ import annotations

import bench_quotes  # modules, so Locust runs neither QuotesOnly nor Trader here
import trading as journey


class JourneyQuotes(bench_quotes.QuotesUser):
    tasks = [journey.Trader.quotes]
