"""golive's integration checks."""
