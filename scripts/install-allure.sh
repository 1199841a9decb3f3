#!/usr/bin/env bash
# Install the Allure CLI (npm allure-commandline 2.x) under tools/allure; idempotent, offline after.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/tools/allure"
bin="$prefix/node_modules/.bin/allure"
if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
    echo "allure $("$bin" --version) already installed at $bin"
    exit 0
fi
command -v npm >/dev/null || { echo "install-allure: npm is required (apt-get install npm)" >&2; exit 1; }
command -v java >/dev/null || { echo "install-allure: java is required (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error allure-commandline@2
echo "allure $("$bin" --version) installed at $bin"
