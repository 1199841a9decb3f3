"""A fault that edits the application's configuration file is injected, or healed, only once
the application reads the edit: it re-reads the file at a request, at most once a second
(``Config.get`` in the stack's app). Before, a run started right after ``golive sandbox heal``
could log in within that second and get the fault's 7-day session (the clean-clone CI of
6f588fa: ``properties_escaped_key``'s healed run). Real logins through the load balancer."""

from __future__ import annotations

from golive.model.environment import load_environment
from golive.model.expectations.security import Auth
from golive.probe import http
from golive.sandbox import faults, lifecycle
from golive.sandbox.context import Sandbox
from pytest_golive.fixtures.http import Api

FAULT = "session_ttl_long"  # session.ttl.seconds=604800 on every app node


def test_a_login_right_after_inject_or_heal_reads_the_edit(sandbox: None) -> None:
    sbx = Sandbox.load()
    lifecycle.enter(sbx)
    env = load_environment("sandbox")
    account = env.expectation(Auth).unprivileged_account
    nodes = len(env.hosts_with_role("app"))
    with http.session(env) as client:
        api = Api(env, client)

        def lifetimes() -> set[int]:
            """The session lifetime of a login on each node (round robin), right away."""
            return {api.login(account).json()["expires_in"] for _ in range(2 * nodes)}

        healthy = lifetimes()  # every node has just read its configuration
        faults.inject(sbx, FAULT)
        try:
            assert lifetimes() == {604800}
        finally:
            faults.heal(sbx, FAULT)
        assert lifetimes() == healthy == {900}
