"""Run code in a child Python beside golive's Locust plugin (load/), as Locust runs it:
gevent patches the standard library when the plugin is imported, so the unit tests never
import it themselves."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

LOAD = Path(__file__).resolve().parents[2] / "load"


def run_in_load_child(tmp_path: Path, code: str, **config: Any) -> Any:
    """The last line ``code`` prints, parsed as JSON; the plugin's config file holds
    ``config`` beside an empty resolve map and no progress or summary file."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"resolve": {}, "progress": "", "summary": "", **config}))
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=LOAD,
        env={"GOLIVE_LOAD_CONFIG": str(path), "PYTHONPATH": str(LOAD)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])
