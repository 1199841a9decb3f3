"""Stop or start one sandbox service: ``python -m golive.sandbox.service_ctl stop|start HOST NAME``.

The check user runs it through sudo (see ``sudo_access``) so drills stop and restore a node
the way production does with ``sudo systemctl stop|start``.
"""

from __future__ import annotations

import sys

from golive.model.errors import GoliveError
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.process import stop


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("stop", "start"):
        print("usage: service stop|start HOST NAME", file=sys.stderr)
        return 2
    action, host, name = argv
    try:
        sbx = Sandbox.load()
        lifecycle.enter(sbx)
        svc = lifecycle.service(sbx, host, name)
        if action == "stop":
            stop(svc.pidfile(sbx))
        else:
            lifecycle.start(sbx, [svc])
    except (GoliveError, KeyError) as exc:
        print(f"service: {exc}", file=sys.stderr)
        return 1
    print(f"{host}/{name}: {action}ed" if action == "start" else f"{host}/{name}: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
