"""golive's checks, one package per suite marker."""
