"""The environment model: configuration as validated data."""
