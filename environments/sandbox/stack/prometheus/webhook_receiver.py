"""The sandbox's alert receiver on mon1: Alertmanager's webhook target.

POST /alerts stores the notification (the last 500, in memory, and one JSON line each in the
log file given); GET /received answers them all as JSON; GET /-/healthy answers 200. Run with
the system's python3 as the prometheus user: ``webhook_receiver.py ADDRESS PORT LOGFILE``.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEEP = 500
RECEIVED = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = "alert-receiver"  # no software version in the Server header
    sys_version = ""

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/-/healthy":
            self._answer(200, {"status": "ok"})
        elif self.path == "/received":
            with LOCK:
                self._answer(200, list(RECEIVED))
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/alerts":
            self._answer(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(min(length, 1 << 20)) or b"null")
        except ValueError:
            self._answer(400, {"error": "not JSON"})
            return
        entry = {"received": time.time(), "notification": body}
        with LOCK:
            RECEIVED.append(entry)
            del RECEIVED[:-KEEP]
        with open(sys.argv[3], "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        self._answer(200, {"status": "stored"})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
