#!/usr/bin/env bash
# The Debian packages `make test` (or, with the argument `run`, `make run`) needs: installed when missing
# if we are root (`apt-get update` once, then `apt-get install`), otherwise it stops and prints the exact
# command to run. Takes well under a second when everything is there: it only looks for files and versions.
#
#   python3 + python3-venv  the virtualenv (Python 3.11 or newer)
#   nodejs + npm            building and checking the web client (Node.js 20.19 or newer: Vite 7)
#   postgresql              test only: the suite's own throwaway PostgreSQL server (not with
#                           STORYLINE_TEST_DATABASES=sqlite)
#   chromium                test only: the browser tests (tests/e2e/), at $STORYLINE_CHROMIUM or /usr/bin/chromium
set -euo pipefail

FOR=${1:-test}

PYTHON=${PYTHON:-python3}
CHROMIUM=${STORYLINE_CHROMIUM:-/usr/bin/chromium}
DATABASES=${STORYLINE_TEST_DATABASES:-sqlite,postgresql}

missing() {
  local need=()
  if ! "$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    need+=(python3 python3-venv)
  fi
  command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
  if [ "$FOR" = test ]; then
    if [[ ",$DATABASES," == *,postgresql,* ]]; then
      compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || need+=(postgresql)
    fi
    [ -x "$CHROMIUM" ] || need+=(chromium)
  fi
  echo "${need[@]}"
}

need=$(missing)
if [ -n "$need" ]; then
  cmd="apt-get update && apt-get install -y --no-install-recommends $need"
  if [ "$(id -u)" -ne 0 ]; then
    echo "make $FOR: missing system packages: $need" >&2
    echo "Install them, then run make $FOR again:" >&2
    echo "    sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "make $FOR: installing the missing system packages: $need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086  # one word per package
  apt-get install -y -q --no-install-recommends $need </dev/null
  still=$(missing)
  if [ -n "$still" ]; then
    echo "make $FOR: still missing after apt-get install: $still" >&2
    exit 1
  fi
fi

# Versions apt cannot fix by itself (Debian 12's nodejs is 18, and its python3 is 3.11).
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "make $FOR: $PYTHON is $("$PYTHON" -V 2>&1); Python 3.11 or newer is needed (make $FOR PYTHON=python3.12, say)" >&2
  exit 1
fi
node_version=$(node -p 'process.versions.node')
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "make $FOR: Node.js $node_version is too old for the web client's build (Vite 7 needs 20.19 or newer):" >&2
  echo "    install Node.js 20 or 22 (Debian 13's nodejs package, or NodeSource's), then run make $FOR again" >&2
  exit 1
fi
