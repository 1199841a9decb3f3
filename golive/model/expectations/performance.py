"""Expectations of the performance suite (registered in expectations.SUITES)."""

from __future__ import annotations
