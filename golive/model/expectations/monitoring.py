"""Expectations of the monitoring suite (registered in expectations.SUITES)."""

from __future__ import annotations
