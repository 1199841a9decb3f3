"""The application build under certification as the app nodes serve it (golive/probe/release.py):
one build, nodes that disagree, a node that did not answer."""

from __future__ import annotations

from golive.probe.release import summarize

SHA = "bedd5a5e2015" + "0" * 52
OLD = "0123456789ab" + "1" * 52


def node(version: str | None, sha: str | None, error: str = "") -> dict:
    return {"version": version, "sha256": sha, **({"error": error} if error else {})}


def test_every_node_serving_one_build_agrees():
    app = summarize({"app1": node("1.5.0", SHA), "app2": node("1.5.0", SHA)}, "1.5.0")
    assert (app["version"], app["sha256"], app["agree"]) == ("1.5.0", SHA, True)
    assert app["line"] == "1.5.0 (build bedd5a5e2015) on app1, app2"


def test_nodes_that_disagree_are_shown_and_no_version_is_claimed():
    app = summarize({"app1": node("1.5.0", SHA), "app2": node("1.4.0", OLD)}, "1.5.0")
    assert (app["version"], app["sha256"], app["agree"]) == (None, None, False)
    assert app["line"] == "app nodes disagree: app1 1.5.0 (bedd5a5e2015), app2 1.4.0 (0123456789ab)"


def test_a_node_that_did_not_answer_is_recorded_as_such():
    down = "app2: http://127.10.0.12:8080/version did not answer: connection refused"
    app = summarize({"app1": node("1.5.0", SHA), "app2": node(None, None, down)}, "1.5.0")
    assert app["version"] == "1.5.0" and app["agree"] is False
    assert app["nodes"]["app2"]["error"] == down
    assert app["line"].endswith(f"; not asked: {down}")
    nobody = summarize({"app1": node(None, None, "host app1 unreachable: ssh")}, "1.5.0")
    assert nobody["line"].startswith("not known: no app node answered")
