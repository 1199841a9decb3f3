"""Expectation sections of expectations.yml, one module per suite."""
