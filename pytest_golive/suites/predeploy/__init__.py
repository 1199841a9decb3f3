"""golive's predeploy checks."""
