"""Expectations of the backup suite (registered in expectations.SUITES)."""

from __future__ import annotations
