#!/usr/bin/env bash
# Runs Kisei's whole test suite on any machine with the .NET 10 SDK and Node.js: first it installs
# what the tests need and the machine lacks (Debian's Chromium for the browser tests, the npm
# packages), then it runs `dotnet test Kisei.sln`. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '== %s\n' "$*"; }
fail() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is missing: install the .NET 10 SDK (see global.json), then run ./test.sh again."
command -v npm >/dev/null 2>&1 || fail "npm is missing: install Node.js with npm (apt-get install nodejs npm), then run ./test.sh again."

chromium=/usr/bin/chromium
if [ -x "$chromium" ]; then
  say "Chromium: $("$chromium" --version 2>/dev/null | head -n 1)"
else
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo)
  else
    fail "the browser tests need Debian's Chromium at $chromium, and this account can install it only as root or with sudo. Run 'sudo apt-get install chromium' (or this script as root), then run ./test.sh again."
  fi
  say "Chromium: installing Debian's package (apt-get install chromium)"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium" ] || fail "apt-get installed chromium, but $chromium is not there."
  say "Chromium: $("$chromium" --version 2>/dev/null | head -n 1)"
fi

say "npm packages (htmx, the Japanese web font, the private PostgreSQL binaries)"
npm ci --prefix Kisei.Web --no-audit --no-fund --loglevel=error

say "Tests: dotnet test Kisei.sln (PostgreSQL is Kisei's private server, started by the tests)"
exec dotnet test Kisei.sln "$@"
