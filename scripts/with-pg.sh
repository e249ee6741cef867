#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 database: starts Debian's cluster if it is
# down, creates a role and database for the run (DATABASE_URL), drops the database after.
#   bash scripts/with-pg.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
db="lvzhi_ci_$$"
su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='lvzhi_ci') THEN CREATE ROLE lvzhi_ci LOGIN CREATEDB PASSWORD 'lvzhi_ci'; END IF; END \\\$\\\$;\""
su postgres -c "createdb -O lvzhi_ci $db"
trap 'su postgres -c "dropdb --if-exists $db; dropdb --if-exists test_$db" >/dev/null 2>&1 || true' EXIT
export DATABASE_URL="postgres://lvzhi_ci:lvzhi_ci@127.0.0.1:5432/$db"
"$@"
