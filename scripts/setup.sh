#!/usr/bin/env bash
# Install everything golive and its sandbox need; idempotent, fast when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "setup: run as root (it installs Debian packages)" >&2; exit 2; }

missing=()
while read -r pkg cmd; do
  case "$pkg" in ''|'#'*) continue ;; esac
  [ -n "${cmd:-}" ] && command -v "$cmd" >/dev/null && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/apt-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # Packaged services must not start in the machine's own namespace: the sandbox runs them.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  trap '[ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The venv's interpreter is Debian's (python3-venv above), whatever python3 comes first on
# PATH: it has libpython linked in, where a build with a shared libpython (pyenv's default)
# calls itself through the PLT. Smoke ran 12-19 % faster on it, interleaved, and it compiles
# a module 35 % faster (bench/RESULTS.md: bench/import_cost.py --python, issue 24).
python=/usr/bin/python3
stamp=.venv/.golive-installed
# what the install depends on: the interpreter, the packages and their folders (setup.py),
# pyproject.toml but the linters' sections (an edit of a lint contract reinstalls nothing)
want=$( ("$python" -c 'import sys; print(sys.version)'; \
  awk '/^\[/{skip=/^\[+tool\.(ruff|mypy|importlinter)/} !skip' pyproject.toml; cat setup.py) \
  | sha256sum | cut -d" " -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the Python environment in .venv ($("$python" -V))"
  "$python" -m venv --clear .venv
  .venv/bin/pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi

[ ! -x scripts/install-allure.sh ] || scripts/install-allure.sh
echo "setup: ok"
