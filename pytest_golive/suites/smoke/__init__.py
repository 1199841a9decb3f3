"""golive's smoke checks."""
