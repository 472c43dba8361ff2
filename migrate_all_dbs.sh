#!/bin/sh
# Migrate the primary database and the three state databases (extra args are forwarded).
set -ex
PYTHON="${PYTHON:-$(dirname "$0")/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python
cd "$(dirname "$0")"
"$PYTHON" manage.py migrate --noinput "$@"
for state in nc md il; do
    "$PYTHON" manage.py migrate --noinput --database "traffic_stops_$state" "$@"
done
