"""Talking to the world: hosts, HTTP, DNS, scans. Every call has a timeout."""
