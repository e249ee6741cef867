#!/usr/bin/env bash
# Runs the suite against PostgreSQL 15 on a throwaway database (see with-pg.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-pg.sh bash scripts/pytest.sh "$@"
