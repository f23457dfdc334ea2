#!/usr/bin/env bash
# Set everything up and start Todo: ./run.sh            production build at http://localhost:3000
#                                    ./run.sh --dev      development mode with hot reload
# PORT=8080 ./run.sh serves on another port (with --dev, that is the frontend's; BACKEND_PORT=8001
# moves the dev backend, else Reflex takes 8000 or the next free one). Migrations are applied
# before every start.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/common.sh
ensure_venv requirements.txt

echo "==> migrating the database"
python -m todo_app.db

port="${PORT:-3000}"
if [ "${1:-}" = "--dev" ]; then
    exec reflex run --frontend-port "$port" ${BACKEND_PORT:+--backend-port "$BACKEND_PORT"}
fi
exec reflex run --env prod --frontend-port "$port" --backend-port "$port"
