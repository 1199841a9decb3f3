"""golive as a pytest plugin: plugins, fixtures and the suites."""
