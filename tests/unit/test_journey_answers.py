"""Every request of the load journey checks its answer (load/golive_locust.py ``checked``):
an error with HTTP 200, a wrong status, content type or field is a failure of its endpoint.

Locust patches the standard library for gevent when imported, so the plugin is exercised in
a child Python (as Locust runs it), on fake responses: no load, no network."""

from __future__ import annotations

from pathlib import Path

from load_child import run_in_load_child

CASES = r"""
import json
from golive_locust import checked

class Answer:
    def __init__(self, status, body, content_type="application/json; charset=utf-8"):
        self.status_code, self.body = status, body
        self.headers = {"Content-Type": content_type}
        self.error = ConnectionRefusedError() if status == 0 else None
        self.outcome = None
    def json(self):
        return json.loads(self.body)
    def success(self):
        self.outcome = "ok"
    def failure(self, why):
        self.outcome = why

order = {"symbol": "ACME", "side": "BUY", "quantity": 1, "limit_price": 10.5}
read = json.dumps({**order, "id": 7, "limit_price": "10.5000", "status": "NEW"})
cases = {
    "ok": (Answer(200, read), 200, ("status",), {**order, "id": 7}),
    "error_as_200": (Answer(200, '{"error": "unavailable"}'), 200, ("status",), None),
    "status": (Answer(404, "{}"), 200, (), None),
    "html": (Answer(200, "<html>", "text/html"), 200, (), None),
    "not_object": (Answer(200, "[1]"), 200, (), None),
    "missing": (Answer(200, '{"id": 7}'), 200, ("status",), None),
    "differs": (Answer(200, read.replace("ACME", "GLOBX")), 200, (), order),
    "no_answer": (Answer(0, ""), 200, (), None),
}
out = {}
for name, (answer, status, fields, expect) in cases.items():
    body = checked(answer, status, fields, expect)
    out[name] = [answer.outcome, body is not None]
print(json.dumps(out))
"""


def test_every_answer_is_checked_and_an_error_with_http_200_fails(tmp_path: Path) -> None:
    out = run_in_load_child(tmp_path, CASES)
    assert out == {
        "ok": ["ok", True],
        "error_as_200": ["HTTP 200 with an error body: 'unavailable'", False],
        "status": ["HTTP 404, expected 200", False],
        "html": ["content type 'text/html', expected application/json", False],
        "not_object": ["the answer is not a JSON object", False],
        "missing": ["the answer has no status", False],
        "differs": ["the answer's symbol differs from what was sent", False],
        "no_answer": ["no answer: ConnectionRefusedError", False],
    }
