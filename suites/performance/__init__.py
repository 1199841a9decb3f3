"""golive's performance checks (Locust load against the SLOs)."""
