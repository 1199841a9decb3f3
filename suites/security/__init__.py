"""golive's security checks."""
