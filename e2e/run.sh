#!/usr/bin/env bash
# The browser test: serves a bench site on 127.0.0.1 only, runs e2e/ with pytest in headless Chromium
# (Debian's chromium, driven by Playwright), then stops the server it started.
#
# Usage: e2e/run.sh [--bench DIR] [--site SITE] [--port N] [--screenshots [DIR]] [-- PYTEST ARGS...]
#   --bench        the bench directory       (default: $RELANCE_BENCH, else ~/frappe-bench)
#   --site         a site with erpnext and relance_app installed and ERPNext's setup done
#                  (default: $RELANCE_SITE, else relance.test). The test adds a user, a customer and an
#                  invoice (cancelled at the end) to it.
#   --port         the port to serve on      (default: $RELANCE_E2E_PORT, else a free one)
#   --screenshots  also take the README screenshots into DIR (default: docs/screenshots). This adds a
#                  small data set and switches the site to French formats and Europe/Paris: use a
#                  throw-away site.
# Environment: PYTHON (the interpreter that runs pytest; playwright is pip-installed into it if missing),
# RELANCE_ADMIN_PASSWORD (default admin), RELANCE_CHROMIUM (default /usr/bin/chromium).
# Exit status: pytest's (0 when every test passed or was skipped, e.g. without chromium).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${RELANCE_BENCH:-$HOME/frappe-bench}"
SITE="${RELANCE_SITE:-relance.test}"
PORT="${RELANCE_E2E_PORT:-}"
PYTHON="${PYTHON:-python3}"
SCREENSHOTS=""
PYTEST_ARGS=()

while [ $# -gt 0 ]; do
	case "$1" in
		--bench) BENCH="$2"; shift 2 ;;
		--site) SITE="$2"; shift 2 ;;
		--port) PORT="$2"; shift 2 ;;
		--screenshots)
			if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then SCREENSHOTS="$2"; shift 2; else SCREENSHOTS="$REPO/docs/screenshots"; shift; fi ;;
		--) shift; PYTEST_ARGS+=("$@"); break ;;
		*) PYTEST_ARGS+=("$1"); shift ;;
	esac
done

BENCH="$(cd "$BENCH" 2>/dev/null && pwd)" || { echo "e2e: no bench directory"; exit 2; }
if [ ! -x "$BENCH/env/bin/python" ] || [ ! -d "$BENCH/sites/$SITE" ]; then
	echo "e2e: $BENCH is not a bench with a site $SITE"
	exit 2
fi

if ! "$PYTHON" -c "import playwright.sync_api" >/dev/null 2>&1; then
	echo "e2e: installing the Python package playwright (its own browser downloads are never used)"
	"$PYTHON" -m pip install -q "playwright>=1.40,<2" >/dev/null 2>&1 || echo "e2e: pip install playwright failed"
fi

if [ -z "$PORT" ]; then
	PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
URL="http://127.0.0.1:$PORT"
LOG="$(mktemp -t relance-e2e-server.XXXXXX.log)"
ARTIFACTS="${RELANCE_E2E_ARTIFACTS:-$(mktemp -d -t relance-e2e-artifacts.XXXXXX)}"

# Frappe's WSGI app under werkzeug, bound to 127.0.0.1 (`bench serve` would listen on every interface).
(cd "$BENCH/sites" && exec "$BENCH/env/bin/python" "$REPO/e2e/serve.py" "$SITE" "$PORT") >"$LOG" 2>&1 &
SERVER_PID=$!
stop_server() {
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
}
trap stop_server EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

ready=0
for _ in $(seq 1 120); do
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		break
	fi
	if "$PYTHON" -c "import sys, urllib.request; sys.exit(b'pong' not in urllib.request.urlopen('$URL/api/method/ping', timeout=2).read())" >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.5
done
if [ "$ready" != 1 ]; then
	echo "e2e: the web server did not answer on $URL; its log:"
	tail -n 40 "$LOG"
	exit 1
fi
echo "e2e: serving $SITE on $URL (pid $SERVER_PID)"

cd "$REPO"
RELANCE_E2E_URL="$URL" RELANCE_BENCH="$BENCH" RELANCE_SITE="$SITE" RELANCE_E2E_ARTIFACTS="$ARTIFACTS" \
	RELANCE_E2E_SCREENSHOTS="$SCREENSHOTS" \
	"$PYTHON" -m pytest "$REPO/e2e" -p no:cacheprovider "${PYTEST_ARGS[@]}"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "e2e: screenshots of failing pages in $ARTIFACTS; server log: $LOG"
	tail -n 20 "$LOG"
fi
exit "$rc"
