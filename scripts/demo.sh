#!/bin/sh
# Runs the demo: the Celery worker with its beat scheduler in the background (broker on a local
# SQLite file unless REDIS_URL is set), the web server in the foreground. Ctrl+C stops both.
set -eu
: "${PY:=.venv/bin/python}" "${HOST:=127.0.0.1}" "${PORT:=8000}"
mkdir -p var
"$PY" -m celery -A xiaobao worker --beat --loglevel=INFO --concurrency=1 --pool=solo \
  --schedule=var/celerybeat-schedule >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "background worker started (pid $WORKER, log: var/worker.log)"
"$PY" manage.py demo_banner --url "http://$HOST:$PORT/"
"$PY" manage.py runserver "$HOST:$PORT" --noreload
