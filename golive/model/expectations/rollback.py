"""Expectations of the rollback suite (registered in expectations.SUITES)."""

from __future__ import annotations
