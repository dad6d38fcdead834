#!/usr/bin/env bash
# The contact-ban simulator beside `make demo`: waits until the demo server answers (the demo database is
# then migrated and loaded), then posts alarms to it at a low rate in real time, so that the RLC and BOPS
# alarm consoles are alive. A new seed each start gives new alarm ids (the same seed is answered duplicate).
#   scripts/demo-simulator.sh [URL]        (BIN: the virtualenv's bin directory, default .venv/bin)
set -uo pipefail
BIN=${BIN:-.venv/bin}
URL=${1:-http://127.0.0.1:8000}
RATE=${EM_SIM_ALARMS_PER_HOUR:-40}
for _ in $(seq 1 180); do
  "$BIN/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/', timeout=2)" "$URL" \
    >/dev/null 2>&1 && break
  sleep 1
done
echo "Simulator: $RATE alarms per hour to $URL (consoles: /larmkonsol/ as rlc.syd or bops.syd)"
exec "$BIN/bitrade" em simulate --cases 3 --alarms-per-hour "$RATE" --hours 24 --speed 1 --seed "$(date +%s)" \
  --url "$URL" >/dev/null
