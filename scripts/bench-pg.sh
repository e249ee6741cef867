#!/usr/bin/env bash
# `make bench` on a throwaway PostgreSQL 15 database (see with-pg.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
LVZHI_BENCH_ALLOW_PG_DB=1 exec bash scripts/with-pg.sh .venv/bin/python -m lvzhi.bench
