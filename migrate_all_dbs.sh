#!/bin/sh
# Migrate the primary database and each state's database (extra args are forwarded); the
# states are STATE_APPS of traffic_stops/settings/env.py.
set -ex
PYTHON="${PYTHON:-$(dirname "$0")/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python
cd "$(dirname "$0")"
"$PYTHON" manage.py migrate --noinput "$@"
aliases=$("$PYTHON" -c 'from traffic_stops.settings.env import STATE_APPS, state_db_alias
print(*map(state_db_alias, STATE_APPS))')
for alias in $aliases; do
    "$PYTHON" manage.py migrate --noinput --database "$alias" "$@"
done
