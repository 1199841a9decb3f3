"""golive's monitoring, alerting, logging and process-evidence checks."""
