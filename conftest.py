"""Load golive's pytest plugins and fixtures."""

pytest_plugins = [
    "plugins.environment",
    "plugins.gate",
    "plugins.evidence",
    "fixtures.hosts",
    "fixtures.http",
    "fixtures.db",
    "fixtures.security",
]
