"""An HTTP answer as a finding says it (issue 19): never a raw HTML error page."""

from __future__ import annotations

from golive.probe.http import said

NGINX_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


def test_an_html_error_page_is_its_status_line_and_title() -> None:
    assert said(502, "Bad Gateway", "text/html", NGINX_502) == (
        "HTTP 502 Bad Gateway (an HTML page: 502 Bad Gateway)"
    )


def test_html_without_a_content_type_or_title_is_still_never_printed() -> None:
    page = "<!DOCTYPE html><html><body><h1>Oops</h1>" + "x" * 500 + "</body></html>"
    assert said(500, "Internal Server Error", "", page) == (
        "HTTP 500 Internal Server Error (an HTML page)"
    )


def test_other_bodies_are_kept_short() -> None:
    assert said(503, "", "application/json", '{"error":"unavailable"}') == (
        'HTTP 503: {"error":"unavailable"}'
    )
    assert said(401, "Unauthorized", "text/plain", "no " * 100, limit=9) == (
        "HTTP 401 Unauthorized: no no no ..."
    )
    assert said(204, "No Content", "", "") == "HTTP 204 No Content"
