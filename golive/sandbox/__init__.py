"""The embedded sandbox: a real miniature of the trading deployment in a network namespace."""
